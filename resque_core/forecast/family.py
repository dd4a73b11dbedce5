"""Whose calibration is it: the model family behind calibration records, and the user's model's.

A calibration speaks for its own model family (docs/design.md, section 3): a curve measured on a small
CNN at 16x16 says little about a ResNet-18 at 32x32. Records carry the family of the model they were
measured on (``arch``, ``n_params``, ``input_size``, ``n_train``); ``family_note`` compares it with the
loaded model's and says, in one sentence, when the forecast does not speak for that model. The page,
the ``forecast`` command and the report all show that same sentence (``Forecast.family_note``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["FAMILY_COLUMNS", "ModelFamily", "family_note", "family_of", "records_family"]

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
    name = (loaded.arch or {}).get("name") or type(loaded.model).__name__
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
