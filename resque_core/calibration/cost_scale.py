"""A self-calibration's time and energy, priced for the user's real retraining.

A self-calibration trains on a split of the user's original data, often on a fraction of it to fit its time
budget, so one of its epochs runs over fewer images than one epoch of the real retraining on the user's new
data. Seconds and kWh per epoch scale with the images an epoch runs over; ``CostScale`` multiplies each
record's seconds, kWh and CO2 (totals, per epoch and along its curve) by ``epoch_images / n_train`` and
records ``epoch_images`` as the images its costs are for. The epochs themselves are left as counted: the
record's provenance (``sentence``) says they were counted on the smaller epochs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from resque_core.calibration.record import CalibrationRecord
from resque_core.retraining.curve import Curve, CurvePoint
from resque_core.units import number_text

__all__ = ["CostScale"]


@dataclass(frozen=True)
class CostScale:
    """The epoch size a self-calibration's costs are priced for.

    Attributes:
        epoch_images: images one epoch of the user's real retraining runs over (None: not known, then the full
            original data's: ``n_train / data_fraction``).
        data_fraction: share of the original data the runs trained on (0..1).
    """

    epoch_images: int | None = None
    data_fraction: float = 1.0

    def images_for(self, n_train: int | None) -> int | None:
        """Images per epoch the costs of a run on ``n_train`` images are scaled to (None: left as measured)."""
        if not n_train:
            return None
        if self.epoch_images:
            return int(self.epoch_images)
        return round(n_train / self.data_fraction) if self.data_fraction < 1 else None

    def apply(self, record: CalibrationRecord) -> CalibrationRecord:
        """``record`` with seconds, kWh and CO2 scaled to ``images_for(record.n_train)`` images per epoch."""
        images = self.images_for(record.n_train)
        if images is None or images == record.n_train:
            return record
        factor = images / record.n_train
        return replace(
            record,
            n_train=images,
            seconds=_times(record.seconds, factor),
            kwh=_times(record.kwh, factor),
            co2_kg=_times(record.co2_kg, factor),
            kwh_per_epoch=_times(record.kwh_per_epoch, factor),
            curve=_scaled_curve(record.curve, factor),
        )

    def sentence(self, n_train: int | None) -> str | None:
        """What was scaled, in words (None: nothing): for the output, the provenance and the forecast's note."""
        images = self.images_for(n_train)
        if images is None or images == n_train:
            return None
        whose = "your real retraining's" if self.epoch_images else "the full data's (your new data's size unknown)"
        fraction = f"trained on {self.data_fraction:g} of the data, " if self.data_fraction < 1 else ""
        return (
            f"runs {fraction}{n_train:,} images per epoch: their seconds and kWh are scaled "
            f"x{number_text(images / n_train, 3)} to {images:,} images per epoch, {whose}; their epochs are counted "
            "on the smaller epochs"
        )


def _times(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _scaled_curve(curve: Curve | None, factor: float) -> Curve | None:
    if curve is None:
        return None
    return Curve(
        tuple(
            CurvePoint(p.epoch, p.val_acc, p.seconds * factor, None if p.energy_kwh is None else p.energy_kwh * factor)
            for p in curve.points
        )
    )
