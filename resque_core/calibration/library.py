"""The calibration library: named model families, each a model, its data and the sweep that calibrates it.

A calibration speaks for its own model family until leaving that family out shows it carries. The library ships more
than one, so that leaving one family out (``forecast.transfer``) can say how far a forecast carries
to a model it has never seen:

==============  ===========================================  ===========================================
family          model                                        data, sweep
==============  ===========================================  ===========================================
digits-cnn      SmallCNN, 16x16 grey (the embedded default)  digits upsampled; 13 types x 5 levels x 3
                                                             seeds, caps 30, and the demo's task splits;
                                                             its records are the default calibration
shapes-resnet   SmallResNet (width 8), 32x32 RGB             generated shapes (``data.generated``); 14
                                                             types x levels 1, 3, 5 x 2 seeds, caps 8
digits-mlp      MLP 128-64, 8x8 grey                         digits at their native size; 13 types x 5
                                                             levels x 3 seeds, caps 30
==============  ===========================================  ===========================================

Grey families leave out ``colour_cast`` (on grey it is only a darkening). Cases run seed by seed, and
within a seed every type at its middle level first (``plan.spread``), so a budget that runs out still
covers every type.

Each family's records live in ``resque_core/assets/calibration/<family>.csv`` with a provenance JSON
and their runs' evaluation curves (``<family>.curves.csv.gz``) beside them; digits-cnn's are the default
calibration, ``resque_core/assets/calibration_default.csv`` (``forecast.records.default_records``); ``python -m resque_core calibrate --family NAME|all`` regenerates them (the models
themselves: ``scripts/train_family_models.py``). Each sweep is sized to finish within 30 minutes on a
2-core machine by ``estimate_minutes``, which times a few training steps (an upper bound: every run
counted to its cap).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any

import pandas as pd

from resque_core.assets import asset_path
from resque_core.calibration.cases import DEMO_TASK_SPLITS
from resque_core.calibration.config import SelfCalibration, SweepConfig, shifts_of
from resque_core.calibration.plan import plan_self_calibration, spread
from resque_core.data.shift_spec import SHIFT_TYPES
from resque_core.errors import RecordsError

__all__ = [
    "FAMILIES",
    "FamilySpec",
    "estimate_minutes",
    "get_family",
    "library_curves",
    "library_family",
    "library_records",
    "train_epochs_by_key",
]

DEFAULT_FAMILY = "digits-cnn"  # the embedded model's family: its records are the default calibration
GREY_TYPES = tuple(t for t in SHIFT_TYPES if t != "colour_cast")  # a colour cast on grey is only a darkening


@dataclass(frozen=True)
class FamilySpec:
    """One family of the library: its model, its data and the sweep that calibrates it.

    Attributes:
        name: the family's name ("shapes-resnet"), also its records' file name.
        model: the records' ``model`` label.
        checkpoint: "default" or a file name in ``resque_core/assets``.
        data: its data source (``data.open_source``: "digits", "shapes").
        arch, input_size: what ``forecast.family.family_of`` reads from its model ("SmallResNet", "32x32x3").
        train_epochs: epochs of its model's original training (the ``train_fraction`` cost unit).
        shift_types, levels, seeds, max_epochs, scratch_epochs: its sweep (``SweepConfig``).
        tasks: also run the demo's task splits (digits-cnn only: it has the 0-4 model).
    """

    name: str
    model: str
    checkpoint: str
    data: str
    arch: str
    input_size: str
    train_epochs: int
    shift_types: tuple[str, ...]
    levels: tuple[int, ...] = (1, 2, 3, 4, 5)
    seeds: int = 3
    max_epochs: int = 30
    scratch_epochs: int = 30
    tasks: bool = False

    @property
    def key(self) -> str:
        """The family as ``forecast.family.family_key`` names its records: "ARCH HxWxC"."""
        return f"{self.arch} {self.input_size}"

    @property
    def records_path(self) -> pathlib.Path:
        """Where its records live (they may not exist yet): digits-cnn's are the default calibration."""
        return asset_path("calibration_default.csv" if self.name == DEFAULT_FAMILY else f"calibration/{self.name}.csv")

    def sweep_config(self, **overrides: Any) -> SweepConfig:
        """Its sweep, with ``overrides`` (``SweepConfig`` fields; None values are ignored).

        The shifts are ordered so that any first few cover every type and the range of levels
        (``plan.spread``): a budget that runs out cuts levels, never whole types.
        """
        cfg = {
            "shifts": spread(shifts_of(self.shift_types, self.levels)),
            "task_splits": DEMO_TASK_SPLITS if self.tasks else (),
            "seeds": tuple(range(self.seeds)),
            "max_epochs": self.max_epochs,
            "scratch_epochs": self.scratch_epochs,
        }
        cfg.update({k: v for k, v in overrides.items() if v is not None})
        return SweepConfig(**cfg)

    def load(self) -> Any:
        """Its model (a ``LoadedModel``)."""
        from resque_core.model.checkpoint import load_checkpoint

        return load_checkpoint(self.checkpoint if self.checkpoint == "default" else str(asset_path(self.checkpoint)))

    def dataset(self) -> Any:
        """Its data."""
        from resque_core.data import open_source

        return open_source(self.data)


