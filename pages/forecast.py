"""Forecast: calibration source, hardware, price and grid intensity; every measure with its interval."""

from __future__ import annotations

import streamlit as st

from resque_core.forecast.costing import CostSettings
from resque_core.forecast.family import is_carried
from resque_core.forecast.signals import signal_words
from resque_core.reporting import charts
from resque_core.units import number_text
from ui import actions
from ui.energy_input import ENERGY, energy_basis
from ui.errors import guard
from ui.forecast_details import accuracy, cost_table, engine_details
from ui.grid_price_input import grid_and_price
from ui.kept import kept
from ui.plain_text import plain
from ui.results import forecast_metrics
from ui.routing import ensure_routed
from ui.self_calibration import self_calibration
from ui.settings import ForecastSettings
from ui.stale import stale_mark
from ui.state import MISSING, STALE, result, settings_open, status
from ui.target_input import target_settings
from ui.uploads import limit_mb

ensure_routed()

state = st.session_state
SOURCES = ("Shipped default", "Upload history CSV", "Self-calibrate on my model", "My recorded runs")


def calibration(settings: dict) -> bytes | None:
    """Where the records come from; returns the CSV bytes of an upload or a self-calibration."""
    source = st.radio("Calibration records", SOURCES, **kept("fc_source", options=SOURCES), horizontal=True)
    if source == SOURCES[1]:
        upload = st.file_uploader(
            "Calibration history (CSV with index_kind, index_value, epochs, censored, run_kind)",
            type=["csv"],
            key="fc_upload",
            help=f"Up to {limit_mb()} MB.",
        )
        settings["calibration"] = "upload"
        return upload.getvalue() if upload is not None else None
    if source == SOURCES[2]:
        state["selfcal_csv"] = self_calibration(state.get("selfcal_csv"))
        settings["calibration"] = "self-calibration"
        return state["selfcal_csv"]
    if source == SOURCES[3]:
        st.caption(
            "The runs recorded on this machine (Validate adds one per run, self-calibration one per finished "
            "case), from $RESQUE_DB or the user data folder. The forecaster needs at least 8 uncensored runs."
        )
        settings["calibration"] = "recorded runs"
        with guard("reading the recorded runs"):
            return actions.recorded_runs_csv()
    return None


def show_forecast(forecast) -> None:
    """Every measure with its interval, retraining vs from scratch, and the calibration curve."""
    stale_mark(state, ("forecast",), key="fc_rerun")
    st.header(f"Retraining at RESQUE_{forecast.index_kind} = {number_text(forecast.index)}")
    forecast_metrics(forecast)
    cost_table(forecast)
    accuracy(forecast)
    target_note(forecast)
    family_note(forecast)
    src = forecast.source
    extrapolated = " **Extrapolated**: the index lies outside the calibrated range." if forecast.extrapolated else ""
    st.caption(
        f"Calibration: {src.records} ({forecast.n_records} runs). Energy: {src.energy} ({src.energy_basis}). "
        f"Grid intensity: {plain(src.intensity)}. Curves: {src.curves}.{extrapolated}"
    )
    engine_details(forecast)
    if is_carried(forecast):  # no curve of the records stands behind it: the note says how it held out
        st.caption("Carried across model families: the note above says how that held with each family left out.")
        return
    stale = status(state, "forecast") == STALE
    with guard("drawing the calibration curve"):
        st.plotly_chart(calibration_figure(forecast, stale), key="calibration_chart")
    if stale:
        st.caption("The curve is for the current index; forecast again to place this scenario on it.")
    if forecast.signals is not None and forecast.signals.signals != ("index",):
        st.caption(
            "The curve shows epochs against the labelled index alone, as a diagnostic: the forecast above "
            f"rests on {signal_words(forecast.signals.signals)}."
        )


def target_note(forecast) -> None:
    """What the figures run to, and the chance of never getting there."""
    line = f"Target: {plain(forecast.target)}."
    if forecast.unreached is not None:
        unreached = plain(forecast.unreached.sentence()).capitalize()
        line += f" {unreached}; the figures count such a run at its cap, what it spends."
    st.info(line, icon=":material/flag:")
    if forecast.target_note:
        st.warning(plain(forecast.target_note).capitalize() + ".", icon=":material/warning:")


