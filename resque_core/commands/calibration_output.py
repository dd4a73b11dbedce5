"""What ``calibrate`` writes beside its records: the CSV as the shipped default keeps it, and the
provenance JSON (command, machine, versions, energy method, sweep settings, outcome)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import platform
import shlex
import sys

from resque_core.atomic_write import write_error, write_text

__all__ = ["command_line", "energy_note", "energy_summary", "json_text", "keep_unsaved", "provenance", "write_csv",
           "write_provenance"]  # fmt: skip


def write_csv(frame, path: pathlib.Path, setting: str | None = "out", curves=None) -> None:
    """The records as the shipped default keeps them, written whole or not at all (``atomic_write``); their
    ``curves`` (a curve frame), when given, beside them as ``NAME.curves.csv.gz`` (``forecast.curves``)."""
    frame = frame.copy()
    for column in ("censored", "shift_level", "seed", "max_epochs"):
        frame[column] = frame[column].astype("Int64")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(path, exc, setting) from exc
    write_text(path, frame.to_csv(index=False, float_format="%.8g"), setting=setting)
    if curves is not None:  # after the records: a disk that refuses them leaves both earlier files as they were
        from resque_core.forecast.curves import curves_path, write_curves_csv

        write_curves_csv(curves, curves_path(path), setting=setting)


def write_provenance(prov: dict, csv_path: pathlib.Path, setting: str | None = "out") -> None:
    """The provenance JSON beside the records CSV (same name, ``.json``), written whole or not at all."""
    write_text(csv_path.with_suffix(".json"), json_text(prov, indent=2) + "\n", setting=setting)


def keep_unsaved(rows: tuple[dict, ...], out: pathlib.Path | None, db: pathlib.Path, sweep_id: str) -> dict:
    """Finished runs the records database refused (locked past its busy timeout) kept where the user finds
    them: in ``out`` (which the command writes with every record of the sweep), else in a recovery CSV beside
    the database, with their curves beside it (``NAME.curves.csv.gz``). Says so in one line on stderr;
    returns the summary's ``unsaved_runs`` and ``unsaved_in``.
    """
    if not rows:
        return {}
    from resque_core.forecast.curves import carried_curves, split_curves
    from resque_core.forecast.records import validate_records

    where = out
    if where is None:
        where = db.with_name(f"{db.stem}.unsaved-{sweep_id}.csv")
        records = validate_records(split_curves(rows)[0], name="unsaved records")
        write_csv(records, where, curves=carried_curves(rows))
    print(f"{len(rows)} finished run{'s' * (len(rows) != 1)} could not be saved to the records database {db} "
          f"(it stayed locked): they are in {where}", file=sys.stderr)  # fmt: skip
    return {"unsaved_runs": len(rows), "unsaved_in": str(where)}


def provenance(args, cfg, result, summary: dict, started: float, load0: tuple, meter) -> dict:
    import torch

    from resque_core.calibration.metadata import cpu_model, versions_label

    return {
        "what": "default calibration records (one row per retraining run)" if args.demo else "self-calibration",
        "command": command_line(),
        "date": dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wall_s": round(result.wall_s, 1),
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "load_average_start": [round(v, 2) for v in load0],
            "load_average_end": [round(v, 2) for v in os.getloadavg()],
        },
        "versions": versions_label(),
        "energy": energy_note(meter),
        "sweep": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.__dict__.items()},
        "runs_planned": result.runs_planned,
        "runs_done": result.runs_done,
        "cases_planned": result.cases_planned,
        "cases_done": result.cases_done,
        "stopped_by_budget": result.stopped_by_budget,
        "notes": list(result.notes),
        "summary": summary,
    }


def command_line() -> str:
    """The command line as typed (``python -m resque_core ...``), or a note when called from Python."""
    argv = list(getattr(sys, "orig_argv", []))
    if "-m" in argv and argv[argv.index("-m") + 1 : argv.index("-m") + 2] == ["resque_core"]:
        return "python " + shlex.join(argv[argv.index("-m") :])
    return "called from Python: resque_core.cli.main(...)"


def json_text(obj, **dumps) -> str:
    """Strict JSON (RFC 8259): a number that is not finite (an unmetered kWh) becomes null, never NaN."""
    from resque_core.jsonable import jsonable

    return json.dumps(jsonable(obj, "the calibration summary"), allow_nan=False, **dumps)


def energy_summary(meter) -> str:
    """The summary's word on energy: why kWh and CO2 may be null."""
    if meter is None:
        return "not measured (--no-energy): kWh and CO2 are null"
    return "metered by codecarbon (an estimate where there are no power counters; see energy_source)"


def energy_note(meter) -> str:
    if meter is None:
        return "not measured"
    return (
        f"codecarbon OfflineEmissionsTracker, country {meter.country_iso_code}, tracking_mode {meter.tracking_mode}. "
        "Where codecarbon finds no RAPL/NVML it ESTIMATES: CPU power = TDP table x load (its generic 4 W per "
        "thread for an unlisted CPU), RAM at a fixed wattage; energy_source says which applied to each row. "
        "Evaluation passes made only to count epochs finely are excluded from seconds and kWh."
    )
