"""Exact integration of a piecewise-constant intensity series, for the scheduler.

Times are float seconds since the series' first start. The running integral ``F(t)`` of the
intensity (g/kWh·s) is piecewise linear, so any window's integral is ``F(b) - F(a)``: exact for
irregular steps and for windows that start or end inside a step.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from resque_core.grid.base import IntensitySeries


class Timeline:
    """Numeric view of an ``IntensitySeries``: segments, hole-free runs and the running integral.

    Attributes:
        origin: UTC datetime of t = 0.
        starts_s, ends_s: Segment bounds, seconds since ``origin``.
        values: Intensity of each segment, gCO2eq/kWh.
        run_end_s: For each segment, the end of the hole-free run it belongs to.
    """

    def __init__(self, series: IntensitySeries) -> None:
        self.origin = series.start
        self.starts_s = np.array([(t - self.origin).total_seconds() for t in series.starts], dtype=np.float64)
        self.ends_s = np.array([(t - self.origin).total_seconds() for t in series.ends], dtype=np.float64)
        self.values = np.asarray(series.values_g_per_kwh, dtype=np.float64)
        areas = self.values * (self.ends_s - self.starts_s)
        self._cum = np.concatenate(([0.0], np.cumsum(areas)))
        breaks = np.flatnonzero(self.starts_s[1:] > self.ends_s[:-1])  # a hole after segment i
        last_of_run = np.concatenate((breaks, [len(self.values) - 1]))
        run_index = np.searchsorted(last_of_run, np.arange(len(self.values)))
        self.run_end_s = self.ends_s[last_of_run][run_index]

    def seconds(self, moment: datetime) -> float:
        """``moment`` as seconds since the origin."""
        return (moment - self.origin).total_seconds()

    def moment(self, seconds: float) -> datetime:
        """Seconds since the origin as a UTC datetime."""
        return self.origin + timedelta(seconds=float(seconds))

    def segment_at(self, t_s: np.ndarray | float) -> np.ndarray:
        """Index of the segment whose start is the last at or before ``t_s`` (-1 before the origin)."""
        return np.searchsorted(self.starts_s, t_s, side="right") - 1

    def covered(self, t_s: float) -> bool:
        """Whether ``t_s`` lies inside a segment (not in a hole, not past the end)."""
        i = int(self.segment_at(t_s))
        return i >= 0 and t_s < self.ends_s[i]

    def integral(self, t_s: np.ndarray | float) -> np.ndarray:
        """Running integral F(t) of intensity (g/kWh·s) from the origin, for ``t`` inside a run."""
        idx = np.clip(self.segment_at(t_s), 0, len(self.values) - 1)
        within = np.minimum(np.asarray(t_s, dtype=np.float64), self.ends_s[idx]) - self.starts_s[idx]
        return self._cum[idx] + self.values[idx] * within

    def window_mean(self, a_s: np.ndarray, duration_s: float, weights: np.ndarray) -> np.ndarray:
        """Energy-weighted mean intensity of windows ``[a, a + duration)``.

        ``weights`` split the duration into equal phases, each drawing that share of the energy.
        """
        phase_s = duration_s / len(weights)
        mean = np.zeros_like(a_s, dtype=np.float64)
        for k, weight in enumerate(weights):
            lo = a_s + k * phase_s
            mean += weight * (self.integral(lo + phase_s) - self.integral(lo)) / phase_s
        return mean

    def fits(self, a_s: np.ndarray, duration_s: float) -> np.ndarray:
        """Whether each window ``[a, a + duration)`` lies inside one hole-free run."""
        idx = self.segment_at(a_s)
        ok = idx >= 0
        safe = np.clip(idx, 0, len(self.values) - 1)
        inside = a_s < self.ends_s[safe]
        return ok & inside & (a_s + duration_s <= self.run_end_s[safe] + 1e-6)
