"""Scenarios & report: save what-ifs, compare them with budget totals, export CSV / JSON / HTML."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resque_core.reporting import charts
from resque_core.reporting import export as report
from resque_core.reporting.scenario import scenarios_from_json
from resque_core.reporting.totals import coverage_text, covered_totals
from resque_core.units import BUDGET_MEASURES, measure_label, measure_text, range_text
from ui.compare_state import current_comparison, why_stale
from ui.errors import guard
from ui.plain_text import literal
from ui.results import current_scenario, report_download
from ui.routing import ensure_routed
from ui.state import DONE, STALE, pipeline_status

ensure_routed()

state = st.session_state


def save_current() -> None:
    """Save the session's results under a name (the active scenario takes that name)."""
    st.header("Save the current scenario")
    stages = pipeline_status(state)
    if stages["index"] != DONE:
        why = "compute it again" if stages["index"] == STALE else "run the demo on the start page, or compute one"
        st.info(f"Nothing to save yet: the index is {stages['index']}; {why}.", icon=":material/info:")
        return
    stale = [stage for stage in ("forecast", "schedule") if stages[stage] == STALE]
    if stale:
        st.warning(
            f"Not saved: the {' and the '.join(stale)} (stale: made from an earlier "
            f"{'index' if stale[0] == 'forecast' else 'forecast'}). Compute "
            f"{'them' if len(stale) > 1 else 'it'} again to include {'them' if len(stale) > 1 else 'it'}.",
            icon=":material/update:",
        )
    name = st.text_input("Name", state["scenario_name"], key="scenario_name_input")
    if st.button("Save scenario", type="primary", key="save_scenario"):
        with guard("saving the scenario") as g:
            saved = current_scenario(state, name=name.strip())
        if not g.failed:
            state["scenarios"][saved.name] = saved
            state["scenario_name"] = saved.name
            st.success(f"Saved {literal(repr(saved.name))}.", icon=":material/bookmark_added:")


def import_file() -> None:
    """Merge scenarios from a JSON file exported earlier."""
    with st.expander("Import scenarios (JSON exported from this page)"):
        upload = st.file_uploader("Scenarios file", type=["json"], key="scenarios_upload")
        if upload is not None and st.button("Import", key="import_scenarios"):
            with guard("importing scenarios") as g:
                imported = scenarios_from_json(upload.getvalue())
            if not g.failed:
                state["scenarios"].update({s.name: s for s in imported})
                st.success(f"Imported {len(imported)} scenario(s).")


def compare(scenarios: list) -> None:
    """One table, budget totals and four charts across the saved scenarios."""
    st.header(f"Comparison ({len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''})")
    head, rows = report.comparison_rows(scenarios)  # the report's table: units as on the tiles
    st.table(pd.DataFrame(rows, columns=head).set_index("scenario"))  # wraps to the page's width: every column shows
    budget(scenarios)
    left, right = st.columns(2)
    left.plotly_chart(charts.compare_index(scenarios), key="compare_index")
    right.plotly_chart(charts.compare_measures(scenarios, "co2_kg"), key="compare_co2")
    left.plotly_chart(charts.compare_measures(scenarios, "epochs"), key="compare_epochs")
    right.plotly_chart(charts.compare_measures(scenarios, "kwh"), key="compare_kwh")


def budget(scenarios: list) -> None:
    """The budget totals, each saying which scenarios it covers, and why a measure has none."""
    totals = covered_totals(scenarios)
    given = {m for sc in scenarios for m in ((sc.forecast or {}).get("measures") or {})}
    untotalled = [measure_label(m) for m in BUDGET_MEASURES if m in given and m not in totals]
    if totals:
        st.markdown("**Budget totals (sums of the modeled forecasts)**")
        rows = {
            measure_label(m): {
                "total": measure_text(m, t["point"], t["unit"]),
                "interval sum": range_text(m, t["low"], t["high"], t["unit"]),
                "covers": coverage_text(t),
            }
            for m, t in totals.items()
        }
        st.table(pd.DataFrame(rows).T.rename_axis("measure"))
    if untotalled:
        st.caption(f"No total of {', '.join(untotalled)}: the scenarios give it in different units (currencies).")


def export(scenarios: list) -> None:
    """CSV, JSON and the self-contained HTML report; removing scenarios."""
    st.header("Export")
    cols = st.columns(3)
    with guard("building the exports"):
        cols[0].download_button(
            "CSV",
            report.to_csv(scenarios),
            "resque-scenarios.csv",
            "text/csv",
            key="export_csv",
            on_click="ignore",
            icon=":material/table:",
        )
        cols[1].download_button(
            "JSON",
            report.to_json(scenarios),
            "resque-scenarios.json",
            "application/json",
            key="export_json",
            on_click="ignore",
            icon=":material/data_object:",
        )
        with cols[2]:
            report_download(state, key="export_html", scenarios=scenarios)
    st.multiselect("Remove scenarios", [s.name for s in scenarios], key="drop_scenarios")
    st.button("Remove", key="remove_scenarios", on_click=_remove, disabled=not state["drop_scenarios"])


def _remove() -> None:
    for name in state["drop_scenarios"]:
        state["scenarios"].pop(name, None)
    state["drop_scenarios"] = []


def render() -> None:
    """The Scenarios & report page."""
    st.title("Scenarios & report")
    st.caption(
        "Save the current what-if under a name, change an input (shift, zone, hardware, start time…), "
        "save again, and compare. The report is one HTML file with the charts inside: it opens offline."
    )
    save_current()
    import_file()
    scenarios = list(state["scenarios"].values())
    if scenarios:
        compare(scenarios)
        export(scenarios)
    elif current_comparison(state) is not None:
        st.header("Export")
        st.caption("No scenario saved yet: the report holds the model comparison alone.")
        with guard("building the report"):
            report_download(state, key="export_html", scenarios=[])
    compared_note()


def compared_note() -> None:
    """Whether the report carries the model comparison made on Compare models."""
    if current_comparison(state) is not None:
        st.caption("The HTML report includes the model comparison made on Compare models.")
    elif why_stale(state):
        st.caption(f"The report leaves out the model comparison: {why_stale(state)} since it was made.")


render()
