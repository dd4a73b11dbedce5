"""Forecast: calibration source, hardware, price and grid intensity; every measure with its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from resque_core.reporting import charts
from resque_core.units import measure_label, measure_text, number_text
from ui import actions, cache
from ui.errors import guard
from ui.results import forecast_metrics
from ui.routing import ensure_routed
from ui.state import MISSING, STALE, result, status
from ui.uploads import limit_mb

ensure_routed()

state = st.session_state
SOURCES = ("Shipped default", "Upload history CSV", "Self-calibrate on my model", "My recorded runs")
ENERGY = ("From the calibration records", "Hardware profile", "Type watts", "Measure a probe here")
GRID = ("Annual average of a zone (offline)", "Type gCO2/kWh", "From the records")
SHIFTS = ("gaussian_noise", "gaussian_blur", "salt_and_pepper", "contrast")


def calibration(settings: dict) -> bytes | None:
    """Where the records come from; returns the CSV bytes of an upload or a self-calibration."""
    source = st.radio("Calibration records", SOURCES, key="fc_source", horizontal=True)
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
        minutes = st.slider("Budget (minutes)", 1, 30, 3, key="fc_budget")
        shifts = st.multiselect("Shifts to simulate (levels 1-5 each)", SHIFTS, default=SHIFTS[:2], key="fc_shifts")
        if st.button("Run self-calibration", key="fc_selfcal"):
            box = st.status("Self-calibrating: simulating shifts and retraining…", expanded=True)
            with guard("self-calibrating"):
                state["selfcal_csv"] = actions.self_calibrate(state, shifts, minutes, box.write)
            box.update(label="Self-calibration finished", state="complete")
        settings["calibration"] = "self-calibration"
        return state.get("selfcal_csv")
    if source == SOURCES[3]:
        st.caption(
            "The runs recorded on this machine (Validate adds one per run), from $RESQUE_DB or the user "
            "data folder. The forecaster needs at least 8 uncensored runs."
        )
        settings["calibration"] = "recorded runs"
        with guard("reading the recorded runs"):
            return actions.recorded_runs_csv()
    return None


def energy_basis(settings: dict) -> None:
    """Energy per epoch: the records, a hardware profile, typed watts, or a probe run here."""
    energy = st.radio("Energy per epoch", ENERGY, key="fc_energy")
    if energy == ENERGY[1]:
        profiles = cache.hardware_profiles()
        settings |= {
            "energy": "profile",
            "profile": st.selectbox(
                "Profile", list(profiles), key="fc_profile", format_func=lambda n: profiles[n]["label"]
            ),
        }
    elif energy == ENERGY[2]:
        settings |= {"energy": "watts", "watts": st.number_input("Average power (W)", 1.0, 1e4, 300.0, key="fc_watts")}
    elif energy == ENERGY[3]:
        settings["energy"] = "probe"
        st.caption(
            "A few training steps of your model on the new data under codecarbon (an estimate without "
            "power counters), extrapolated to one epoch."
        )
    if settings["energy"] in ("profile", "watts"):
        settings["seconds_per_epoch"] = st.number_input(
            "Seconds per epoch on that hardware", 0.1, 1e6, 60.0, key="fc_sec_epoch"
        )
        settings["utilization"] = st.slider("Average utilization", 0.1, 1.0, 0.7, key="fc_util")


def grid_and_price(settings: dict) -> None:
    """Grid intensity (a zone's annual average, typed, or the records') and the price."""
    grid = st.radio("Grid intensity", GRID, key="fc_grid")
    if grid == GRID[0]:
        settings |= {"intensity": "offline", "zone": st.text_input("Zone (country code)", "DE", key="fc_zone")}
    elif grid == GRID[1]:
        settings |= {
            "intensity": "typed",
            "intensity_g_per_kwh": st.number_input("gCO2/kWh", 0.0, 2000.0, 300.0, key="fc_intensity"),
        }
    else:
        settings["intensity"] = "records"
    price = st.radio("Price", ("None", "Per kWh", "Per GPU-hour"), key="fc_price", horizontal=True)
    if price == "Per kWh":
        settings["price_per_kwh"] = st.number_input("Price per kWh", 0.0, 100.0, 0.30, key="fc_price_kwh")
    elif price == "Per GPU-hour":
        settings["hourly_rate"] = st.number_input("Price per hour", 0.0, 1000.0, 2.0, key="fc_price_hour")


def show_forecast(forecast) -> None:
    """Every measure with its interval, retraining vs from scratch, and the calibration curve."""
    if status(state, "forecast") == STALE:
        st.warning("The index changed since this forecast: forecast again.", icon=":material/update:")
    st.subheader(f"Retraining at RESQUE_{forecast.index_kind} = {number_text(forecast.index)}")
    forecast_metrics(forecast)
    src = forecast.source
    extrapolated = " **Extrapolated**: the index lies outside the calibrated range." if forecast.extrapolated else ""
    st.caption(
        f"Calibration: {src.records} ({forecast.n_records} runs). Energy: {src.energy} ({src.energy_basis}). "
        f"Grid intensity: {src.intensity}. Curves: {src.curves}.{extrapolated}"
    )
    rows = {
        measure_label(m): {
            "retraining (modeled)": measure_text(m, iv.point),
            "interval": f"{measure_text(m, iv.low)} – {measure_text(m, iv.high)}",
            "from scratch (modeled)": measure_text(m, forecast.scratch[m].point if m in forecast.scratch else None),
        }
        for m, iv in forecast.measures.items()
    }
    st.dataframe(pd.DataFrame(rows).T, width="stretch")
    if forecast.scratch_note():
        st.caption(f"From scratch: {forecast.scratch_note()}.")
    with guard("drawing the calibration curve"):
        st.plotly_chart(calibration_figure(forecast), key="calibration_chart")


def calibration_figure(forecast):
    """Records, fitted epochs curve with its band, and this scenario's point."""
    inputs = state["inputs"]["forecast"]
    fitted = cache.forecaster(inputs["calibration"], forecast.index_kind, inputs["level"], state.get("fc_csv"))
    lo, hi = fitted.index_range_
    xs = np.linspace(min(lo, forecast.index), max(hi, forecast.index), 60)
    point, low, high = fitted.predict_measure("epochs", xs)
    recs = cache.records(inputs["calibration"], state.get("fc_csv"))
    recs = recs[(recs["index_kind"] == forecast.index_kind) & (recs["run_kind"] == "retrain")]
    here = (forecast.index, forecast.measures["epochs"].point)
    return charts.calibration_curve(recs["index_value"], recs["epochs"], xs, point, low, high, here)


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
    settings: dict = dict(actions.DEFAULT_FORECAST)
    with st.expander("Settings: calibration, hardware, grid and price", expanded=result(state, "forecast") is None):
        csv_bytes = calibration(settings)
        settings["level"] = st.slider("Interval coverage", 0.5, 0.95, 0.8, 0.05, key="fc_level")
        left, right = st.columns(2)
        with left:
            energy_basis(settings)
        with right:
            grid_and_price(settings)
        if st.button("Forecast", type="primary", key="run_forecast"):
            with guard("forecasting"):
                probe = actions.probe(state) if settings["energy"] == "probe" else None
                actions.run_forecast(state, settings, csv_bytes, probe)
    forecast = result(state, "forecast")
    if forecast is not None:
        with results:
            show_forecast(forecast)
            st.page_link("pages/schedule.py", label="Next: when to run it", icon=":material/arrow_forward:")


render()
