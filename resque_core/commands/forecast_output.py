"""What ``python -m resque_core forecast`` prints: the summary table, and the fit report as JSON."""

from __future__ import annotations

from typing import Any

from resque_core.units import BUDGET_MEASURES, MEASURE_UNITS, measure_label, measure_text, number_text, range_text

__all__ = ["report_dict", "summary"]


def report_dict(report: Any) -> dict:
    """The fit report (``FitReport``) as plain JSON-able dicts."""
    from dataclasses import asdict

    return {k: dict(v) if isinstance(v, dict) else v for k, v in asdict(report).items()}


def summary(forecast: Any, report: Any, index_range: tuple[float, float]) -> str:
    """The forecast as the command prints it: source, every measure with its interval, the fit and the notes."""
    from resque_core.forecast.family import is_carried  # the CLI starts without pandas

    low, high = index_range
    where = "EXTRAPOLATED: outside" if forecast.extrapolated else "inside"
    span = f"{where} the calibrated range {number_text(low, 3)}-{number_text(high, 3)}"
    if is_carried(forecast):  # the library's runs, not these records: the records' range is not its range
        span = "carried across model families" + (
            "; EXTRAPOLATED: outside the library runs' range of its signal" if forecast.extrapolated else ""
        )
    source = forecast.source
    free = " (label-free)" if forecast.signals is not None and forecast.signals.labels == "predicted" else ""
    lines = [
        f"RESQUE {forecast.index_kind} index{free} {number_text(forecast.index)} ({span})",
        f"{forecast.n_records} {source.records} records, curves {source.curves}; "
        f"energy {source.energy} ({source.energy_basis}); "
        f"intensity: {source.intensity}"
        + (
            f" ({number_text(source.intensity_g_per_kwh)} g/kWh)"
            if source.intensity == "records" and source.intensity_g_per_kwh
            else ""
        ),
        "",
        *table_lines(forecast),
    ]
    lines += ["", _fit_line(forecast, report)]
    if forecast.signals is not None:
        lines.insert(2, forecast.signals.sentence())
    if forecast.scratch_note():
        lines.append(f"from scratch: {forecast.scratch_note()}")
    if forecast.family_note:
        lines.insert(2, f"NOTE: {forecast.family_note}")
    lines += [f"benchmark: {sentence}" for sentence in forecast.benchmark]
    lines[2:2] = target_lines(forecast)
    return "\n".join(lines)


def table_lines(forecast: Any) -> list[str]:
    """Every measure for people (``units``: a unit per figure, intervals in one unit), retraining beside training
    from scratch, ">=" where the scratch figures are lower bounds; columns as wide as their longest cell."""
    cur, bound = forecast.source.currency, bool(forecast.scratch_note())
    rows = [("measure", "forecast", f"{forecast.level:.0%} interval", "from scratch")]
    for measure in MEASURE_UNITS:
        if measure not in forecast.measures:
            continue
        iv, scratch = forecast.measures[measure], forecast.scratch.get(measure)
        extra = "-"
        if scratch:
            at_least = bound and measure in BUDGET_MEASURES  # a capped run spends at least this; a norm is no cost
            spread = range_text(measure, scratch.low, scratch.high, cur)
            extra = f"{measure_text(measure, scratch.point, cur, at_least)} ({spread})"
        row = (measure_label(measure), measure_text(measure, iv.point, cur), range_text(measure, iv.low, iv.high, cur))
        rows.append((*row, extra))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, [*widths, 0], strict=True)).rstrip() for row in rows]


def _fit_line(forecast: Any, report: Any) -> str:
    """How well the forecast held out: the records' fit, or for a carried forecast where the note says it."""
    from resque_core.forecast.family import is_carried

    if is_carried(forecast):
        return "fit: carried across model families; how that held with each family left out is in the NOTE"
    return (
        f"fit: Spearman(index, epochs) {report.spearman_epochs:.2f}; {report.heldout_scheme} MAE "
        f"{number_text(report.heldout_mae_epochs, 3)} epochs, coverage {report.heldout_coverage_epochs:.0%}; "
        f"{report.n_censored} censored run(s) kept out of the curves"
    )


def target_lines(forecast: Any) -> list[str]:
    """What the epochs run to, and how many similar runs never got there (``forecast.targets``)."""
    lines = [f"target: {forecast.target}"]
    if forecast.unreached is not None:
        lines[0] += f"; {forecast.unreached.sentence()} (the figures below count such a run at its cap)"
    if forecast.target_note:
        lines.append(f"NOTE: {forecast.target_note}")
    return lines