FAMILIES: dict[str, FamilySpec] = {
    "digits-cnn": FamilySpec(
        "digits-cnn", "SmallCNN digits 0-9", "default", "digits", "SmallCNN", "16x16x1", 30, GREY_TYPES,
        seeds=3, tasks=True,
    ),
    "shapes-resnet": FamilySpec(
        "shapes-resnet", "SmallResNet shapes", "family_shapes_resnet.pt", "shapes", "SmallResNet", "32x32x3", 10,
        SHIFT_TYPES, levels=(1, 3, 5), seeds=2, max_epochs=8, scratch_epochs=8,
    ),
    "digits-mlp": FamilySpec(
        "digits-mlp", "MLP digits 0-9", "family_digits_mlp.pt", "digits", "MLP", "8x8x1", 30, GREY_TYPES, seeds=3,
    ),
}  # fmt: skip


def get_family(name: str) -> FamilySpec:
    """The family called ``name``.

    Raises:
        RecordsError: no such family; the message lists the library's.
    """
    if name not in FAMILIES:
        raise RecordsError(f"no model family {name!r} in the calibration library; its families: {', '.join(FAMILIES)}")
    return FAMILIES[name]


def library_family(arch: str, input_size: str) -> FamilySpec | None:
    """The library's family of a model with this architecture and input ("SmallCNN", "16x16x1"), or None."""
    return next(
        (f for f in FAMILIES.values() if f.arch.lower() == str(arch).lower() and f.input_size == input_size), None
    )


def train_epochs_by_key() -> dict[str, float]:
    """Each family's original training epochs, by its records' family key (the ``train_fraction`` unit)."""
    return {f.key: float(f.train_epochs) for f in FAMILIES.values()}


def library_records(names: list[str] | None = None) -> pd.DataFrame:
    """The records of the library's families that have been calibrated (all of them by default).

    Raises:
        RecordsError: none of these families has records.
    """
    from resque_core.forecast.records import default_records, load_records_csv

    frames = []
    for spec in (get_family(n) for n in (names or list(FAMILIES))):
        if spec.name == DEFAULT_FAMILY:
            frames.append(default_records())
        elif spec.records_path.is_file():
            frames.append(load_records_csv(str(spec.records_path)))
    if not frames:
        raise RecordsError(
            "none of these model families has calibration records yet: run python -m resque_core calibrate --family all"
        )
    return pd.concat(frames, ignore_index=True)


def library_curves(names: list[str] | None = None) -> pd.DataFrame:
    """The evaluation curves of the library's families' records (``forecast.curves``); no rows where none ship."""
    from resque_core.forecast.curves import curves_path, empty_curves, read_curves_csv

    frames = [
        read_curves_csv(curves_path(spec.records_path))
        for spec in (get_family(n) for n in (names or list(FAMILIES)))
        if curves_path(spec.records_path).is_file()
    ]
    return pd.concat(frames, ignore_index=True) if frames else empty_curves()


def estimate_minutes(
    spec: FamilySpec, cfg: SweepConfig | None = None, loaded: Any | None = None, data: Any | None = None
) -> float:
    """The family's sweep (``cfg``, default its own) in minutes on this machine, from a few timed training
    steps: an upper bound, every run counted to its cap."""
    loaded = loaded if loaded is not None else spec.load()
    data = data if data is not None else spec.dataset()
    cfg = cfg if cfg is not None else spec.sweep_config()
    settings = SelfCalibration(
        shifts=cfg.shifts, seeds=len(cfg.seeds), max_epochs=cfg.max_epochs, scratch_epochs=cfg.scratch_epochs,
        plan="fixed",
    )  # fmt: skip
    plan = plan_self_calibration(loaded, data, settings)
    tasks = len(cfg.task_splits) * len(cfg.seeds) / max(plan.cases, 1)  # task cases cost about as much as shifts
    return plan.estimated_s * (1 + tasks) / 60
