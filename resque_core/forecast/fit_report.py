"""How well a fitted forecaster did on its own records: the ``FitReport`` the page and the CLI print."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from resque_core.forecast.fidelity import HeldOut, heldout_groups
from resque_core.forecast.result import FitReport

__all__ = ["fit_report"]


def fit_report(
    runs: pd.DataFrame,
    heldout: HeldOut | None,
    models: Mapping,
    sets: Mapping,
    level: float,
    *,
    n_records: int,
    n_scratch: int,
) -> FitReport:
    """The report of curves ``models`` and signal sets ``sets`` fitted on ``runs`` (censored ones included).

    Args:
        heldout: the index curve's epochs forecast for each run with its shift type held out (None: no check).
        n_records: the uncensored runs the curves were fitted on; n_scratch: the from-scratch runs.
    """
    from scipy.stats import spearmanr

    mae, coverage = (heldout.mae, heldout.coverage) if heldout is not None else (float("nan"), float("nan"))
    if runs["epochs"].nunique() < 2:  # undefined: NaN (null in JSON), without scipy's warning
        rho = float("nan")
    else:
        rho = spearmanr(runs["index_value"], runs["epochs"]).statistic if runs["index_value"].nunique() > 1 else 0.0
    return FitReport(
        n_records=n_records,
        n_censored=int(runs["censored"].sum()),
        n_scratch=n_scratch,
        spearman_epochs=float(rho),
        models={m: fit.kind for m, fit in models.items()},
        loo_mae={m: fit.loo_mae_ for m, fit in models.items()},
        heldout_scheme=heldout_groups(runs)[1],
        heldout_mae_epochs=mae,
        heldout_coverage_epochs=coverage,
        level=level,
        signal_mae_epochs={fit.key: fit.heldout_mae_epochs for fit in sets.values()},
        heldout_runs=len(heldout.observed) if heldout is not None else 0,
    )
