"""Whose calibration is it: the model family behind calibration records, and the user's model's.

A calibration speaks for its own model family until leaving that family out shows it carries: a curve
measured on a small CNN at 16x16 says little about a ResNet-18 at 32x32. Records carry the family of the model they were
measured on (``arch``, ``n_params``, ``input_size``, ``n_train``); ``family_note`` compares it with the
loaded model's and says, in one sentence, when the forecast does not speak for that model. The page,
the ``forecast`` command and the report all show that same sentence (``Forecast.family_note``).

Epochs mean different things for different families (a ResNet needs fewer than an MLP to learn the
same shift), so the cost can be carried across families in a *unit*: raw ``epochs``, a
``scratch_fraction`` (epochs over the family's median from-scratch epochs to the same target) or a
``train_fraction`` (epochs over the epochs of the model's original training). ``to_unit`` and
``from_unit`` convert both ways with a family's ``UnitReference``; ``forecast.transfer`` checks,
leaving one family out, which unit transfers best.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError

__all__ = [
    "CARRIED",
    "COST_UNITS",
    "FAMILY_COLUMNS",
    "MissingReference",
    "ModelFamily",
    "UnitReference",
    "family_key",
    "family_note",
    "family_of",
    "from_unit",
    "is_carried",
    "records_family",
    "to_unit",
    "unit_reference",
]

COST_UNITS: tuple[str, ...] = ("epochs", "scratch_fraction", "train_fraction")
UNIT_LABELS = {
    "epochs": "raw epochs",
    "scratch_fraction": "a fraction of the from-scratch epochs",
    "train_fraction": "a fraction of the original training's epochs",
}

CARRIED = "calibration library"  # how a forecast carried across families names its records (``Source.records``)
FAMILY_COLUMNS: tuple[str, ...] = ("arch", "n_params", "input_size", "n_train")
PARAMS_TOLERANCE = 1.25  # parameter counts within this ratio are the same family (a different head, say)
CHANNELS = {1: "grey", 3: "RGB"}


@dataclass(frozen=True)
class ModelFamily:
    """What makes calibration runs comparable: the architecture, its size, its input and its data.

    Attributes:
        arch: architecture name ("SmallCNN", "resnet18").
        n_params: trainable and frozen parameters, a count.
        input_size: "HxWxC", e.g. "16x16x1".
        n_train: images one retraining epoch runs over (None: unknown).
    """

    arch: str
    n_params: int
    input_size: str
    n_train: int | None = None

    def same_as(self, other: ModelFamily) -> bool:
        """Same architecture and input, and parameter counts within ``PARAMS_TOLERANCE`` of each other."""
        ratio = max(self.n_params, other.n_params) / max(min(self.n_params, other.n_params), 1)
        return (
            self.arch.lower() == other.arch.lower()
            and self.input_size == other.input_size
            and ratio <= PARAMS_TOLERANCE
        )

    def describe(self) -> str:
        """e.g. "SmallCNN (28.1k parameters, 16x16 grey images, 404 training images)"."""
        parts = [f"{_count(self.n_params)} parameters", _input_text(self.input_size)]
        if self.n_train:
            parts.append(f"{self.n_train:,} training images")
        return f"{self.arch} ({', '.join(parts)})"


def family_of(loaded: Any, n_train: int | None = None) -> ModelFamily:
    """The family of a ``LoadedModel`` (its architecture name, parameter count and input spec)."""
    model = loaded.model  # a TorchScript module keeps its class's name as ``original_name``
    name = (loaded.arch or {}).get("name") or getattr(model, "original_name", None) or type(model).__name__
    spec = loaded.input_spec
    height, width = spec.size
    return ModelFamily(
        arch=str(name),
        n_params=int(sum(p.numel() for p in loaded.model.parameters())),
        input_size=f"{height}x{width}x{spec.channels}",
        n_train=int(n_train) if n_train else None,
    )


def records_family(records: pd.DataFrame) -> ModelFamily | None:
    """The most common family among the records that name one (None: none does)."""
    if "arch" not in records.columns:
        return None
    named = records.dropna(subset=["arch", "n_params", "input_size"])
    if named.empty:
        return None
    arch, input_size = named.groupby(["arch", "input_size"]).size().idxmax()
    same = named[(named["arch"] == arch) & (named["input_size"] == input_size)]
    n_train = same["n_train"].dropna() if "n_train" in same.columns else pd.Series(dtype=float)
    return ModelFamily(
        arch=str(arch),
        n_params=int(same["n_params"].median()),
        input_size=str(input_size),
        n_train=int(n_train.median()) if not n_train.empty else None,
    )


def family_note(records: pd.DataFrame, family: ModelFamily | None, energy_basis: str = "") -> str | None:
    """One sentence when the records are not of ``family``'s model family, else None.

    Args:
        records: the calibration records behind the forecast.
        family: the user's model (None: no model given, nothing to compare).
        energy_basis: the forecast's energy basis; "records" adds that the energy per epoch is theirs too.
    """
    if family is None:
        return None
    theirs = records_family(records)
    if theirs is not None and theirs.same_as(family):
        return None
    mine = family.describe()
    if theirs is None:
        sentence = (
            f"The calibration records do not name the model they were measured on; your model is {mine}: "
            "self-calibrate for figures that speak for it."
        )
    else:
        sentence = (
            f"This forecast comes from runs of {theirs.describe()}; your model is {mine}: "
            "self-calibrate for figures that speak for it."
        )
    if energy_basis == "records":
        sentence += " Its energy per epoch is theirs too: measure a probe of your model."
    return sentence


def is_carried(forecast: Any) -> bool:
    """Whether ``forecast`` is the library's runs carried to a model of another family
    (``calibration.model_forecast``): its range and fit are the library's, not its records' forecaster's."""
    return forecast.source.records.startswith(f"{CARRIED} (")


