"""Energy: meters that measure a piece of work (codecarbon or a typed-in power), the probe that turns
a few measured training steps into kWh and seconds per epoch, hardware profiles for modeled energy,
the cost model (seconds and kWh per epoch on hardware you don't have, from FLOPs and layers: ``cost_model``)
and the provenance every energy figure carries. See docs/forecast-calibration.md (Energy).
"""

from __future__ import annotations

from resque_core.energy.hardware import modeled_kwh_per_epoch
from resque_core.energy.meters import CodecarbonMeter, EnergyMeter, ManualPowerMeter
from resque_core.energy.probe import ProbeResult, probe

__all__ = [
    "CodecarbonMeter",
    "EnergyMeter",
    "ManualPowerMeter",
    "ProbeResult",
    "modeled_kwh_per_epoch",
    "probe",
]
