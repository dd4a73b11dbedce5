"""Self-calibration's controls on the Forecast page: the ``calibrate`` command's settings (``SelfCalibration``),
its defaults included, with a live status box while the runs go."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from resque_core.calibration.config import SelfCalibration, shifts_of
from resque_core.calibration.plan import BudgetTooSmall, needed_records
from resque_core.data import SHIFT_TYPES
from ui import actions
from ui.errors import guard
from ui.plain_text import plain, redact

EXECUTORS = {"this machine (one after another)": "local", "Ray (local or cluster)": "ray"}  # calibrate --executor
LEVELS = (1, 2, 3, 4, 5)  # a shift's levels (``data.shifts.ShiftSpec``)


def self_calibration(previous: bytes | None) -> bytes | None:
    """Self-calibration's controls (``SelfCalibration``: the CLI's defaults, changed only where set here)."""
    defaults = SelfCalibration()
    default_types = list(dict.fromkeys(shift.split(":")[0] for shift in defaults.shifts))
    default_levels = sorted({int(shift.split(":")[1]) for shift in defaults.shifts})
    types = st.multiselect("Shift types to simulate", SHIFT_TYPES, default=default_types, key="fc_shifts")
    levels = st.multiselect("Levels", LEVELS, default=default_levels, key="fc_levels")
    chosen = (sorted(types), sorted(levels)) != (sorted(default_types), default_levels)
    shifts = shifts_of(types, levels) if chosen else defaults.shifts  # unchanged: the CLI's default shifts
    left, mid, right = st.columns(3)
    minutes = left.number_input(
        "Time budget (minutes)", 1, 600, 15, key="fc_budget", help="calibrate --max-minutes (the CLI has no default)"
    )
    cases = mid.number_input("At most this many cases", 1, 500, max(1, len(shifts)), key="fc_cases")
    cap = right.number_input("Epoch cap per run", 1, 200, defaults.max_epochs, key="fc_selfcal_epochs")
    measure = st.toggle("Measure energy with codecarbon (an estimate without power counters)", True, key="fc_meter")
    executor, address = where_runs_go()
    st.caption(
        f"Before it starts, a few training steps of your model are timed and the runs planned to fit the time "
        f"budget with the {needed_records()} retraining records the forecaster needs: fewer shifts, up to "
        f"{defaults.seeds} seeds, lower epoch caps or a share of the data when the budget is tight."
    )
    if not st.button("Run self-calibration", key="fc_selfcal"):
        return previous
    box = st.status("Self-calibrating: loading the model and timing a few training steps…", expanded=True)
    line, bar = box.empty(), box.progress(0.0)

    def progress(event) -> None:
        if event.kind == "plan":
            box.write(f"Plan: {event.line()}")
        line.text(redact(event.line()))
        bar.progress(event.fraction)

    with guard("self-calibrating") as g:
        settings = replace(
            defaults,
            shifts=shifts,
            max_minutes=float(minutes),
            max_cases=int(cases),
            max_epochs=int(cap),
            scratch_epochs=int(cap),
            measure_energy=measure,
        )
        st.session_state["selfcal_settings"] = settings  # what ran, as the CLI would build it
        previous, ending = _self_calibrate(settings, progress, executor, address)
    if g.failed:
        box.update(label="Self-calibration failed", state="error")
    else:
        box.update(label=f"Self-calibration: {plain(ending.message)}", state="complete" if ending.usable else "error")
    selfcal_limits()
    return previous


def selfcal_limits() -> None:
    """What the self-calibration ran at where it differs from the user's retraining (a lower cap than "Epoch cap
    per run", a fraction of the data, costs scaled to the new data's epochs): said here and beside its forecast."""
    for note in st.session_state.get("selfcal_notes", ()):
        if not note.startswith("plan: "):
            st.warning(plain(note[0].upper() + note[1:] + "."), icon=":material/straighten:")


def where_runs_go() -> tuple[str, str | None]:
    """``calibrate --executor`` and ``--address``: the runs one after another here, or on Ray."""
    left, right = st.columns(2)
    executor = EXECUTORS[left.selectbox("Run the runs on", list(EXECUTORS), key="fc_executor")]
    if executor == "local":
        return executor, None
    address = right.text_input(
        "Ray address",
        key="fc_ray_address",
        placeholder="empty: a local Ray on this machine",
        help="auto (a cluster this machine belongs to, `ray start`) or ray://HOST:PORT; empty starts a local Ray.",
    )
    return executor, address.strip() or None


def _self_calibrate(settings: SelfCalibration, progress, executor: str, address: str | None) -> tuple:
    """``actions.self_calibrate``, with a budget refusal that names this page's control."""
    try:
        return actions.self_calibrate(st.session_state, settings, progress, executor=executor, address=address)
    except BudgetTooSmall as exc:
        raise BudgetTooSmall(f"{exc} (Time budget (minutes): {exc.needed_minutes})", exc.needed_minutes) from exc
