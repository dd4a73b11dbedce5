"""Compare models: which checkpoint to update, or which architecture to train from scratch, on the same new data:
each option's modeled cost to the team's target, its expected accuracy, the Pareto front and the recommendation."""

from __future__ import annotations

import streamlit as st

from ui.compare_actions import asked, run_compare, session_data
from ui.compare_inputs import chosen_candidates, compare_settings
from ui.compare_state import note_form, shown_comparison, why_stale
from ui.compare_view import show_comparison
from ui.errors import guard
from ui.plain_text import plain
from ui.routing import ensure_routed
from ui.state import result, settings_open

ensure_routed()

state = st.session_state
ON_DATA_MODEL = "load the checkpoint on Data & model (Checkpoint) to set that, then pick This session's checkpoint here"
CONTROLS = {  # this page's controls for what an engine error names (``ui.errors``)
    "arch": "pick the architecture under Architecture of the file",
    "trust": "switch on Trust these files",
    **dict.fromkeys(("num_classes", "stem", "input_spec", "model_file"), ON_DATA_MODEL),
}


def data_line() -> None:
    """Which data the candidates are compared on."""
    data = session_data(state)
    new = f"new data {data.new}" if data.new else ""
    shift = f"shift {data.shift}" if data.shift else ""
    what = ", ".join(p for p in (new, shift) if p)
    where = "loaded on Data & model" if result(state, "data") is not None else "the demo's: load yours on Data & model"
    seed = " (simulated with seed 0)" if data.seed and data.shift else ""
    st.markdown(f"**Data**: original {plain(data.original)}, {plain(what)}{seed}; {where}.")


def render() -> None:
    """The Compare models page: results on top, the candidates and settings below."""
    st.title("Compare models")
    st.caption(
        "Each candidate checkpoint retrained, and each architecture trained from scratch, on the same new data: "
        "the cost to the team's target and the accuracy expected within the budget. Every time, energy, CO2 and "
        "money figure here is **modeled** (from each model's FLOPs on the hardware chosen), with an interval."
    )
    results = st.container()
    data_line()
    candidates, settings = [], None
    with guard("reading the candidates"):
        candidates = chosen_candidates(state)
    settings_open(state, "cmp_settings", shown_comparison(state) is None)
    expander = st.expander("Settings: target, budget, hardware, grid and price", key="cmp_settings", on_change="rerun")
    with expander, guard("reading the settings"):
        settings = compare_settings()
    if settings is not None:
        note_form(state, asked(state, candidates, settings))
    ready = bool(candidates) and settings is not None
    if st.button("Compare", type="primary", key="run_compare", disabled=not ready):
        with guard("comparing the candidates", CONTROLS), st.status("Comparing the candidates…", expanded=True) as box:
            run_compare(state, candidates, settings, progress=lambda line: box.write(plain(line)))
            box.update(label="Compared", state="complete", expanded=False)
    if not candidates:
        st.caption("Pick or upload at least one candidate to compare.")
    comparison = shown_comparison(state)
    if comparison is not None:
        with results:
            show_comparison(comparison, why_stale(state))


render()