def family_note(forecast) -> None:
    """When the records are of another model family: the one note saying where the figures come from and what is
    missing, a probe of the model (one click) when time and energy are, self-calibration; the probe's spread."""
    probe = state.get("fc_probe")
    if probe is not None and forecast.source.energy_basis.startswith("probe"):
        st.caption(f"Energy per epoch from a {probe.summary()}.")
    if forecast.source.records == "self-calibration":  # the caps, data and cost scaling its records ran at
        for note in state.get("selfcal_notes", ()):
            if not note.startswith("plan: "):
                st.caption(plain(f"Self-calibration: {note}."))
    if state.get("fc_pooling"):  # records of several model families: which ones this forecast uses
        st.info(plain(state["fc_pooling"][0].upper() + state["fc_pooling"][1:] + "."), icon=":material/merge:")
    if not forecast.family_note:
        return
    st.warning(plain(forecast.family_note), icon=":material/model_training:")
    unpriced = not {"seconds", "kwh"} <= set(forecast.measures)
    left, middle, right = st.columns(3)
    if unpriced:
        left.button(
            "Measure a probe of my model",
            key="fc_probe_now",
            on_click=_choose_probe,
            help="Times a few training steps of your model on your new data (under codecarbon) and forecasts "
            "again with its time and energy per epoch.",
        )
    middle.button("Self-calibrate on my model", key="fc_to_selfcal", on_click=_choose_self_calibration)
    if state.get("fc_advice_for") != forecast and right.button(
        "How long would a self-calibration take?",
        key="fc_advice",
        help="Sizes a self-calibration on your model and writes the command that runs it on your machine. It "
        "first times a few training steps of your model: seconds to a minute.",
    ):
        with guard("sizing a self-calibration") as g, st.spinner("Timing a few training steps of your model…"):
            actions.unknown_model_advice(state)
            state["fc_advice_for"] = result(state, "forecast")
        if not g.failed:
            st.rerun()  # the note above now carries the offer


def _choose_self_calibration() -> None:
    state["fc_source"] = SOURCES[2]
    state["fc_open_settings"] = True


def _choose_probe() -> None:
    state["fc_energy"] = ENERGY[3]
    state["fc_forecast_now"] = True


def calibration_figure(forecast, stale: bool = False):
    """Records, the fitted epochs curve with its band, and the current forecast's point on it.

    A stale forecast was made for another index than the curve now drawn (the data or the model changed): it is
    left off, so no marker of an earlier scenario sits outside the current band.
    """
    curve = actions.calibration_curve(state, "epochs")
    here = None if stale else (forecast.index, forecast.measures["epochs"].point)
    return charts.calibration_curve(
        curve.records_index, curve.records_value, curve.index, curve.point, curve.low, curve.high, here
    )


def probe_with_progress():
    """The probe of the loaded model, with a progress bar while its rounds run."""
    bar = st.progress(0.0, text="Probing your model…")
    steps = int(state.get("fc_probe_steps", 20))
    probe = actions.probe(state, lambda done, most: bar.progress(done / most, text=f"Probe round {done}…"), steps)
    bar.empty()
    return probe


def render() -> None:
    """The Forecast page: results on top, settings below."""
    st.title("Forecast")
    st.caption(
        "Retraining cost predicted from the index by a curve fitted on calibration records: every figure "
        "here is **modeled**, with a prediction interval."
    )
    if status(state, "index") == MISSING:
        st.info("Compute the index first.", icon=":material/info:")
        st.page_link("pages/index.py", label="Index", icon=":material/insights:")
        return
    results = st.container()
    settings: dict = {}
    if state.pop("fc_open_settings", False):  # "Self-calibrate on my model" asks for the settings
        state["fc_settings"] = True
    settings_open(state, "fc_settings", result(state, "forecast") is None)
    with st.expander("Settings: calibration, hardware, grid and price", key="fc_settings", on_change="rerun"):
        csv_bytes = calibration(settings)
        settings.update(target_settings())
        settings["level"] = st.slider("Interval coverage", 0.5, 0.95, step=0.05, **kept("fc_level", 0.8))
        left, right = st.columns(2)
        with left:
            energy = energy_basis()
        with right:
            grid = grid_and_price()
        asked = state.pop("fc_forecast_now", False)  # "Measure a probe of my model" forecasts with one
        if st.button("Forecast", type="primary", key="run_forecast") or asked:
            with guard("forecasting"):
                cost = CostSettings(**energy, **grid)
                probe = probe_with_progress() if cost.energy == "probe" else None
                actions.run_forecast(state, ForecastSettings(**settings), cost, csv_bytes, probe)
    forecast = result(state, "forecast")
    if forecast is not None:
        with results:
            show_forecast(forecast)
            st.page_link("pages/schedule.py", label="Next: when to run it", icon=":material/arrow_forward:")


render()
