"""One what-if, gathered: the inputs a user chose and the index, forecast and schedule they gave.

A ``Scenario`` holds plain JSON-able dicts (no tensors, no engine objects), so it round-trips
through JSON exactly and a report can be rebuilt from a file long after the session ended.
``index_section``, ``forecast_section`` and ``schedule_section`` turn engine results into these dicts.

Layouts (every figure carries its unit in its name, and ``basis`` says how it was obtained):

- ``index``: ``kind`` ("dist"|"task"), ``value``, ``noise_floor``, ``per_class`` {class: value},
  ``n_original``, ``n_new``, ``layer``, ``device``, ``seconds``, ``images_per_s``, ``precision``,
  ``notes`` (what was assumed or changed to fit the data to the model: a resize, the stem).
- ``forecast``: ``measures`` and ``scratch``, each {measure: {"point", "low", "high", "unit",
  "basis"}} with the forecaster's measure names (epochs, seconds, kwh, co2_kg, money...), plus
  ``interval`` (coverage, e.g. 0.8), ``source`` (calibration records), ``energy``, ``intensity`` (and
  ``intensity_g_per_kwh``), ``price`` (in words, whose it is: "0.3 EUR/kWh, example price, not yours"),
  ``coverage`` (``Coverage.to_dict``: how often held-out past runs fell inside their interval, or None),
  ``hardware``, ``extrapolated``, ``family_note`` (the sentence saying the records are of another
  model family, or None).
- ``schedule``: ``SchedulePlan.to_dict()`` (the names the CLI's ``schedule --json`` prints):
  ``provider``, ``zone``, ``kind`` ("forecast"|"measured"|"modeled"|"history-proxy"|"illustrative"),
  ``source`` (what the grid data is, in words), ``duration_s``, ``energy_kwh``, ``now``,
  ``best_start``/``best_end`` (ISO UTC), ``best_intensity_g_per_kwh``, ``now_intensity_g_per_kwh``,
  ``co2_best_kg``, ``co2_now_kg``, ``co2_saved_kg``, ``saved_pct``, ``note``, ``notes``, ``slots``;
  instead of every option, ``windows`` (the cleanest starts, [{"start", "end", "intensity_g_per_kwh",
  "co2_kg"}]), and ``series`` [{"time", "intensity_g_per_kwh"}]. Files saved before said ``data_kind``
  and ``label`` for ``kind`` and ``source``; ``Scenario.from_dict`` reads them as today's names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from resque_core.errors import ReportError
from resque_core.grid.base import iso_utc
from resque_core.jsonable import jsonable, strict_json
from resque_core.reporting.bounded_json import loads_bounded, read_bounded
from resque_core.units import unit_of

FORMAT = "resque-scenarios"
FORMAT_VERSION = 1
SECTIONS = ("index", "forecast", "schedule", "validation")
_OLD_SCHEDULE_KEYS = {"data_kind": "kind", "label": "source"}  # scenario files saved before SchedulePlan.to_dict


def _now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Scenario:
    """One what-if: its name, the inputs chosen, and the results they gave (None when not computed).

    Attributes:
        name: what the user called it ("gaussian noise 3, DE, A100").
        inputs: the choices that produced it (data, shift, checkpoint, layer, calibration, hardware,
            price, zone...), as plain values.
        index: the RESQUE index (see the module docstring for the layout).
        forecast: forecast measures with intervals, retraining and from scratch.
        schedule: the best start window and the CO2 it saves.
        validation: a measured retraining run, when one was made.
        created_utc: ISO 8601 time the scenario was saved.
    """

    name: str
    inputs: dict[str, Any] = field(default_factory=dict)
    index: dict[str, Any] | None = None
    forecast: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    validation: dict[str, Any] | None = None
    created_utc: str = field(default_factory=_now_utc)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ReportError("a scenario needs a non-empty name")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, JSON-able (non-finite floats become None)."""
        return _scenario_json(
            {
                "name": self.name,
                "created_utc": self.created_utc,
                "inputs": self.inputs,
                **{section: getattr(self, section) for section in SECTIONS},
            }
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scenario:
        """Rebuild a scenario from ``to_dict``'s output; raises ``ReportError`` on a malformed dict."""
        if not isinstance(d, dict) or "name" not in d:
            raise ReportError(f"a scenario must be an object with a 'name'; got {type(d).__name__}")
        for key in ("inputs", *SECTIONS):
            if d.get(key) is not None and not isinstance(d[key], dict):
                raise ReportError(f"scenario {d['name']!r}: '{key}' must be an object or null")
        sections = {section: d.get(section) for section in SECTIONS}
        sections["schedule"] = upgraded_schedule(sections["schedule"])
        return cls(
            name=str(d["name"]),
            inputs=dict(d.get("inputs") or {}),
            **sections,
            created_utc=str(d.get("created_utc") or _now_utc()),
        )

    def to_json(self) -> str:
        return strict_json(self.to_dict(), where="a scenario", indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        return cls.from_dict(_parse(text, "scenario"))

    def summary(self) -> dict[str, Any]:
        """One flat row for tables and CSV: headline figures with units in the column names."""
        row: dict[str, Any] = {"scenario": self.name}
        if self.index:
            row["index_kind"] = self.index.get("kind")
            row["index"] = self.index.get("value")
            row["index_noise_floor"] = self.index.get("noise_floor")
        measures = (self.forecast or {}).get("measures", {})
        for measure, figure in measures.items():  # measure names carry their unit (energy_kwh, co2_kg)
            row[measure] = figure.get("point")
            row[f"{measure}_low"] = figure.get("low")
            row[f"{measure}_high"] = figure.get("high")
        if (self.forecast or {}).get("family_note"):
            row["family_note"] = self.forecast["family_note"]
        if self.schedule:
            for key in ("provider", "zone", "kind", "best_start", "co2_now_kg", "co2_best_kg"):
                row[f"schedule_{key}" if not key.startswith("co2") else key] = self.schedule.get(key)
            row["co2_saved_kg"] = self.schedule.get("co2_saved_kg")
            row["co2_saved_pct"] = self.schedule.get("saved_pct")
        return row


def scenarios_to_json(scenarios: list[Scenario]) -> str:
    """A scenarios file: ``{"format": "resque-scenarios", "version": 1, "scenarios": [...]}``."""
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "scenarios": [s.to_dict() for s in scenarios]}
    return strict_json(doc, where="a scenarios file", indent=2, sort_keys=True)


def scenarios_from_json(text: str | bytes) -> list[Scenario]:
    """Parse a scenarios file (or a bare list of scenarios, or one scenario): the CLI's and the page's one path.

    Bytes (a file, an upload) are decoded as strict UTF-8; size and nesting are bounded (``bounded_json``).
    """
    doc = _parse(text, "scenarios file")
    if isinstance(doc, dict) and doc.get("format") == FORMAT:
        if doc.get("version") != FORMAT_VERSION:
            raise ReportError(f"scenarios file version {doc.get('version')!r} is not supported (expected 1)")
        doc = doc.get("scenarios")
    elif isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        raise ReportError("a scenarios file must hold a list of scenarios under 'scenarios'")
    scenarios = [Scenario.from_dict(d) for d in doc]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ReportError(f"scenario names must be unique; got {names}")
    return scenarios


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Read a scenarios JSON file (at most ``bounded_json.MAX_BYTES``); ``ReportError`` when missing or malformed."""
    return scenarios_from_json(read_bounded(path, "scenarios file", "scenarios"))


def _parse(text: str | bytes, what: str) -> Any:
    return loads_bounded(text, what, "scenarios")


def _scenario_json(obj: Any) -> Any:
    return jsonable(obj, "a scenario")


def index_section(report: Any) -> dict[str, Any]:
    """The ``index`` layout from a ``resque_core.index.compute.IndexReport``."""
    fields = (
        "kind",
        "value",
        "noise_floor",
        "per_class",
        "n_original",
        "n_new",
        "layer",
        "device",
        "seconds",
        "images_per_s",
        "precision",
        "notes",
    )
    return _scenario_json({name: getattr(report, name, None) for name in fields})


def forecast_section(forecast: Any, hardware: str | None = None) -> dict[str, Any]:
    """The ``forecast`` layout from a ``resque_core.forecast.forecaster.Forecast`` (every figure labeled modeled)."""
    source = forecast.source

    def figures(measures: Any) -> dict[str, Any]:
        out = {}
        for name, iv in measures.items():
            basis = "modeled"
            if name in ("kwh", "co2_kg", "money") and source.energy != "measured":
                basis = f"modeled; energy {source.energy}"
            unit = unit_of(name, source.currency)
            out[name] = {"point": iv.point, "low": iv.low, "high": iv.high, "unit": unit, "basis": basis}
        return out

    return _scenario_json(
        {
            "measures": figures(forecast.measures),
            "scratch": figures(forecast.scratch),
            "scratch_note": forecast.scratch_note(),
            "interval": forecast.level,
            "source": f"{source.records} ({forecast.n_records} runs)",
            "energy": f"{source.energy} ({source.energy_basis})",
            "intensity": source.intensity,
            "intensity_g_per_kwh": source.intensity_g_per_kwh,
            "price": getattr(source, "price", None),
            "coverage": forecast.coverage.to_dict() if getattr(forecast, "coverage", None) is not None else None,
            "hardware": hardware,
            "extrapolated": forecast.extrapolated,
            "family_note": getattr(forecast, "family_note", None),
            "signals": forecast.signals.sentence() if getattr(forecast, "signals", None) is not None else None,
            "benchmark": list(getattr(forecast, "benchmark", ())),
            "target": _target_line(forecast),
        }
    )


def _target_line(forecast: Any) -> str:
    """What the forecast's epochs run to, how many similar runs never got there, and why another target if so."""
    target = getattr(forecast, "target", None) or "each record's own target rule"
    line = f"target: {target}"
    unreached = getattr(forecast, "unreached", None)
    if unreached is not None:
        line += f"; {unreached.sentence()}"
    note = getattr(forecast, "target_note", None)
    return f"{line} ({note})" if note else line


def schedule_section(plan: Any, series: Any, top: int = 5) -> dict[str, Any]:
    """The ``schedule`` layout: ``SchedulePlan.to_dict()`` with its ``top`` cleanest windows, and the series.

    Every feasible start (``options``) is left out: ``windows`` keeps the ``top`` cleanest, and
    ``series`` the intensity points the plan was made from (``IntensitySeries``).
    """
    section = plan.to_dict()
    options = section.pop("options")
    section["windows"] = sorted(options, key=lambda o: (o["intensity_g_per_kwh"], o["start"]))[:top]
    section["series"] = [
        {"time": iso_utc(t), "intensity_g_per_kwh": v}
        for t, v in zip(series.starts, series.values_g_per_kwh, strict=True)
    ]
    return _scenario_json(section)


def upgraded_schedule(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """A schedule section in today's names (``kind``, ``source``), whatever version saved it.

    Files saved before ``SchedulePlan.to_dict`` wrote ``data_kind`` and ``label`` for those two.
    """
    if not section:
        return section
    out = dict(section)
    for old, new in _OLD_SCHEDULE_KEYS.items():
        if old in out:
            out.setdefault(new, out.pop(old))
    return out