def family_key(records: pd.DataFrame) -> pd.Series:
    """Each record's family as "ARCH HxWxC" (e.g. "SmallCNN 16x16x1"); None where the record names none."""
    if not {"arch", "input_size"} <= set(records.columns):
        return pd.Series([None] * len(records), index=records.index, dtype=object)
    named = records["arch"].notna() & records["input_size"].notna()
    keys = records["arch"].astype(str) + " " + records["input_size"].astype(str)
    return keys.where(named, None)


class MissingReference(RecordsError):
    """A cost unit needs a reference (from-scratch runs, the original training's epochs) a family lacks."""


@dataclass(frozen=True)
class UnitReference:
    """What a family's epochs are measured against, in epochs (None: unknown).

    Attributes:
        scratch_epochs: median epochs of its from-scratch runs to the target (the ``scratch_fraction`` unit).
        train_epochs: epochs of its model's original training (the ``train_fraction`` unit).
    """

    scratch_epochs: float | None = None
    train_epochs: float | None = None

    def epochs_per_unit(self, unit: str) -> float:
        """Epochs one unit of ``unit`` is worth for this family.

        Raises:
            RecordsError: an unknown unit; ``MissingReference``: a reference this family lacks (it says which).
        """
        if unit == "epochs":
            return 1.0
        if unit not in COST_UNITS:
            raise RecordsError(f"unknown cost unit {unit!r}; use one of {', '.join(COST_UNITS)}")
        value = self.scratch_epochs if unit == "scratch_fraction" else self.train_epochs
        if value is None or not np.isfinite(value) or value <= 0:
            what = "from-scratch runs" if unit == "scratch_fraction" else "the epochs of its original training"
            raise MissingReference(f"the {unit} unit needs {what} (a positive number of epochs); none is known here")
        return float(value)


def to_unit(epochs: Any, unit: str, reference: UnitReference) -> np.ndarray:
    """Epochs expressed in ``unit`` for the family of ``reference``."""
    return np.asarray(epochs, dtype=float) / reference.epochs_per_unit(unit)


def from_unit(values: Any, unit: str, reference: UnitReference) -> np.ndarray:
    """Values in ``unit`` back to epochs for the family of ``reference`` (``to_unit``'s inverse)."""
    return np.asarray(values, dtype=float) * reference.epochs_per_unit(unit)


def unit_reference(records: pd.DataFrame, train_epochs: float | None = None) -> UnitReference:
    """One family's reference: the median epochs of its from-scratch runs (a censored run counts at its cap, so
    a family whose from-scratch runs mostly hit the cap has a low reference), and its original training's epochs."""
    scratch = records.loc[records["run_kind"] == "scratch", "epochs"].dropna() if "run_kind" in records else []
    median = float(np.median(scratch)) if len(scratch) else None
    return UnitReference(scratch_epochs=median if median else None, train_epochs=train_epochs)


def _count(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.3g}M"
    if n >= 1_000:
        return f"{n / 1e3:.3g}k"
    return str(n)


def _input_text(input_size: str) -> str:
    """ "16x16x1" -> "16x16 grey images"."""
    height, width, channels = (input_size.split("x") + ["", "", ""])[:3]
    if not channels.isdigit():
        return f"{input_size} images"
    return f"{height}x{width} {CHANNELS.get(int(channels), f'{channels}-channel')} images"
