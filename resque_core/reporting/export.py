"""Scenarios -> CSV, JSON, or one self-contained HTML page to send to a stakeholder.

The HTML report inlines plotly.js and every chart, so it opens offline from an e-mail attachment.
Every forecast figure is labeled *modeled* (with its interval) and every estimate is labeled by how
it was obtained; grid data says whether it is a live forecast, a measurement, a modeled average or
an illustrative profile.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import resque_core.reporting.charts as charts
from resque_core.atomic_write import write_text
from resque_core.errors import ReportError
from resque_core.reporting.compare_section import comparison_html
from resque_core.reporting.headline import DATA_KIND_LABELS, headline_html
from resque_core.reporting.html_parts import cell, escaped, figures_html, table
from resque_core.reporting.scenario import Scenario, scenarios_to_json
from resque_core.reporting.totals import coverage_text, covered_totals
from resque_core.units import (
    BUDGET_MEASURES,
    co2_text,
    datetime_text,
    measure_label,
    measure_text,
    number_text,
    percent_text,
    range_text,
    unit_of,
)

if TYPE_CHECKING:
    from resque_core.compare import Comparison

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#1d2330;background:#fff}
h1{margin-bottom:0}.muted{color:#5b6270}table{border-collapse:collapse;margin:.6em 0 1.2em}
th,td{border:1px solid #d6d9de;padding:.3em .6em;text-align:left}th{background:#f2f4f6}
.tag{font-size:.8em;padding:.1em .4em;border-radius:.3em;background:#fff3d6;color:#6b4b00}
.note{padding:.4em .6em;border-left:4px solid #d08b00;background:#fff8e6}
.wide{overflow-x:auto}section{border-top:2px solid #2e7d5b;margin-top:2em;padding-top:.5em}
table{display:block;max-width:100%;overflow-x:auto}
@media (max-width:640px){.js-plotly-plot .gtitle{font-size:12px!important}}
"""


def to_csv(scenarios: Sequence[Scenario]) -> str:
    """One row per scenario (``Scenario.summary``), columns in first-seen order."""
    rows = [s.summary() for s in _checked(scenarios)]
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def to_json(scenarios: Sequence[Scenario]) -> str:
    """The scenarios file format (``resque_core.reporting.scenario.scenarios_from_json`` reads it back)."""
    return scenarios_to_json(list(_checked(scenarios)))


def to_html(
    scenarios: Sequence[Scenario], title: str = "RESQUE retraining report", comparison: Comparison | None = None
) -> str:
    """A self-contained HTML page: each scenario's headline (``reporting.headline``), budget totals, charts, the
    model comparison when one is given (``reporting.compare_section``) and one section per scenario. With a
    comparison the scenarios may be none."""
    scenarios = list(scenarios if comparison is not None else _checked(scenarios))
    body = [
        f"<h1>{escaped(title)}</h1>",
        f"<p class=muted>Generated {datetime_text(datetime.now(UTC))} by the RESQUE dashboard. "
        "Forecast figures are <b>modeled</b> from calibration records (point and prediction interval); "
        "energy measured with codecarbon without power sensors is an <b>estimate</b>.</p>",
    ]
    if scenarios:
        body += _scenarios_overview(scenarios)
    if comparison is not None:
        body.append(comparison_html(comparison, plotly_js=not scenarios))
    for sc in scenarios:
        body.append(_scenario_section(sc))
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escaped(title)}</title>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )


def _scenarios_overview(scenarios: list[Scenario]) -> list[str]:
    """The headline, budget totals, the comparison table and its charts (the first carries plotly.js)."""
    figures = [charts.compare_index(scenarios)]
    figures += [charts.compare_measures(scenarios, m) for m in ("epochs", "kwh", "co2_kg")]
    return [
        headline_html(scenarios),
        "<h2>Budget totals</h2>",
        _totals_table(covered_totals(scenarios), scenarios),
        "<h2>Comparison</h2>",
        _comparison_table(scenarios),
        *figures_html(figures, first=True),
    ]


