"""A model comparison on the page: the recommendation, the table, the Pareto chart against CO2 or money, and what
every figure assumes (the report's section shows the same, ``reporting.compare_section``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resque_core.compare.table import comparison_rows
from resque_core.reporting.compare_chart import chart_axes, pareto_figure, unpriced_reason
from resque_core.units import measure_label, percent_text
from ui.errors import guard
from ui.kept import kept
from ui.plain_text import plain

__all__ = ["show_comparison"]


def show_comparison(comparison, stale: str = "") -> None:
    """The comparison; ``stale``: what changed since it was made ("" when current)."""
    if stale:
        st.warning(
            f"**Stale: compare again.** Shown as last computed, but {stale}. The report leaves it out until the "
            "comparison is run again.",
            icon=":material/update:",
        )
    st.header("Which model to update")
    if comparison.recommended:
        st.success(f"**Recommended:** {plain(comparison.recommendation)}", icon=":material/recommend:")
    else:
        st.warning(f"**No option meets the target.** {plain(comparison.recommendation)}", icon=":material/flag:")
    st.caption(
        plain(
            f"Target: {comparison.target_words}. Budget: {comparison.budget}. Hardware: {comparison.hardware} "
            f"(modeled). Intervals: {percent_text(comparison.level)}; an option meets the target when at least "
            f"{percent_text(comparison.min_p_reach)} of its similar runs reached it."
        )
    )
    st.table(pd.DataFrame(comparison_rows(comparison)).set_index("option"))
    _chart(comparison)
    for note in comparison.notes:
        st.caption(plain(note[:1].upper() + note[1:]) + ".")
    with st.expander("How each option was modeled"):
        for option in comparison.options:
            notes = "; ".join(option.notes)
            st.markdown(f"**{plain(option.name)}**: {plain(option.energy_basis or 'no energy basis')}")
            if notes:
                st.caption(plain(notes))


def _chart(comparison) -> None:
    """The Pareto chart against the cost chosen (money only when priced, else the reason why)."""
    axes = chart_axes(comparison)
    axis = st.radio(
        "Chart the options' cost as", axes, format_func=measure_label, horizontal=True,
        **kept("cmp_axis", options=axes),
    )  # fmt: skip
    why = unpriced_reason(comparison)
    if why:
        st.caption(f"Money: {plain(why)}.")
    with guard("drawing the Pareto chart"):
        st.plotly_chart(pareto_figure(comparison, axis), key="pareto_chart")
