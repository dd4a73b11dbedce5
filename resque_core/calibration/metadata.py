"""Record metadata: what every calibration record of a sweep shares (model and its family, dataset, hardware,
software versions), as against the labels of the data (given or predicted)."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field

import torch

from resque_core.calibration.cost_scale import CostScale
from resque_core.energy.meters import EnergyMeter
from resque_core.forecast.family import ModelFamily


@dataclass
class RecordMetadata:
    """What every record of a sweep shares (model and its family, dataset, hardware, versions, energy meter).

    ``family`` (``forecast.family.family_of`` the loaded model) fills the records' family columns;
    its ``n_train`` stands in for a run whose shift does not say how many images it trained on.
    ``run_prefix`` names the campaign ("demo", "self", "validate"): each record's id starts with it
    and ends with a random part (``rows.run_id``), never a time. ``cost_scale`` (self-calibration) prices
    each record's seconds and kWh for the epochs of the user's real retraining (``calibration.cost_scale``).
    """

    model: str
    dataset: str
    run_prefix: str
    meter: EnergyMeter | None
    country_iso: str = ""
    family: ModelFamily | None = None
    cost_scale: CostScale | None = None
    hardware: str = field(default_factory=lambda: hardware_label())
    versions: str = field(default_factory=lambda: versions_label())


def hardware_label(device: str = "cpu") -> str:
    """e.g. "cpu: AMD EPYC (2 threads)" or "cuda: NVIDIA H100 80GB HBM3"."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return f"cuda: {torch.cuda.get_device_name(0)}"
    threads = torch.get_num_threads()
    return f"cpu: {cpu_model()} ({threads} thread{'s' if threads != 1 else ''})"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else the platform's processor string."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions_label() -> str:
    """e.g. "torch 2.14.1; codecarbon 3.3.2"."""
    try:
        from importlib.metadata import version

        cc = version("codecarbon")
    except Exception:  # noqa: BLE001 (codecarbon is optional here)
        cc = "absent"
    return f"torch {torch.__version__.split('+')[0]}; codecarbon {cc}"
