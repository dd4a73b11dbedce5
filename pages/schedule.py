"""Schedule: the grid's carbon intensity ahead, the best start for the forecast job, and the CO2 saved."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resque_core.reporting import charts
from resque_core.units import co2_text, duration_text, energy_text
from resque_core.units import datetime_text as when
from resque_core.units import number_text as num
from ui import actions
from ui.errors import guard
from ui.kept import kept, start_again
from ui.plain_text import plain
from ui.results import schedule_metrics
from ui.routing import ensure_routed
from ui.settings import ScheduleSettings, forecast_zone
from ui.stale import stale_mark
from ui.state import MISSING, result, settings_open, status
from ui.uploads import limit_mb
from ui.widgets import secret

ensure_routed()

PROVIDERS = {
    "illustrative": "Illustrative 48-h profile, zone average (not live data)",
    "offline": "Annual average of a country (offline, flat)",
    "uk": "UK Carbon Intensity API (free, GB only)",
    "electricitymaps": "Electricity Maps (API key)",
    "csv": "Upload a CSV",
}
state = st.session_state


def zone_input() -> str:
    """The zone, the forecast's by default: when the forecast's zone changes, the field follows it."""
    zone = forecast_zone(state["inputs"].get("forecast"))
    if zone and state.get("sch_zone_of") != zone:  # one CO2 story: a new forecast zone is the schedule's again
        start_again("sch_zone", zone)
        state["sch_zone_of"] = zone
    typed = st.text_input(
        "Zone (e.g. DE, FR, GB)",
        **kept("sch_zone", zone or ScheduleSettings.zone),
        help="The forecast's zone unless you change it.",
    )
    if zone and typed.strip().upper() != zone.strip().upper():
        st.caption(
            f"The forecast's CO2 is at the annual average of {plain(zone)}; this schedule plans in {plain(typed)}: "
            "their CO2 figures are of two grids."
        )
    return typed


def provider_inputs(settings: dict) -> tuple[bytes | None, str | None]:
    """Provider, zone and what the provider needs; returns (CSV bytes, API key)."""
    settings["provider"] = st.selectbox(
        "Grid data", list(PROVIDERS), format_func=PROVIDERS.get, **kept("sch_provider", options=list(PROVIDERS))
    )
    settings["zone"] = zone_input()
    if settings["provider"] == "electricitymaps":
        typed = st.text_input("API key (never shown again or stored)", type="password", key="sch_key")
        st.caption(
            "Or set ELECTRICITYMAPS_API_KEY in the environment or in .streamlit/secrets.toml. Free keys get "
            "history only: the schedule then uses the last 24 h as a proxy for the next, and says so."
        )
        return None, typed or secret("ELECTRICITYMAPS_API_KEY")
    if settings["provider"] == "uk":
        settings["postcode"] = (
            st.text_input("Postcode outward code (optional, e.g. SW1A)", **kept("sch_postcode", "")) or None
        )
    if settings["provider"] == "csv":
        upload = st.file_uploader(
            "CSV with columns datetime, carbon_intensity (gCO2/kWh)",
            type=["csv"],
            key="sch_upload",
            help=f"Up to {limit_mb()} MB.",
        )
        return (upload.getvalue() if upload is not None else None), None
    return None, None


def job_inputs(settings: dict, no_forecast: bool) -> None:
    """Horizon, deadline, whether the job can pause, and the job itself when it is not the forecast's."""
    settings["horizon_h"] = st.slider("Horizon (hours)", 6, 72, **kept("sch_horizon", 48))
    if st.toggle("Set a deadline", **kept("sch_has_deadline", False)):
        settings["deadline_h"] = st.slider("Must finish within (hours)", 1, 72, **kept("sch_deadline", 24))
    settings["interruptible"] = st.toggle("The job can pause and resume", **kept("sch_interruptible", False))
    if no_forecast:
        state["sch_own_job"] = True
    own = st.toggle(
        "Plan a job given here, not the forecast's", **kept("sch_own_job", False), disabled=no_forecast,
        help="What is left of a tracked run: the Runs page's re-plan button fills it in.",
    )  # fmt: skip
    if own:
        settings["job_h"] = st.number_input(
            "Job duration (hours)", min_value=0.0, format="%.4f", **kept("sch_job_h", 1.0)
        )
        settings["job_kwh"] = st.number_input(
            "Job energy (kWh)", min_value=0.0, format="%.6f", **kept("sch_job_kwh", 0.1)
        )


def show_plan(plan, series) -> None:
    """Best window, CO2 saved, the series with the window shaded, the top windows and the caveats."""
    stale_mark(state, ("schedule",), key="sch_rerun")
    kind, label = series.kind, series.source
    if kind in ("illustrative", "modeled", "history-proxy"):
        st.warning(f"Grid data: {plain(label)}.", icon=":material/info:")
    given = (state["inputs"].get("schedule") or {}).get("job_h") is not None
    source = "the job given in the settings" if given else "the forecast's point values (modeled)"
    st.markdown(
        f"Job: **{duration_text(plan.duration_s)}**, **{energy_text(plan.energy_kwh)}**: {source}; planned as at "
        "least 1 s."
    )
    schedule_metrics(plan, label)
    section = actions.schedule_of(state)
    st.plotly_chart(charts.intensity_series(section), key="intensity_chart")
    st.markdown(
        f"If started now: {num(plan.now_intensity_g_per_kwh)} g/kWh, {co2_text(plan.co2_now_kg)} CO2; at the best "
        f"start: {num(plan.best_intensity_g_per_kwh)} g/kWh, {co2_text(plan.co2_best_kg)} CO2."
    )
    st.markdown("**Top windows**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "start": when(w["start"]),
                    "mean gCO2/kWh": num(w["intensity_g_per_kwh"]),
                    "CO2": co2_text(w["co2_kg"]),
                }
                for w in section["windows"]
            ]
        ),
        width="stretch",
        hide_index=True,
    )
    if plan.slots:
        st.markdown("**Run slots (pausing between them)**")
        st.dataframe(pd.DataFrame([{"start": when(s.start), "end": when(s.end)} for s in plan.slots]), hide_index=True)
    for note in plan.notes:
        st.caption(note)


def render() -> None:
    """The Schedule page: results on top, settings below."""
    st.title("Schedule")
    st.caption(
        "When should the retraining run? The forecast job (its time and energy) is placed in the grid's "
        "carbon-intensity series at every feasible start; the cleanest window wins."
    )
    no_forecast = status(state, "forecast") == MISSING
    if no_forecast:
        st.info(
            "No forecast yet: give the job's hours and kWh in the settings below (the Runs page fills them in with "
            "what is left of a tracked run), or make a forecast first.",
            icon=":material/info:",
        )
        st.page_link("pages/forecast.py", label="Forecast", icon=":material/query_stats:")
    results = st.container()
    fields: dict = {}
    settings_open(state, "sch_settings", result(state, "schedule") is None)
    with st.expander("Settings: grid data, zone, horizon, deadline", key="sch_settings", on_change="rerun"):
        left, right = st.columns(2)
        with left:
            csv_bytes, api_key = provider_inputs(fields)
        with right:
            job_inputs(fields, no_forecast)
        if st.button("Find the best window", type="primary", key="run_schedule"):
            with guard("scheduling"):
                actions.run_schedule(state, ScheduleSettings(**fields), csv_bytes, api_key)
    planned = result(state, "schedule")
    if planned is not None:
        with results:
            show_plan(*planned)
            st.page_link(
                "pages/scenarios.py", label="Next: save and compare scenarios", icon=":material/arrow_forward:"
            )


render()
