"""Render results that several pages show: the headline figures and the report download."""

from __future__ import annotations

from collections.abc import MutableMapping

import streamlit as st

from resque_core import units
from resque_core.reporting.scenario import Scenario, forecast_section, index_section
from ui import actions
from ui.plain_text import literal, plain
from ui.state import DONE, STAGES, current, pipeline_status, result


def current_scenario(state: MutableMapping, name: str | None = None) -> Scenario:
    """The session's done results as a ``Scenario``: one pipeline run, its stale or missing sections left None.

    A stage is done only while everything it was computed from is unchanged (``ui.state``), so the
    sections saved together always come from the same data, model, index and forecast.
    """
    done = [stage for stage, s in pipeline_status(state).items() if s == DONE]
    inputs = {
        f"{stage}.{k}": v
        for stage in STAGES
        if stage in done
        for k, v in (state["inputs"].get(stage) or {}).items()
        if v is not None
    }
    report, forecast, planned = current(state, "index"), current(state, "forecast"), current(state, "schedule")
    schedule = actions.schedule_of(state) if planned is not None else None
    hardware = (state["inputs"].get("forecast") or {}).get("energy")
    return Scenario(
        name=name or state["scenario_name"],
        inputs=inputs,
        index=index_section(report) if report is not None else None,
        forecast=forecast_section(forecast, hardware) if forecast is not None else None,
        schedule=schedule,
    )


def index_metrics(report) -> None:
    """The index beside its noise floor."""
    left, right, third = st.columns(3)
    left.metric(
        f"RESQUE_{report.kind}", units.number_text(report.value), help="Computed on this machine from the embeddings."
    )
    right.metric("Noise floor", units.number_text(report.noise_floor), help="The same index with no shift.")
    third.metric("Images / s", f"{report.images_per_s:.0f}", help=f"{report.device}, layer {report.layer}")


def forecast_metrics(forecast) -> None:
    """Each forecast measure with its interval (modeled)."""
    shown = [key for key in units.BUDGET_MEASURES if key in forecast.measures]
    level = units.percent_text(forecast.level)
    helptext = f"Forecast from the calibration curve; {level} interval below."
    currency = forecast.source.currency
    for column, key in zip(st.columns(len(shown)), shown, strict=True):
        iv = forecast.measures[key]
        low, high = (units.measure_text(key, v, currency) for v in (iv.low, iv.high))
        column.metric(
            f"{units.measure_label(key)} (modeled)", units.measure_text(key, iv.point, currency), help=helptext
        )
        column.caption(f"{level} interval: {low} – {high}")


def schedule_metrics(plan, label: str) -> None:
    """The best window and the CO2 it saves against starting now."""
    left, right = st.columns(2)
    left.metric("Best start", units.datetime_text(plan.best_start), help=f"ends {units.datetime_text(plan.best_end)}")
    right.metric(
        "CO2 saved vs starting now",
        units.co2_text(plan.co2_saved_kg),
        f"{units.number_text(plan.saved_pct)} % less",
        delta_color="green",
        delta_arrow="down",
    )
    st.caption(f"Grid data: {plain(label)}. {plain(plan.note)}")


def headline(state: MutableMapping) -> None:
    """Index, forecast and best window, with links to the pages that explain each."""
    report, forecast, (plan, series) = result(state, "index"), result(state, "forecast"), result(state, "schedule")
    label = series.source
    st.subheader(f"Results: {literal(state['scenario_name'])}")
    index_metrics(report)
    st.page_link("pages/index.py", label="Index details", icon=":material/insights:")
    forecast_metrics(forecast)
    st.page_link("pages/forecast.py", label="Forecast details", icon=":material/query_stats:")
    schedule_metrics(plan, label)
    st.page_link("pages/schedule.py", label="Schedule details", icon=":material/schedule:")


def report_download(state: MutableMapping, key: str, scenarios: list[Scenario] | None = None) -> None:
    """A download button for the self-contained HTML report of ``scenarios`` (default: the current one)."""
    from ui.cache import report_html

    scenarios = scenarios or [current_scenario(state)]
    html = report_html(tuple(s.to_json() for s in scenarios))
    st.download_button(
        "Download the HTML report",
        html,
        file_name="resque-report.html",
        mime="text/html",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