def write_report(
    scenarios: Sequence[Scenario],
    path: str | Path,
    title: str = "RESQUE retraining report",
    setting: str | None = None,
    comparison: Comparison | None = None,
) -> Path:
    """Write CSV, JSON or HTML according to the file suffix, whole or not at all; returns the path written.

    ``setting``: the option that chose ``path`` (the CLI's "html", "csv" or "json"), named if the write fails.
    ``comparison``: a model comparison, a section of the HTML report (CSV and JSON hold the scenarios only).

    Raises:
        ReportError: no scenario to write (CSV, JSON; HTML without a comparison), or an unknown suffix.
        WriteError: the file cannot be written; an earlier file there is left as it was.
    """
    path = Path(path)
    html = lambda s: to_html(s, title, comparison)  # noqa: E731
    writers = {".csv": to_csv, ".json": to_json, ".html": html, ".htm": html}
    if path.suffix.lower() not in writers:
        raise ReportError(f"cannot tell the report format from {path.name!r}: use .csv, .json or .html")
    text = writers[path.suffix.lower()](scenarios)
    return write_text(path, text, setting=setting)


def _checked(scenarios: Sequence[Scenario]) -> Sequence[Scenario]:
    if not scenarios:
        raise ReportError("there is no scenario to report: save at least one scenario first")
    return scenarios


def _scenario_section(sc: Scenario) -> str:
    parts = [f"<section><h2>{escaped(sc.name)}</h2><p class=muted>saved {escaped(sc.created_utc)}</p>"]
    if sc.inputs:
        parts.append("<h3>Inputs</h3>" + table(["input", "value"], [[k, v] for k, v in sc.inputs.items()]))
    if sc.index:
        ix = sc.index
        rows = [
            ["RESQUE index", f"{cell(ix.get('value'))} ({ix.get('kind')})"],
            ["noise floor", cell(ix.get("noise_floor"))],
            ["layer", ix.get("layer")],
            ["samples (original / new)", f"{ix.get('n_original')} / {ix.get('n_new')}"],
            *[["note", note] for note in ix.get("notes") or ()],
        ]
        parts.append("<h3>Index <span class=tag>computed</span></h3>" + table(["figure", "value"], rows))
    if sc.forecast:
        parts.append(_forecast_html(sc.forecast))
    if sc.schedule:
        parts.append(_schedule_html(sc.schedule))
        parts += figures_html([charts.intensity_series(sc.schedule, f"Grid intensity: {sc.name}")])
    if sc.validation:
        parts.append("<h3>Validation run <span class=tag>measured</span></h3>")
        parts.append(table(["measure", "value"], [[k, cell(v)] for k, v in sc.validation.items()]))
    return "".join(parts) + "</section>"


def _forecast_html(fc: dict[str, Any]) -> str:
    cover = fc.get("interval")
    head = ["measure", "retraining", f"interval ({percent_text(cover)})", "from scratch", "basis"]
    scratch = fc.get("scratch") or {}
    rows = []
    for measure, fig in (fc.get("measures") or {}).items():
        other = scratch.get(measure) or {}
        rows.append(
            [
                measure_label(measure),
                measure_text(measure, fig.get("point"), fig.get("unit")),
                f"{measure_text(measure, fig.get('low'), fig.get('unit'))} – "
                f"{measure_text(measure, fig.get('high'), fig.get('unit'))}",
                measure_text(measure, other.get("point"), fig.get("unit")),
                fig.get("basis", "modeled"),
            ]
        )
    where = f"calibration: {fc.get('source', 'unknown')}; hardware: {fc.get('hardware', '-')}"
    source = f"<p class=muted>{escaped(where)}</p>"
    note = f"<p class=muted>from scratch: {escaped(fc['scratch_note'])}</p>" if fc.get("scratch_note") else ""
    family = f"<p class=note>{escaped(fc['family_note'])}</p>" if fc.get("family_note") else ""
    signals = f"<p class=muted>{escaped(fc['signals'])}</p>" if fc.get("signals") else ""
    signals = (f"<p>{escaped(fc['target'])}</p>" if fc.get("target") else "") + signals
    bench = "".join(f"<li>{escaped(line)}</li>" for line in fc.get("benchmark") or ())
    bench = f"<p class=muted>The published benchmark:</p><ul class=muted>{bench}</ul>" if bench else ""
    head_html = "<h3>Forecast <span class=tag>modeled</span></h3>" + source + signals + family
    return head_html + table(head, rows) + note + bench


