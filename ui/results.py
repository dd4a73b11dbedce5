"""Render results that several pages show: the headline figures and the report download."""

from __future__ import annotations

from collections.abc import MutableMapping

import streamlit as st

from resque_core import units
from resque_core.reporting.headline import co2_assumption, headline_sentences
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
    """Each forecast measure with its interval (modeled); CO2 and money say what they assume."""
    shown = [key for key in units.BUDGET_MEASURES if key in forecast.measures]
    helptext = f"Forecast from the calibration curve; {units.percent_text(forecast.level)} interval below."
    source = forecast.source
    co2 = co2_assumption(source.intensity, source.intensity_g_per_kwh)
    assumed = {
        "co2_kg": co2[:1].upper() + co2[1:],
        "money": f"At {source.price}" if getattr(source, "price", None) else None,
    }
    first = (len(shown) + 1) // 2 if len(shown) > 3 else len(shown)  # two rows past 3: no tile cut short
    for row in (shown[:first], shown[first:]):
        for column, key in zip(st.columns(len(row)) if row else (), row, strict=True):
            _forecast_tile(column, key, forecast, helptext, assumed.get(key))


def _forecast_tile(column, key: str, forecast, helptext: str, assumed: str | None) -> None:
    """One measure's tile: its point, its interval below, and what it assumes (CO2, money)."""
    level, currency, iv = units.percent_text(forecast.level), forecast.source.currency, forecast.measures[key]
    column.metric(f"{units.measure_label(key)} (modeled)", units.measure_text(key, iv.point, currency), help=helptext)
    column.caption(f"{level} interval: {units.range_text(key, iv.low, iv.high, currency)}")
    if assumed:
        column.caption(plain(assumed) + ".")


def schedule_metrics(plan, label: str) -> None:
    """The best start, the job's CO2 if started now and at the best start, and the difference, on ``label``'s data."""
    top, bottom = st.columns(2), st.columns(2)
    top[0].metric("Best start", units.datetime_text(plan.best_start), help=f"ends {units.datetime_text(plan.best_end)}")
    top[1].metric(
        "CO2 saved by waiting",
        units.co2_text(plan.co2_saved_kg),
        f"{units.number_text(plan.saved_pct)} % less",
        delta_color="green",
        delta_arrow="down",
        help="CO2 if started now minus CO2 at the best start: never more than the CO2 if started now.",
    )
    bottom[0].metric("CO2 if started now", units.co2_text(plan.co2_now_kg), help=f"{plain(label)}")
    bottom[1].metric("CO2 at the best start", units.co2_text(plan.co2_best_kg), help=f"{plain(label)}")
    st.caption(f"Grid data: {plain(label)}. {plain(plan.note)}")


def headline(state: MutableMapping) -> None:
    """The manager's answer first (``reporting.headline``: the report's same sentences), then the forecast and
    the best window, then the index and engine figures, with links to the pages that explain each."""
    report, forecast, (plan, series) = result(state, "index"), result(state, "forecast"), result(state, "schedule")
    st.header(f"Results: {literal(state['scenario_name'])}")
    st.markdown("\n".join(f"- {plain(sentence)}" for sentence in headline_sentences(current_scenario(state))))
    forecast_metrics(forecast)
    st.page_link("pages/forecast.py", label="Forecast details", icon=":material/query_stats:")
    schedule_metrics(plan, series.source)
    st.page_link("pages/schedule.py", label="Schedule details", icon=":material/schedule:")
    st.markdown("**The index and the engine**")
    index_metrics(report)
    st.page_link("pages/index.py", label="Index details", icon=":material/insights:")


def report_download(state: MutableMapping, key: str, scenarios: list[Scenario] | None = None) -> None:
    """A download button for the self-contained HTML report of ``scenarios`` (None: the current one), with the
    session's model comparison when it is current (``ui.compare_state``): ``[]`` and a comparison, that alone."""
    from resque_core.jsonable import strict_json
    from ui.cache import report_html
    from ui.compare_state import current_comparison

    scenarios = scenarios if scenarios is not None else [current_scenario(state)]
    comparison = current_comparison(state)
    compared = strict_json(comparison.to_dict()) if comparison is not None else None
    html = report_html(tuple(s.to_json() for s in scenarios), compared)
    st.download_button(
        "Download the HTML report",
        html,
        file_name="resque-report.html",
        mime="text/html",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
