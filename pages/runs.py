"""Runs: the training runs tracked with ``resque_core.track``, live: what is left of each to its target."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resque_core.reporting import charts
from resque_core.units import co2_text, duration_text, energy_text, measure_text, percent_text
from resque_core.units import number_text as num
from ui import live_runs
from ui.errors import guard
from ui.plain_text import plain
from ui.routing import ensure_routed

ensure_routed()

state = st.session_state


def empty(path) -> None:
    """No run yet: how to track one, and the CLI that lists them."""
    st.info(
        f"No tracked runs in the records database ({plain(path.name)}) yet. Track your own training loop with "
        "`resque_core.track`: each evaluation is written to this database as it happens, and this page shows "
        "what is left to the target.",
        icon=":material/info:",
    )
    st.code(live_runs.SNIPPET, language="python")
    st.markdown("The same runs in a terminal (set `RESQUE_DB` to share one database between machines):")
    st.code(live_runs.CLI, language="bash")


def runs_table(runs: list) -> None:
    """Every run, newest first: its state, target and what is left."""
    rows = []
    for run in runs:
        s = live_runs.summary(run)
        last = s["evaluations"][-1] if s["evaluations"] else None
        rows.append(
            {
                "run": s["name"], "state": s["state"], "evaluations": len(s["evaluations"]),
                "last accuracy": num(last["val_acc"]) if last else "–", "target": num(s["target_acc"]),
                "epoch cap": num(s["max_epochs"]), "left": s["remaining"]["sentence"],
                "started (UTC)": s["started_at"][:19].replace("T", " "), "host": s["host"],
            }
        )  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def tiles(left: dict) -> None:
    """Epochs, time, energy, CO2 and money left (point and interval), and the chance of never reaching it."""
    level = percent_text(left["level"])
    estimated = " (estimated)" if left["estimated"] else ""
    shown = [
        ("Epochs left", left["epochs"], num),
        ("Time left", left["seconds"], duration_text),
        (f"Energy left{estimated}", left["kwh"], energy_text),
        (f"CO2 left{estimated}", left["co2_kg"], co2_text),
    ]
    if left["money"] is not None:
        shown.append((f"Money left{estimated}", left["money"], lambda v: measure_text("money", v, left["currency"])))
    columns = st.columns(len(shown) + 1)
    for column, (label, figure, text) in zip(columns[:-1], shown, strict=True):
        column.metric(label, text(figure["point"]) if figure is not None else "–")
        if figure is not None:
            column.caption(f"{level} interval: {text(figure['low'])} – {text(figure['high'])}")
    columns[-1].metric("Never reached", percent_text(left["p_never"]), help="chance of never reaching the target")
    columns[-1].caption("chance, within the epoch cap")


def energy_note(s: dict) -> None:
    """Where the energy comes from, said wherever energy shows."""
    left = s["remaining"]
    source = live_runs.ENERGY_SOURCES.get(s["energy_source"], s["energy_source"] or "not metered")
    label = "Estimated, not measured. " if left["estimated"] else ""
    st.caption(
        f"{label}Energy basis: {plain(left['basis'])}; this run's energy is {plain(source)}. CO2 at "
        f"{num(s['intensity_g_per_kwh'])} g/kWh ({plain(s['country_iso'])}, annual average). Epochs: "
        f"{plain(left['method'])}."
    )


def replan_button(s: dict) -> None:
    """Send what is left to the Schedule page as a job that can pause."""
    hours, kwh, why_not = live_runs.replan_job(s)
    clicked = st.button(
        "Re-plan what is left on the Schedule page", key="runs_replan", icon=":material/schedule:",
        disabled=hours is None, help=why_not or "the time and energy left (point values) as a job that can pause",
    )  # fmt: skip
    if why_not:
        st.caption(f"Re-plan unavailable: {why_not}.")
    if clicked and hours is not None:
        live_runs.replan(state, hours, kwh)
        state["runs_to_schedule"] = True
        st.rerun(scope="app")  # the page switches from the app's run: one from this fragment left a blank page


def show_run(run) -> None:
    """One run: its settings, what is left, the chart, its evaluations and the re-plan button."""
    s = live_runs.summary(run, with_history=True)
    left, points = s["remaining"], s["evaluations"]
    last = f"; last: epoch {num(points[-1]['epoch'])}, accuracy {num(points[-1]['val_acc'])}" if points else ""
    st.markdown(
        f"**{plain(s['name'])}**: {plain(s['state'])}. Target: {plain(s['target'])}, within {num(s['max_epochs'])} "
        f"epochs; {len(points)} evaluations{last}. On {plain(s['host'])}, started {s['started_at'][:19]} UTC."
    )
    if s["note"]:
        st.caption(plain(s["note"]))
    if left["reached"]:
        st.success(f"Target reached after {num(left['seen'])} epochs.", icon=":material/flag:")
    else:
        if s["status"] != "running":
            st.caption(f"The run ended ({plain(s['status'])}) before its target: below, what going on would take.")
        tiles(left)
    energy_note(s)
    st.plotly_chart(charts.run_progress(s), key="run_chart")
    replan_button(s)
    with st.expander(f"Evaluations ({len(points)})"):
        st.dataframe(pd.DataFrame([evaluation_row(p) for p in points]), hide_index=True, width="stretch")


def evaluation_row(point: dict) -> dict[str, str]:
    """One evaluation written for people (units), never a bare float in scientific notation."""
    return {
        "epoch": num(point["epoch"]), "accuracy": num(point["val_acc"]), "time so far": duration_text(point["seconds"]),
        "energy so far": energy_text(point["energy_kwh"]), "at (UTC)": str(point["at"] or "")[:19].replace("T", " "),
    }  # fmt: skip


def runs_view(every: float | None) -> None:
    """The runs as the database holds them now (read again every ``every`` seconds while one runs)."""
    with guard("reading the tracked runs") as read:
        _, runs = live_runs.stored_runs()
    if read.failed:
        return
    if live_runs.polling(runs) != every:
        st.rerun(scope="app")  # a run began or ended since the page was drawn: start or stop reading again
    runs_table(runs)
    ids = [run.run_id for run in runs]
    if state.get("runs_pick") not in ids:
        state["runs_pick"] = ids[0]
    names = {run.run_id: f"{run.name} ({run.started_at[:16].replace('T', ' ')}, {run.run_id[-10:]})" for run in runs}
    picked = st.selectbox("Run", ids, format_func=names.get, key="runs_pick")
    show_run(next(run for run in runs if run.run_id == picked))


def render() -> None:
    """The Runs page."""
    if state.pop("runs_to_schedule", False):
        st.switch_page("pages/schedule.py")
    st.title("Runs")
    st.caption(
        "Training runs tracked with `resque_core.track`, here or on another machine sharing the records database: "
        "what is left of each to its target (epochs, time, energy, CO2, money), refined after each evaluation "
        f"from the curve so far and the run's prior forecast. Read again every {num(live_runs.POLL_S)} s while a "
        "run is running."
    )
    st.button("Refresh", key="runs_refresh", icon=":material/refresh:")  # a click reruns the page
    with guard("reading the tracked runs") as read:
        path, runs = live_runs.stored_runs()
    if read.failed:
        return
    if not runs:
        empty(path)
        return
    every = live_runs.polling(runs)
    st.fragment(runs_view, run_every=every)(every)


render()
