"""The belief about a run before (and beside) its own evaluations: a forecast of the epochs to the target.

A ``Prior`` comes from a ``Forecast`` (``prior_of``: from the index, the accuracy drop, or both) or, without
one, from the shipped library's runs at the default target (``live.replay.library_prior``). It is read as a
split log-normal on 1 + epochs (each side of the median its own spread) whose median is the point and whose
interval is the forecast's; seen at epoch e
without the target reached yet, it is that distribution conditioned on more than e epochs
(``Prior.remaining``): what "the prior alone" says is left.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

from resque_core.errors import ResqueError
from resque_core.forecast.result import Interval

__all__ = ["Prior", "prior_of"]

_NORMAL = NormalDist()  # scalar normal quantiles, without scipy's per-call overhead
_Z80 = _NORMAL.inv_cdf(0.9)  # half-width of an 80% interval in standard deviations
_MIN_SIGMA = 0.05


@dataclass(frozen=True)
class Prior:
    """A forecast of the epochs a run needs to reach its target, before it is observed.

    Attributes:
        epochs: the point forecast, in epochs.
        low, high: its interval (``level``), in epochs.
        level: the interval's nominal coverage.
        source: where it comes from, in words ("forecast from the index and the accuracy drop, default calibration").
        p_unreached: share of similar past runs that never reached the target (None: unknown).
        kwh_per_epoch: the forecast's energy per epoch, kWh (None: unknown); used until the run measures its own.
        seconds_per_epoch: the forecast's time per epoch, s (None: unknown).
        index: the index the forecast was made from (None: not from an index); index_kind: "dist" or "task".
    """

    epochs: float
    low: float
    high: float
    level: float = 0.8
    source: str = "forecast"
    p_unreached: float | None = None
    kwh_per_epoch: float | None = None
    seconds_per_epoch: float | None = None
    index: float | None = None
    index_kind: str | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "low", "high"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ResqueError(f"the prior's {name} must be a finite number of epochs >= 0, not {value!r}")
        if not self.low <= self.epochs <= self.high:
            raise ResqueError(
                f"the prior's interval [{self.low:g}, {self.high:g}] does not hold its point {self.epochs:g}"
            )
        if self.p_unreached is not None and not 0 <= self.p_unreached <= 1:
            raise ResqueError(f"the prior's p_unreached must be in [0, 1], not {self.p_unreached!r}")

    @property
    def log_epochs(self) -> float:
        return math.log1p(self.epochs)

    @property
    def log_width(self) -> float:
        """Width of the interval on log(1 + epochs), scaled to an 80% interval."""
        z = _NORMAL.inv_cdf(0.5 + self.level / 2)
        return (math.log1p(self.high) - math.log1p(self.low)) * _Z80 / z

    def features(self) -> list[float]:
        """``live.features.PRIOR_FEATURES``: the point and the 80% width on log(1 + epochs)."""
        return [self.log_epochs, self.log_width]

    def remaining(self, at: float, max_epochs: float, level: float = 0.8) -> Interval:
        """The epochs left after ``at`` (target not yet reached), by the prior alone: its median and ``level``
        interval conditioned on more than ``at`` epochs, capped at ``max_epochs``."""
        mu = self.log_epochs
        z = _NORMAL.inv_cdf(0.5 + self.level / 2)
        sigma_low = max((mu - math.log1p(self.low)) / z, _MIN_SIGMA)  # each side its own spread: the interval
        sigma_high = max((math.log1p(self.high) - mu) / z, _MIN_SIGMA)  # is reproduced, skew and all
        x = math.log1p(at)
        below = _NORMAL.cdf((x - mu) / (sigma_low if x < mu else sigma_high))

        def quantile(q: float) -> float:
            p = min(max(below + q * (1 - below), 1e-12), 1 - 1e-12)
            value = mu + _NORMAL.inv_cdf(p) * (sigma_low if p < 0.5 else sigma_high)
            return min(math.expm1(value), max_epochs) - at

        point, low, high = quantile(0.5), quantile((1 - level) / 2), quantile((1 + level) / 2)
        return Interval(max(point, 0.0), max(low, 0.0), max(high, 0.0))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Prior:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def prior_of(forecast: Any) -> Prior:
    """The ``Prior`` a ``Forecast`` gives: its epochs interval, its share of similar runs that never reached the
    target, its kWh and seconds per epoch, and the index it was made from (a ``Prior`` is returned as it is)."""
    if isinstance(forecast, Prior):
        return forecast
    epochs = forecast.measures.get("epochs")
    if epochs is None:
        raise ResqueError("this forecast has no epochs to use as a prior")
    per_epoch = {}
    for measure in ("kwh", "seconds"):
        interval = forecast.measures.get(measure)
        ok = interval is not None and epochs.point > 0 and math.isfinite(interval.point)
        per_epoch[measure] = interval.point / epochs.point if ok else None
    unreached = getattr(forecast, "unreached", None)
    level = getattr(forecast, "level", 0.8)
    source = f"forecast for {forecast.target} ({forecast.source.records})"
    return Prior(
        epochs=max(epochs.point, 0.0),
        low=max(min(epochs.low, epochs.point), 0.0),
        high=max(epochs.high, epochs.point),
        level=level,
        source=source,
        p_unreached=unreached.share if unreached is not None else None,
        kwh_per_epoch=per_epoch["kwh"],
        seconds_per_epoch=per_epoch["seconds"],
        index=float(forecast.index) if forecast.index is not None else None,
        index_kind=forecast.index_kind,
    )
