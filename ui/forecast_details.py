"""The Forecast page's tables and notes: what retraining costs (for the budget), how sure the forecast is (one
sentence, the checks behind it on request), and the training figures engineers read."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from resque_core.forecast.signals import SCHEME_UNITS
from resque_core.units import BUDGET_MEASURES, measure_label, measure_text, number_text, range_text
from ui.plain_text import plain

POOLED = "pooled over all shift types"
ENGINE_NOTE = (
    "How training moves the weights (mean gradient L2 norm; RMS distance from the starting weights): "
    "diagnostics of the training, not costs, so a larger figure is neither worse nor better."
)


def cost_rows(forecast, measures: Sequence[str], scratch_bound: bool) -> dict[str, dict[str, str]]:
    """One row per measure: retraining with its interval, and from scratch (``>=`` where ``scratch_bound``)."""
    cur = forecast.source.currency
    rows = {}
    for m in measures:
        iv, scratch = forecast.measures[m], forecast.scratch.get(m)
        rows[measure_label(m)] = {
            "retraining (modeled)": measure_text(m, iv.point, cur),
            "interval": range_text(m, iv.low, iv.high, cur),
            "from scratch (modeled)": measure_text(m, scratch.point if scratch else None, cur, scratch_bound),
        }
    return rows


def cost_table(forecast) -> None:
    """Money, time, energy, CO2 and epochs: retraining against training from scratch, lower bounds marked."""
    note = forecast.scratch_note()
    shown = [m for m in BUDGET_MEASURES if m in forecast.measures]
    st.dataframe(pd.DataFrame(cost_rows(forecast, shown, bool(note))).T.rename_axis("measure"), width="stretch")
    if note:
        st.caption(f'From scratch, ">=": at least this much; {note}.')


def engine_details(forecast) -> None:
    """The training figures that are not costs (gradient norm, parameter change), folded away with what they are."""
    engine = [m for m in forecast.measures if m not in BUDGET_MEASURES]
    if not engine:
        return
    with st.expander("Engineering details", key="fc_engineering"):
        st.caption(ENGINE_NOTE)
        st.dataframe(pd.DataFrame(cost_rows(forecast, engine, False)).T.rename_axis("measure"), width="stretch")


def how_sure(forecast) -> str:
    """One plain sentence: how far off a forecast like this one was on past runs it had not seen."""
    signals = forecast.signals
    if signals is None or not math.isfinite(signals.heldout_mae_epochs):
        return "How sure: no check on past runs stands behind this forecast; read its range as a rough guide."
    return (
        "How sure: tested on past runs it had not seen, a forecast like this one was off by about "
        f"{number_text(signals.heldout_mae_epochs, 2)} epochs on average (this one says "
        f"{number_text(forecast.measures['epochs'].point)} epochs)."
    )


def own_check(signals) -> str:
    """What the forecaster's own held-out figure is, in words."""
    if not math.isfinite(signals.heldout_mae_epochs):
        return "No check on held-out runs: a fold of the records had too few runs."
    unit = SCHEME_UNITS.get(signals.scheme, "groups")
    pooled = "" if signals.curves == POOLED else f" (of the curve {POOLED}; this forecast uses its shift type's own)"
    return (
        f"**{number_text(signals.heldout_mae_epochs, 2)} epochs**: the average error{pooled}, checked now on the "
        f"records behind this forecast: each of the {signals.n_groups} {unit} left out in turn and forecast "
        "from the others."
    )


def accuracy(forecast) -> None:
    """How sure the forecast is: one sentence, then the two checks behind it, each said in words."""
    st.info(how_sure(forecast), icon=":material/verified:")
    if forecast.signals is None and not forecast.benchmark:
        return
    with st.expander("How good is this forecast? How it was checked", key="fc_benchmark"):
        if forecast.signals is not None:
            st.markdown(own_check(forecast.signals))
            st.caption(plain(forecast.signals.sentence().capitalize() + "."))
        if forecast.benchmark:
            st.markdown(
                "**The published benchmark**: the same kind of check, made once on the shipped calibration records "
                "when this version was released; its figures can differ from the one above, measured now."
            )
            for sentence in forecast.benchmark:
                st.markdown(f"- {sentence}.")
