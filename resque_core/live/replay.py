"""The shipped library's curves replayed as if each run were live: what the refinement learns from.

Every retraining run of the library is read at the default target (``forecast.targets.at_target``: within
2 points of its old model's clean accuracy; a run that never got there counts at its cap) and seen at each
epoch of ``REPLAY_EPOCHS`` before it reached the target: one row per (run, epoch) with the curve features
(``live.features``), its prior (the product's forecast of that run made without its shift type, as
``bench/forecast_fidelity.py`` published it in ``forecast_fidelity.json``) and the truth (epochs left, and
whether it never got there within its cap).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from resque_core.errors import ResqueError
from resque_core.forecast.published import published_fidelity, shipped_records_sha256
from resque_core.forecast.records import validate_records
from resque_core.forecast.shipped import (
    DEFAULT_SOURCE,
    LIBRARY_PREFIX,
    shipped_curves,
    shipped_families,
    shipped_records,
)
from resque_core.forecast.targets import DEFAULT_TARGET, Target, at_target
from resque_core.live.features import CURVE_FEATURES, PRIOR_FEATURES, curve_features
from resque_core.live.prior import Prior

__all__ = ["REPLAY_EPOCHS", "library_prior", "library_runs", "replay_rows", "shipped_replay"]

REPLAY_EPOCHS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)


def library_runs(target: Target = DEFAULT_TARGET) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The shipped library's retraining runs at ``target`` (with ``reached``), and each run's curve by run id."""
    sources = [DEFAULT_SOURCE, *(LIBRARY_PREFIX + name for name in shipped_families().values())]
    records = validate_records(pd.concat([shipped_records(s) for s in sources], ignore_index=True))
    curve_frame = pd.concat([shipped_curves(s) for s in sources], ignore_index=True)
    at = at_target(records, curve_frame, target).frame
    runs = at[(at["run_kind"] == "retrain") & at["reached"].notna()].reset_index(drop=True)
    by_run = {run: part.sort_values("epoch") for run, part in curve_frame.groupby("run_id", sort=False)}
    return runs, by_run


def _published_priors() -> dict[str, Prior]:
    """Each library run's held-out forecast, as published for the shipped records (empty when stale)."""
    data = published_fidelity()
    if not data or data.get("records_sha256") != shipped_records_sha256():
        return {}
    held = data.get("heldout_runs", {})
    product = held.get("product", {})
    out = {}
    columns = [held.get("run_id", []), *(product.get(k, []) for k in ("point", "low", "high"))]
    for run, point, low, high in zip(*columns, strict=True):
        if all(v is not None and math.isfinite(v) for v in (point, low, high)):
            out[run] = Prior(max(point, 0.0), max(min(low, point), 0.0), max(high, point), source="held-out forecast")
    return out


def replay_rows(
    runs: pd.DataFrame, curves: dict[str, pd.DataFrame], priors: dict[str, Prior], epochs=REPLAY_EPOCHS
) -> pd.DataFrame:
    """One row per run and epoch of ``epochs`` it was still short of its target at (and under its cap).

    Columns: run_id, shift_type, model, epoch, max_epochs, the curve and prior features, ``left`` (epochs left to
    the target, or to the cap when it never got there), ``never`` (1: it never reached the target within its cap),
    and the prior's own forecast of what is left (``prior_point``, ``prior_low``, ``prior_high``).
    """
    rows = []
    for run in runs.itertuples(index=False):
        curve, prior = curves.get(run.run_id), priors.get(run.run_id)
        if curve is None or prior is None:
            continue
        t, a = curve["epoch"].to_numpy(float), curve["val_acc"].to_numpy(float)
        cap = float(run.max_epochs)
        for at in epochs:
            if run.epochs <= at + 1e-9 or at >= cap:
                continue
            left = prior.remaining(at, cap)
            rows.append(
                [run.run_id, run.shift_type, run.model, at, cap,
                 *curve_features(t, a, float(run.target_acc), cap, at), *prior.features(),
                 float(run.epochs) - at, int(run.reached == 0), left.point, left.low, left.high]
            )  # fmt: skip
    columns = ["run_id", "shift_type", "model", "epoch", "max_epochs", *CURVE_FEATURES, *PRIOR_FEATURES]
    return pd.DataFrame(rows, columns=[*columns, "left", "never", "prior_point", "prior_low", "prior_high"])


@functools.cache
def shipped_replay() -> pd.DataFrame:
    """``replay_rows`` of the shipped library with its published priors (read once per process).

    Raises:
        ResqueError: the published forecasts are missing or were made on other records.
    """
    runs, curves = library_runs()
    priors = _published_priors()
    if not priors:
        raise ResqueError(
            "the shipped forecast benchmark (forecast_fidelity.json) is missing or stale, so the library's runs have "
            "no held-out priors to learn from: run `python bench/forecast_fidelity.py --publish`"
        )
    return replay_rows(runs, curves, priors)


@functools.cache
def library_prior() -> Prior:
    """The prior without a forecast: the library's runs still short of the default target before training,
    unconditional (median and 80% interval of their epochs, and the share that never got there)."""
    start = shipped_replay().query("epoch == 0")
    low, point, high = np.quantile(start["left"].to_numpy(float), [0.1, 0.5, 0.9])
    return Prior(
        float(point), float(low), float(high),
        source=f"the shipped library's {len(start)} retraining runs at {DEFAULT_TARGET.label} (no forecast given)",
        p_unreached=float(start["never"].mean()),
    )  # fmt: skip
