"""Validate: really retrain here with live per-epoch progress and a cancel button; forecast vs measured."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from resque_core.calibration.validation import ValidationSettings, comparison
from resque_core.units import bound_text, measure_text
from resque_core.units import number_text as num
from ui import actions, validate_job, validation_actions
from ui.errors import guard, show_error
from ui.plain_text import plain
from ui.routing import ensure_routed
from ui.state import MISSING, STALE, result, status

ensure_routed()

state = st.session_state


RULES = {
    "plateau": "until validation accuracy stops improving (stays within a band for some evaluations)",
    "base-minus": "until validation accuracy reaches the base accuracy minus the tolerance",
}


def records_rule_note(records) -> None:
    """Which stopping rule the forecast's records used, and whether this page can use the same."""
    if records is None or not records.label:
        return
    if records.reproducible:
        st.caption(
            f"The forecast's calibration records stop by `{records.label}`: the rule chosen by default here, "
            "so the epochs compare like with like."
        )
    else:
        st.info(
            f"The forecast's calibration records stop by `{records.label}` ({records.name or 'mixed rules'}), "
            'which one run here cannot reproduce (the "case" and "reachable" rules also need a from-scratch run). '
            "The comparison below says that the rules differ.",
            icon=":material/info:",
        )


def controls() -> None:
    """Retraining settings and the start button (a run goes to a background thread)."""
    report, loaded = result(state, "index"), actions.loaded_model(result(state, "model"), result(state, "data"))
    records = None
    with guard("reading the forecast's stopping rule"):
        records = actions.forecast_rule(state)
    records_rule_note(records)
    default = list(RULES).index(records.name) if records is not None and records.reproducible else 0
    rule = st.radio("Retrain", list(RULES), index=default, format_func=RULES.get, key="val_rule")
    left, mid, right = st.columns(3)
    max_epochs = left.slider("Epoch cap", 1, 60, 10, key="val_max_epochs")
    tolerance = mid.slider(
        "Tolerance (accuracy points)",
        0.0,
        0.2,
        records.tolerance if records is not None and records.tolerance is not None else 0.02,
        0.01,
        key="val_tolerance",
        disabled=rule != "base-minus",
    )
    base_acc = right.number_input(
        "Base accuracy", 0.0, 1.0, float(loaded.accuracy or 0.9), key="val_base_acc", disabled=rule != "base-minus"
    )
    if rule == "base-minus":
        st.caption(
            f"Target: validation accuracy on the new data ≥ {base_acc - tolerance:.3f}. Strong shifts may "
            "never get there: the run then stops at the cap and is recorded as censored."
        )
    measure = st.toggle(
        "Measure energy with codecarbon (an estimate where the machine has no power counters)",
        value=True,
        key="val_energy",
    )
    job = state.get("validate_job")
    if st.button("Start retraining", type="primary", key="start_validate", disabled=bool(job and job.running)):
        with guard("starting the retraining"):
            settings = ValidationSettings(
                target_rule=rule,
                max_epochs=max_epochs,
                tolerance=tolerance,
                base_acc=base_acc,
                head="new" if report.kind == "task" else "keep",
                measure_energy=measure,
            )
            settings = records.settings_for(settings) if records is not None else settings
            validation_actions.start_validation(state, settings)
            st.rerun()  # redraw with the start button disabled and the live view polling


def polling() -> float | None:
    job = state.get("validate_job")
    return 1.0 if job is not None and job.running else None


def live() -> None:
    """Poll the running job: per-epoch progress, cancel, then the comparison once it is done."""
    job = state.get("validate_job")
    if job is None:
        return
    done = len(job.epochs)
    cap = job.settings.max_epochs
    st.progress(min(done / cap, 1.0), text=f"Epoch {done} / {cap}")
    if job.epochs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "epoch": e.epoch,
                        "val accuracy": round(e.val_acc, 4),
                        "train loss": round(e.train_loss, 4),
                        "seconds": round(e.seconds, 2),
                    }
                    for e in job.epochs
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if job.running:
        st.button("Cancel", key="cancel_validate", on_click=job.cancel, icon=":material/stop:")
        return
    if not job.finished_seen:  # one full rerun stops the polling
        job.finished_seen = True
        st.rerun(scope="app")
    if job.error is not None:
        show_error(job.error, "retraining")
    elif job.result is not None:
        show_result(job)


def show_result(job: validate_job.ValidateJob) -> None:
    """Forecast vs measured, and the run added to the calibration history (once)."""
    r = job.result
    if r.cancelled:
        st.warning(f"Cancelled after {num(r.epochs)} epochs: nothing was added to the history.")
        return
    if job.forecast_rule is not None and not job.forecast_rule.same_as(r.target_rule):
        st.warning(
            f"This run stopped by `{r.target_rule.describe()}`, the forecast's records by `{job.forecast_rule.label}`: "
            "the rules differ, so the epochs do not measure the same thing.",
            icon=":material/compare_arrows:",
        )
    st.dataframe(pd.DataFrame(comparison(r, job.forecast, job.forecast_rule)), hide_index=True, width="stretch")
    energy = {
        "codecarbon-estimate": "estimated by codecarbon (no power counters)",
        "codecarbon-measured": "measured by codecarbon",
    }.get(r.energy_source, r.energy_source or "not measured")
    st.caption(f"Measured on this machine; energy {energy}.")
    outcome = "reached the target" if r.reached else "hit the epoch cap (censored: the epochs are a lower bound)"
    st.markdown(f"The run {outcome}: accuracy {r.start_acc:.3f} → {r.final_val_acc:.3f}.")
    path = None
    with guard("adding the run to the calibration history"):
        path = validation_actions.record_validation(state, job)
    if path:
        st.success(f"Added to the calibration history ({plain(Path(path).name)}).", icon=":material/history:")
        st.caption(recorded_text(job.record))


def recorded_text(row: dict | None) -> str:
    """The recorded row in words: a censored count as a lower bound."""
    if not row:
        return ""
    censored = bool(row.get("censored"))
    epochs = bound_text(row.get("epochs"), censored) + (" (censored)" if censored else "")
    return (
        f"Recorded: epochs {epochs}, {measure_text('seconds', row.get('seconds'))}, "
        f"{measure_text('kwh', row.get('kwh'))}, at RESQUE_{row.get('index_kind')} = {num(row.get('index_value'))}, "
        f"rule `{row.get('target_rule')}`."
    )


def render() -> None:
    """The Validate page."""
    st.title("Validate")
    st.caption(
        "Retrain the model on the new data on this machine until it recovers its accuracy, measure what it "
        "took, compare with the forecast, and add the run to your calibration history."
    )
    if status(state, "index") == MISSING:
        st.info("Compute the index first (the run is recorded against it).", icon=":material/info:")
        st.page_link("pages/index.py", label="Index", icon=":material/insights:")
        return
    if status(state, "index") == STALE:
        st.warning(
            "The data or model changed since the index was computed: compute it again before a run "
            "(the run is recorded against it).",
            icon=":material/update:",
        )
    controls()
    st.fragment(live, run_every=polling())()


render()