def _schedule_html(sch: dict[str, Any]) -> str:
    kind = sch.get("kind", "")
    label = sch.get("source") or DATA_KIND_LABELS.get(kind, kind)
    rows = [
        ["provider / zone", f"{sch.get('provider')} / {sch.get('zone')}"],
        ["grid data", label],
        ["best start", datetime_text(sch.get("best_start"))],
        ["best end", datetime_text(sch.get("best_end"))],
        ["CO2 if started now", co2_text(sch.get("co2_now_kg"))],
        ["CO2 at the best start", co2_text(sch.get("co2_best_kg"))],
        ["CO2 saved by waiting", f"{co2_text(sch.get('co2_saved_kg'))} ({number_text(sch.get('saved_pct'))} %)"],
    ]
    return f"<h3>Schedule <span class=tag>{escaped(label)}</span></h3>" + table(["figure", "value"], rows)


def _totals_table(totals: dict[str, dict[str, Any]], scenarios: Sequence[Scenario]) -> str:
    """Each budget measure's total over the scenarios that carry it, saying which (``reporting.totals``)."""
    rows = [
        [measure_label(m), measure_text(m, t["point"], t["unit"]), range_text(m, t["low"], t["high"], t["unit"]),
         coverage_text(t)]
        for m, t in totals.items()
    ]  # fmt: skip
    given = {m for sc in scenarios for m in ((sc.forecast or {}).get("measures") or {}) if m in BUDGET_MEASURES}
    untotalled = [measure_label(m) for m in BUDGET_MEASURES if m in given - set(totals)]
    why = (
        f"<p class=muted>No total of {', '.join(untotalled)}: the scenarios give it in different units.</p>"
        if untotalled
        else ""
    )
    if not rows:
        return why or "<p class=muted>No forecast in these scenarios yet.</p>"
    return table(["measure", "total (modeled)", "sum of interval bounds", "covers"], rows) + why


COMPARED = {
    "index": "RESQUE index",
    "index_noise_floor": "noise floor",
    **{measure: measure_label(measure) for measure in BUDGET_MEASURES},
    "schedule_zone": "zone",
    "schedule_best_start": "best start",
    "co2_saved_kg": "CO2 saved",
    "co2_saved_pct": "saved (%)",
}


def comparison_rows(scenarios: Sequence[Scenario]) -> tuple[list[str], list[list[str]]]:
    """Headline figures side by side, written for people (``units``): the header and one row per scenario.

    The report's comparison table and the dashboard's are this one table (the CSV export has every
    column, as bare numbers in their units).
    """
    rows = [sc.summary() for sc in scenarios]
    columns = [c for c in COMPARED if any(row.get(c) is not None for row in rows)]
    currencies = [unit_of("money", _money_unit(sc)) for sc in scenarios]
    cells = [
        [row["scenario"]]
        + [datetime_text(row.get(c)) if c.endswith("start") else _cell(c, row.get(c), currency) for c in columns]
        for row, currency in zip(rows, currencies, strict=True)
    ]
    return ["scenario", *(COMPARED[c] for c in columns)], cells


def _money_unit(sc: Scenario) -> str | None:
    return (((sc.forecast or {}).get("measures") or {}).get("money") or {}).get("unit")


def _comparison_table(scenarios: Sequence[Scenario]) -> str:
    return "<div class=wide>" + table(*comparison_rows(scenarios)) + "</div>"


def _cell(key: str, value: Any, currency: str | None = None) -> str:
    """A comparison cell: measures as ``measure_text`` writes them, CO2 saved with its unit, the rest as ``_f``."""
    if key == "co2_saved_kg":
        return co2_text(value)
    return measure_text(key, value, currency) if key in BUDGET_MEASURES else cell(value)
