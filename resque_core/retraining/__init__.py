"""Retraining: the real retraining loop and its target rules, its results, energy meters, the probe
and hardware profiles. See docs/forecast-calibration.md.
"""

from __future__ import annotations

from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.hardware import load_hardware_profiles, modeled_kwh_per_epoch
from resque_core.retraining.loop import retrain
from resque_core.retraining.meters import CodecarbonMeter, EnergyMeter, EnergyReading, ManualPowerMeter
from resque_core.retraining.probe import ProbeResult, probe
from resque_core.retraining.results import EpochRecord, RetrainResult
from resque_core.retraining.targets import TARGET_RULES, EvalPoint

__all__ = [
    "TARGET_RULES",
    "CodecarbonMeter",
    "EnergyMeter",
    "EnergyReading",
    "EpochRecord",
    "EvalPoint",
    "ManualPowerMeter",
    "ProbeResult",
    "RetrainConfig",
    "RetrainResult",
    "load_hardware_profiles",
    "modeled_kwh_per_epoch",
    "probe",
    "retrain",
]
