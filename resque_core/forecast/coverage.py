"""How sure a forecast is, in one figure: how often past runs of its kind fell inside their interval, held out.

The figure is quoted, never made up: the published benchmark's held-out coverage of this forecast's records,
evidence and target (``forecast.published``) where one was published, else the forecaster's own held-out
check on its records (``FitReport``: each shift type left out in turn, its runs forecast by the curve fitted
without them). A forecast with neither has no ``Coverage``.
"""

from __future__ import annotations

import math
from typing import Any

from resque_core.forecast.published import published_figure
from resque_core.forecast.result import Coverage, FitReport
from resque_core.forecast.signals import SCHEME_UNITS, SignalChoice

__all__ = ["coverage_of"]


def coverage_of(report: FitReport, source: str, signals: SignalChoice | None, target: Any) -> Coverage | None:
    """The published held-out coverage of this forecast where one covers it, else the fit's own; None: neither."""
    figure = published_figure(source=source, signals=signals, target=target)
    if figure is not None and _real(figure.get("coverage_80")) and figure.get("n_runs"):
        return _coverage(
            figure["coverage_80"], int(figure["n_runs"]), float(figure.get("level", report.level)),
            f"the published benchmark of the {source}, each shift type held out in turn",
        )  # fmt: skip
    if report.heldout_runs <= 0 or not _real(report.heldout_coverage_epochs):
        return None
    unit = SCHEME_UNITS.get(report.heldout_scheme, "groups")
    basis = f"the forecaster's own check on the {source}'s runs, {unit} held out one at a time"
    return _coverage(report.heldout_coverage_epochs, report.heldout_runs, report.level, basis)


def _coverage(share: float, runs: int, level: float, basis: str) -> Coverage:
    """The figure, with the count of runs inside when ``share`` is exactly a count of ``runs``."""
    covered = round(share * runs)
    exact = math.isclose(covered / runs, share, rel_tol=0, abs_tol=1e-9)
    return Coverage(share=float(share), runs=runs, level=level, basis=basis, covered=covered if exact else None)


def _real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
