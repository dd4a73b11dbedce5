"""A manager's headline: what retraining will cost, when to run it, and how sure that is, in a few sentences.

The Start page, the HTML report and the CLI's ``report`` command write these same sentences from the same
scenario (``headline_sentences``), so a budget meeting reads one answer wherever it looks. Figures are ranges
(the forecast's prediction interval) written by ``resque_core.units``; every assumption is said beside its
figure: the price (an example, or the user's), the grid intensity the CO2 is at, the grid data the best
start comes from, and the held-out check the "how sure" sentence quotes (``forecast.coverage``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from resque_core.units import co2_text, datetime_text, measure_text, number_text, percent_text

__all__ = ["DATA_KIND_LABELS", "co2_assumption", "headline_html", "headline_sentences", "range_words"]

DATA_KIND_LABELS = {
    "forecast": "grid operator forecast",
    "measured": "measured history (past intensities used as a proxy for the future)",
    "history-proxy": "measured history (past intensities used as a proxy for the future)",
    "modeled": "modeled: annual average, flat (no scheduling gain is possible)",
    "illustrative": "illustrative, not live data",
}
# the measure a retraining-vs-scratch ratio is taken on, most telling first, and how a sentence names it
_RATIO_MEASURES = {"money": "in money", "kwh": "in energy", "seconds": "in time", "epochs": "in epochs"}
_ANNUAL = re.compile(r"^annual average (?P<where>.+?) \(modeled\)")


def range_words(measure: str, figure: dict[str, Any] | None) -> str:
    """A figure's interval for people: "between 1.2 Wh and 3.4 Wh", "up to 3.4 Wh" (low at 0), "about 2 Wh"."""
    figure = figure or {}
    unit = figure.get("unit")
    low, high = figure.get("low"), figure.get("high")
    if low is None or high is None:
        return f"about {measure_text(measure, figure.get('point'), unit)}"
    if high <= low:
        return f"about {measure_text(measure, high, unit)}"
    if low <= 0:
        return f"up to {measure_text(measure, high, unit)}"
    return f"between {measure_text(measure, low, unit)} and {measure_text(measure, high, unit)}"


def co2_assumption(intensity: str | None, g_per_kwh: float | None = None) -> str:
    """What a forecast's CO2 assumes, from its intensity label: "at the annual average of Germany 2023 (380.9
    g/kWh, modeled)", "at the calibration records' intensity", "at the given intensity (300 g/kWh)"."""
    per = f"{number_text(g_per_kwh)} g/kWh" if g_per_kwh is not None else None
    annual = _ANNUAL.match(intensity or "")
    if annual:
        return f"at the annual average of {annual['where']} ({per + ', ' if per else ''}modeled)"
    if not intensity or intensity == "records":
        return "at the calibration records' intensity" + (f" ({per})" if per else "")
    return "at the given intensity" + (f" ({per})" if per else f" ({intensity})")


def headline_sentences(scenario: Any) -> tuple[str, ...]:
    """The headline of a scenario (``reporting.scenario.Scenario``): cost ranges, retraining against from
    scratch, the best start with its grid data, and how sure; empty without a forecast."""
    fc = scenario.forecast
    if not fc:
        return ()
    measures = fc.get("measures") or {}
    out = [_money(fc, measures), *_effort(fc, measures), _versus_scratch(fc)]
    if scenario.schedule:
        out.append(_best_start(scenario.schedule))
    out.append(_how_sure(fc))
    return tuple(out)


def _money(fc: dict[str, Any], measures: dict[str, Any]) -> str:
    if "money" not in measures:
        return "Money: no price was given, so there is no money figure."
    price = f" (at {fc['price']})" if fc.get("price") else ""
    return f"Retraining will cost {range_words('money', measures['money'])}{price}."


def _effort(fc: dict[str, Any], measures: dict[str, Any]) -> list[str]:
    out = []
    parts = [f"take {range_words('seconds', measures['seconds'])}"] if "seconds" in measures else []
    parts += [f"use {range_words('kwh', measures['kwh'])} of electricity"] if "kwh" in measures else []
    if parts:
        out.append(f"It will {' and '.join(parts)}.")
    if "co2_kg" in measures:
        assumed = co2_assumption(fc.get("intensity"), fc.get("intensity_g_per_kwh"))
        out.append(f"It will emit {range_words('co2_kg', measures['co2_kg'])} CO2 {assumed}.")
    return out


def _versus_scratch(fc: dict[str, Any]) -> str:
    measures, scratch = fc.get("measures") or {}, fc.get("scratch") or {}
    for key, words in _RATIO_MEASURES.items():
        ours, theirs = (measures.get(key) or {}).get("point"), (scratch.get(key) or {}).get("point")
        if ours is not None and theirs:
            share = percent_text(ours / theirs)
            if fc.get("scratch_note"):
                return (
                    f"Retraining costs about {share} of training from scratch ({words}), or less: the from-scratch "
                    "figures are lower bounds (training from scratch costs at least that)."
                )
            return f"Retraining costs about {share} of training from scratch ({words}, at the forecasts' points)."
    return "No from-scratch runs in the records to compare retraining with."


def _best_start(sch: dict[str, Any]) -> str:
    data = DATA_KIND_LABELS.get(sch.get("kind"), sch.get("source") or "unknown grid data")
    when = f"Best start: {datetime_text(sch.get('best_start'))} in zone {sch.get('zone')}"
    saved = sch.get("co2_saved_kg") or 0.0
    if saved <= 0:
        return (
            f"{when}: no start is cleaner than now in this grid data, {co2_text(sch.get('co2_now_kg'))} if started "
            f"now; grid data: {data}."
        )
    return (
        f"{when}: {co2_text(sch.get('co2_best_kg'))} CO2 at the best start instead of "
        f"{co2_text(sch.get('co2_now_kg'))} if started now, saving {co2_text(saved)} "
        f"({number_text(sch.get('saved_pct'))} %); grid data: {data}."
    )


def _how_sure(fc: dict[str, Any]) -> str:
    cov = fc.get("coverage")
    level = percent_text(fc.get("interval"))
    if not cov:
        return f"How sure: the ranges are {level} prediction intervals; no held-out check of past runs covers them."
    share = (
        f"{cov['covered']} of {cov['runs']}"
        if cov.get("covered") is not None
        else (f"{percent_text(cov['share'])} of {cov['runs']}")
    )
    return (
        f"How sure: in {share} past runs of this kind, held out from the fit, the real number of epochs fell "
        f"inside its {percent_text(cov.get('level'))} range ({cov.get('basis')})."
    )


def headline_html(scenarios: Sequence[Any]) -> str:
    """The headline of each scenario with a forecast, as HTML for the top of the report."""
    blocks = []
    for sc in scenarios:
        sentences = headline_sentences(sc)
        if sentences:
            items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
            blocks.append(f"<h2>The answer: {html.escape(sc.name)}</h2><ul>{items}</ul>")
    return "".join(blocks)
