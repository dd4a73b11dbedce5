"""What a comparison is asked: the candidate checkpoints (``CKPT[:ARCH]``) and the settings every option shares
(the team's target, the budget, the hardware the cost is modeled on, the grid and the price).

Every number is checked here, at the edge, with the setting that fixes it named (``InputError``).
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from resque_core.errors import InputError
from resque_core.forecast.costing import CostSettings
from resque_core.forecast.targets import DEFAULT_DROP, target_of
from resque_core.model.source import ModelSource
from resque_core.units import number_text

__all__ = [
    "THIS_MACHINE",
    "Candidate",
    "CompareSettings",
    "budget_epochs",
    "candidate_name",
    "candidates_from",
    "named_candidates",
    "parse_candidate",
    "team_target",
]

THIS_MACHINE = "cpu-2-threads-codecarbon"  # the hardware profile of the machines this project runs on
DEFAULT_MIN_P_REACH = 0.8  # an option meets the target when 8 in 10 of its similar runs reached it


@dataclass(frozen=True)
class Candidate:
    """A checkpoint to compare and the name tables and charts give it (its file's name, made unique)."""

    model: ModelSource
    name: str


def parse_candidate(spec: str, template: ModelSource | None = None) -> Candidate:
    """``CKPT[:ARCH]``: a checkpoint file, or "default" / "default-0-4", with the architecture of bare weights after
    the last colon (a path that exists as written is taken whole). ``template`` gives the other reading settings
    (trust, input spec, stem) every candidate shares."""
    text = str(spec).strip()
    if not text:
        raise InputError("an empty candidate: write it as CKPT or CKPT:ARCH (e.g. model.pt:resnet18)")
    path, arch = text, None
    if ":" in text and not pathlib.Path(text).exists():
        path, _, arch = text.rpartition(":")
        if not path or not arch:
            raise InputError(f"candidate {text!r}: write it as CKPT or CKPT:ARCH (e.g. model.pt:resnet18)")
    template = template or ModelSource()
    model = replace(template, checkpoint=path, arch=arch or template.arch)
    return Candidate(model, candidate_name(model))


def candidate_name(model: ModelSource) -> str:
    """How tables and charts name a checkpoint: the shipped ones by what they are, a file by its own name (never
    the folder it sits in, an upload's session folder included)."""
    shipped = {"default": "default model", "default-0-4": "default 0-4 model"}
    return shipped.get(model.checkpoint) or pathlib.Path(model.checkpoint).name or model.checkpoint


def named_candidates(models: Iterable[ModelSource]) -> list[Candidate]:
    """Each model as a ``Candidate`` with a unique name ("model.pt", "model.pt (2)"): the CLI's and the page's."""
    out: list[Candidate] = []
    for model in models:
        base = candidate_name(model)
        name, n = base, 2
        while name in {c.name for c in out}:
            name, n = f"{base} ({n})", n + 1
        out.append(Candidate(model, name))
    return out


def candidates_from(specs: Iterable[str], template: ModelSource | None = None) -> list[Candidate]:
    """``parse_candidate`` of each spec, each given a unique name (``named_candidates``)."""
    return named_candidates(parse_candidate(spec, template).model for spec in specs)


@dataclass(frozen=True)
class CompareSettings:
    """What every option of a comparison shares.

    Attributes:
        target_acc: the team's target, an accuracy on the new data (None: ``target_drop`` below the best
            candidate's clean accuracy).
        target_drop: the drop that sets the target when ``target_acc`` is None (default 2 points).
        budget_epochs / budget_kwh: the budget the expected accuracy is read at: epochs, or kWh (each option then
            gets the epochs its modeled kWh per epoch buys); neither: the calibration runs' epoch cap.
        profile: the hardware profile the seconds and kWh per epoch are modeled on; devices: how many of it.
        precision: "fp32" or "mixed" (which of the profile's peaks).
        level: the intervals' coverage; min_p_reach: the share of similar runs an option must reach the target in.
        cost: the grid intensity and price (its energy basis stays "records": the energy is modeled here).
    """

    target_acc: float | None = None
    target_drop: float = DEFAULT_DROP
    budget_epochs: float | None = None
    budget_kwh: float | None = None
    profile: str = THIS_MACHINE
    devices: int = 1
    precision: str = "fp32"
    level: float = 0.8
    min_p_reach: float = DEFAULT_MIN_P_REACH
    cost: CostSettings = field(default_factory=CostSettings)

    def __post_init__(self) -> None:
        target_of(self.target_acc, None if self.target_acc is not None else self.target_drop)  # range checks
        if self.budget_epochs is not None and self.budget_kwh is not None:
            raise InputError("give the budget in epochs or in kWh, not both", setting="budget_kwh")
        _positive(self.budget_epochs, "budget_epochs")
        _positive(self.budget_kwh, "budget_kwh")
        if not (isinstance(self.devices, int) and 1 <= self.devices <= 4096):
            raise InputError(f"devices must be a whole number from 1 to 4096, not {self.devices!r}", setting="devices")
        if self.precision not in ("fp32", "mixed"):
            raise InputError(f"precision must be fp32 or mixed, not {self.precision!r}", setting="precision")
        for name in ("level", "min_p_reach"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 < value <= 1 and (name != "level" or value < 1)):
                raise InputError(f"{name} must be a share in (0, 1), not {value!r}", setting=name)
        if self.cost.energy != "records":
            raise InputError("compare models each option's energy on the hardware profile: give no energy basis")
        _check_profile(self.profile, self.precision)

    def flops_cost(self, images: int) -> CostSettings:
        """The ``CostSettings`` that price an option: time and kWh per epoch from the model's FLOPs on ``images``
        images per epoch on this profile, grid and price as asked."""
        return replace(self.cost, energy="flops", profile=self.profile, devices=self.devices,
                       precision=self.precision, images=int(images))  # fmt: skip

    def budget_words(self) -> str:
        if self.budget_epochs is not None:
            return f"{number_text(self.budget_epochs)} epochs"
        if self.budget_kwh is not None:
            return f"{number_text(self.budget_kwh)} kWh per option (modeled)"
        return "the calibration runs' epoch cap"

    def hardware_words(self) -> str:
        from resque_core.energy.hardware import load_hardware_profiles

        label = load_hardware_profiles().get(self.profile, {}).get("label", self.profile)
        return f"{self.devices} x {label}, {self.precision}" if self.devices > 1 else f"{label}, {self.precision}"


def _check_profile(name: str, precision: str) -> None:
    """A profile that exists and gives the peak ``precision`` needs (before any model loads)."""
    from resque_core.energy.cost_model import PRECISIONS
    from resque_core.energy.hardware import load_hardware_profiles

    profiles = load_hardware_profiles()
    if name not in profiles:
        raise InputError(f"unknown hardware profile {name!r}; known profiles: {', '.join(sorted(profiles))}",
                         setting="profile")  # fmt: skip
    if profiles[name].get(PRECISIONS[precision]) is None:
        raise InputError(f"the profile {name!r} gives no {precision} peak throughput: choose another precision or "
                         "profile", setting="precision")  # fmt: skip


def _positive(value: float | None, setting: str) -> None:
    if value is not None and not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InputError(f"{setting} must be a positive number, not {value!r}", setting=setting)


def team_target(settings: CompareSettings, base_accs: Sequence[float]) -> tuple[float, str]:
    """The team's target accuracy on the new data, and how it was set, in words."""
    if settings.target_acc is not None:
        return float(settings.target_acc), f"accuracy {number_text(settings.target_acc)} on the new data"
    best = max(float(b) for b in base_accs)
    target = best - settings.target_drop
    points = number_text(100 * settings.target_drop)
    words = (
        f"accuracy {number_text(target)} on the new data ({points} points below the best candidate's clean "
        f"accuracy, {number_text(best)})"
    )
    return target, words


def budget_epochs(settings: CompareSettings, kwh_per_epoch: float, runs: pd.DataFrame) -> float:
    """The epochs an option's expected accuracy is read at: the budget in epochs, the epochs its kWh per epoch
    buys within a kWh budget, or (no budget) the runs' largest epoch cap."""
    if settings.budget_epochs is not None:
        return float(settings.budget_epochs)
    if settings.budget_kwh is not None:
        return min(float(settings.budget_kwh) / kwh_per_epoch, 1e6) if kwh_per_epoch > 0 else 1e6
    caps = pd.to_numeric(runs.get("max_epochs"), errors="coerce") if "max_epochs" in runs else pd.Series(dtype=float)
    return float(caps.max()) if caps.notna().any() else float(runs["epochs"].max())
