"""A stale result stays shown, marked "stale: re-run", with a button that computes it again with its last settings.

A stage is stale when something it was computed from changed since (``ui.state``). Its page and the
Start page keep showing it as last computed, under a warning naming what changed; the report and saved
scenarios leave it out (``ui.results.current_scenario`` takes done stages only) until it is re-run.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import fields

import streamlit as st

from ui import actions
from ui.errors import guard
from ui.settings import ForecastSettings, IndexSettings, ScheduleSettings
from ui.state import DONE, STAGES, STALE, UPSTREAM, status, why_stale

NEEDS_THE_PAGE = {  # settings a re-run cannot repeat: a file or key the session did not keep
    ("forecast", "calibration", "upload"): "its records were an uploaded CSV: forecast again on the Forecast page",
    ("schedule", "provider", "csv"): "its grid data was an uploaded CSV: schedule again on the Schedule page",
    ("schedule", "provider", "electricitymaps"): "it needs the API key: schedule again on the Schedule page",
}


def blocked(state: MutableMapping, stage: str) -> str | None:
    """Why ``stage`` cannot be computed again here with its last settings, else None."""
    inputs = state["inputs"].get(stage) or {}
    return next((why for (s, k, v), why in NEEDS_THE_PAGE.items() if s == stage and inputs.get(k) == v), None)


def rerun(state: MutableMapping, stage: str) -> None:
    """Compute ``stage`` again with the settings it was last computed with (its upstream as they are now)."""
    inputs = dict(state["inputs"][stage])
    if stage == "index":
        actions.run_index(state, IndexSettings(**inputs))
    elif stage == "forecast":
        from resque_core.forecast.costing import CostSettings

        names = {f.name for f in fields(ForecastSettings)}
        settings = ForecastSettings(**{k: v for k, v in inputs.items() if k in names})
        cost = CostSettings(**{k: v for k, v in inputs.items() if k not in names})
        records = {"self-calibration": state.get("selfcal_csv")}.get(settings.calibration)
        if settings.calibration == "recorded runs":
            records = actions.recorded_runs_csv()
        probe = actions.probe(state) if cost.energy == "probe" else None
        actions.run_forecast(state, settings, cost, records, probe)
    elif stage == "schedule":
        actions.run_schedule(state, ScheduleSettings(**inputs))


def rerun_stale(state: MutableMapping, stages: Sequence[str] = STAGES) -> list[str]:
    """Re-run the stale ones among ``stages`` and the stale stages they are made from, upstream first; those
    re-run."""
    needed, done = set(), []
    for stage in stages:
        needed |= {stage, *upstream_of(stage)}
    for stage in STAGES:
        deps = state["deps"].get(stage, {})
        upstream_done = all(status(state, dep.partition(":")[0]) == DONE for dep in deps)
        if stage in needed and status(state, stage) == STALE and upstream_done and blocked(state, stage) is None:
            rerun(state, stage)
            done.append(stage)
    return done


def upstream_of(stage: str) -> set[str]:
    """Every stage ``stage`` is made from, however far up."""
    direct = {dep.partition(":")[0] for dep in UPSTREAM[stage]}
    return direct.union(*(upstream_of(up) for up in direct))


def stale_mark(state: MutableMapping, stages: Sequence[str], key: str) -> None:
    """Above results: each stale one among ``stages`` with what changed, and the button that re-runs them."""
    stale = [stage for stage in stages if status(state, stage) == STALE]
    if not stale:
        return
    holder = st.empty()
    with holder.container():
        reasons = "; ".join(f"the {stage}: {why_stale(state, stage)}" for stage in stale)
        st.warning(
            f"**Stale: re-run.** Shown as last computed, but something changed since ({reasons}). The report and "
            "saved scenarios leave stale results out until they are re-run.",
            icon=":material/update:",
        )
        for stage in stale:
            if blocked(state, stage):
                st.caption(f"The {stage} cannot be re-run here: {blocked(state, stage)}.")
        clicked = st.button("Re-run with the last settings", key=key, icon=":material/refresh:")
    if clicked:
        with guard("re-running") as g, st.spinner("Computing again with the last settings…"):
            rerun_stale(state, stages)
        if not g.failed and not any(status(state, stage) == STALE for stage in stages):
            holder.success("Re-run with the last settings: up to date.", icon=":material/check:")
