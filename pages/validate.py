"""Validate: really retrain here with live per-epoch progress and a cancel button; forecast vs measured."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from resque_core.calibration.like_for_like import compare
from resque_core.calibration.validation import ValidationSettings
from resque_core.forecast.targets import DEFAULT_DROP, Target
from resque_core.units import bound_text, measure_text
from resque_core.units import number_text as num
from ui import actions, validate_job, validation_actions
from ui.errors import guard, show_error
from ui.kept import kept
from ui.plain_text import plain
from ui.routing import ensure_routed
from ui.stale import stale_mark
from ui.state import MISSING, result, status

ensure_routed()

state = st.session_state


TARGETS = {
    "drop": "within D points of the old model's clean accuracy",
    "acc": "an accuracy T on the new data",
}


def target_control(clean_acc: float | None) -> tuple[Target, float]:
    """The target the run retrains to (the forecast beside it is for the same one), and the clean accuracy it
    counts from."""
    kind = st.radio(
        "Retrain until",
        list(TARGETS),
        format_func=TARGETS.get,
        **kept("val_target_kind", options=list(TARGETS)),
        horizontal=True,
    )
    left, right = st.columns(2)
    if kind == "acc":
        value = left.number_input("Target accuracy T", 0.01, 1.0, step=0.01, **kept("val_target_acc", 0.95))
        return Target.acc(value), clean_acc
    points = left.number_input(
        "D (accuracy points)", 0.0, 50.0, step=0.5, **kept("val_target_drop", 100 * DEFAULT_DROP)
    )
    base_acc = right.number_input(
        "Old model's clean accuracy", 0.0, 1.0, float(clean_acc or 0.9), key="val_base_acc",
        help="what D is counted from: the clean accuracy the index measured (or the checkpoint recorded)",
    )  # fmt: skip
    return Target.drop(points / 100), base_acc


def controls() -> None:
    """Retraining settings and the start button (a run goes to a background thread)."""
    report, loaded = result(state, "index"), actions.loaded_model(result(state, "model"), result(state, "data"))
    measured = report.base_acc if report.base_acc is not None else loaded.accuracy  # what the index counted from
    target, base_acc = target_control(measured)
    max_epochs = st.slider("Epoch cap", 1, 60, **kept("val_max_epochs", 30))
    goal = target.accuracy(base_acc)
    if goal is not None:
        st.caption(
            f"Target: validation accuracy on the new data ≥ {goal:.3f} ({target.label}); the forecast beside the run "
            "is for the same target. Strong shifts may never get there: the run then stops at the cap and is "
            "recorded as censored."
        )
    measure = st.toggle(
        "Measure energy with codecarbon (an estimate where the machine has no power counters)",
        **kept("val_energy", True),
    )
    job = state.get("validate_job")
    if st.button("Start retraining", type="primary", key="start_validate", disabled=bool(job and job.running)):
        with guard("starting the retraining"):
            settings = ValidationSettings(
                target=target,
                max_epochs=max_epochs,
                base_acc=base_acc,
                head="new" if report.kind == "task" else "keep",
                measure_energy=measure,
            )
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
    done = sum(e.fraction for e in job.epochs)  # epochs trained: a cancelled or stopped last epoch counts its share
    cap = job.settings.max_epochs
    st.progress(min(done / cap, 1.0), text=f"Epochs trained: {num(done)} of {cap}")
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
    compared = compare(r, job.forecast, job.settings.target, job.settings.target_acc())
    st.markdown(f"Retrained to the {compared.heading}, beside the forecast for {compared.forecast_target or '–'}:")
    st.dataframe(pd.DataFrame(compared.rows()), hide_index=True, width="stretch")
    for note in (compared.note, *job.notes):
        if note:
            st.info(plain(note[0].upper() + note[1:]), icon=":material/compare_arrows:")
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
        "Retrain the model on the new data on this machine until it reaches the target accuracy, measure what it "
        "took, compare with the forecast for the same target, and add the run (with its evaluation curve) to your "
        "calibration history."
    )
    if status(state, "index") == MISSING:
        st.info("Compute the index first (the run is recorded against it).", icon=":material/info:")
        st.page_link("pages/index.py", label="Index", icon=":material/insights:")
        return
    stale_mark(state, ("index",), key="val_rerun")  # a run is recorded against the index: re-run it first
    controls()
    st.fragment(live, run_every=polling())()


render()
