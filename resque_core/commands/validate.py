"""``python -m resque_core validate``: really retrain the model on the new data here and measure it.

The dashboard's Validate page runs the same ``calibration.validation.validate``; with ``--record``
the run joins the local calibration history as the same record the page writes.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from resque_core.commands import number_args as num
from resque_core.commands.index import add_data_arguments, add_precision_argument, data_fields
from resque_core.commands.model_args import add_model_arguments, model_source
from resque_core.errors import RetrainError
from resque_core.jsonable import strict_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate",
        help="really retrain the model on the new data and measure epochs, time and energy",
        description="Compute the index of the new data, then retrain a copy of the model on it (a stratified "
        "share held out to validate on) until the target rule is met or the epoch cap is hit, metering "
        "energy with codecarbon. --record adds the run to your calibration history.",
    )
    add_model_arguments(p)
    add_data_arguments(p)
    add_precision_argument(p)
    p.add_argument("--seed", type=num.seed, default=0, help="seed of the split, the shift and the training order")
    p.add_argument(
        "--rule",
        choices=("auto", "plateau", "base-minus"),
        default="auto",
        help="auto (default): the stopping rule of the --records the forecast is fitted on, so the epochs compare "
        "like with like (plateau where one run cannot reproduce it); plateau: until validation accuracy stops "
        "improving; base-minus: until it reaches --base-acc minus --tolerance",
    )
    p.add_argument(
        "--records",
        default="default",
        metavar="SOURCE",
        help="the calibration records the run is compared with: a CSV, 'default' (shipped) or 'db' (the local "
        "store); their forecast at the measured index is shown beside the run",
    )
    p.add_argument("--max-epochs", type=int, default=10, help="epoch cap (the run is censored there; default 10)")
    p.add_argument(
        "--tolerance",
        type=num.unit_interval,
        help="accuracy points below --base-acc (base-minus; default the records' or 0.02)",
    )
    p.add_argument(
        "--base-acc", type=num.unit_interval, help="base accuracy (default: the checkpoint's, base-minus only)"
    )
    p.add_argument("--no-energy", action="store_true", help="do not meter energy")
    p.add_argument("--country", default="DEU", help="country code (ISO2 or ISO3) of the grid for CO2 (default DEU)")
    p.add_argument("--record", action="store_true", help="add the run to the calibration history")
    p.add_argument("--db", metavar="PATH", help="the records database for --record (default: $RESQUE_DB or user data)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from resque_core.calibration.model_forecast import forecast_for_model
    from resque_core.calibration.validation import (
        comparison,
        records_rule,
        validate,
        validation_family,
        validation_record,
    )
    from resque_core.forecast.family import family_of
    from resque_core.forecast.pipeline import Evidence, choose_records
    from resque_core.index.compute import index_of, prepare_index
    from resque_core.index.request import IndexRequest

    if args.max_epochs < 1:
        raise RetrainError(f"--max-epochs must be >= 1; got {args.max_epochs}")
    given = None if args.records == "default" else choose_records(args.records)  # a bad file fails before training
    store = None
    if args.record:  # a database it cannot write to is refused before the model is even loaded
        from resque_core.forecast.records import RecordStore

        store = RecordStore(args.db).check()
    request = IndexRequest(
        model=model_source(args),
        **data_fields(args),
        seed=args.seed,
        max_points=0,
        precision=args.precision,
    )
    loaded, pair = prepare_index(request)  # one load, one class check, one pair: the index's and the run's
    report = index_of(request, loaded, pair)
    family = family_of(loaded)
    records = given or choose_records("default", family)  # the model's family's, if shipped
    forecast = forecast_for_model(Evidence.of(report), records, loaded=loaded)  # the forecast command's answer
    rule = records_rule(records.frame, report.kind)
    settings, rule_note = _validation_settings(args, loaded.accuracy, rule)
    say = _epoch_printer(args.json)
    if not args.json:
        print(f"{rule_note}; epoch cap {settings.max_epochs}", file=sys.stderr, flush=True)
    result = validate(loaded, pair.new, settings, progress=say)
    family = validation_family(loaded, pair.new, settings)
    record = validation_record(
        result, report, settings, model=request.model.checkpoint, dataset=str(args.original), family=family
    )
    row = record.to_row()
    if store is not None:
        store.add([record.store_row()])  # the record with its curve
        row["db"] = str(store.path)
    rows = comparison(result, forecast, rule)
    _print_result(args.json, row, report.value, rows, rule_note, forecast)
    return 0


def _validation_settings(args: argparse.Namespace, base_acc: float | None, rule) -> tuple:
    """The run's ``ValidationSettings`` from the flags, and a sentence on its stopping rule.

    ``--rule auto`` takes the stopping rule ``rule`` of the records the forecast is fitted on (``records_rule``).
    """
    from resque_core.calibration.validation import ValidationSettings, rule_for_records

    settings = ValidationSettings(
        target_rule="plateau" if args.rule == "auto" else args.rule,
        max_epochs=args.max_epochs,
        tolerance=0.02 if args.tolerance is None else args.tolerance,
        base_acc=args.base_acc if args.base_acc is not None else base_acc,
        seed=args.seed,
        head="new" if args.kind == "task" else "keep",
        measure_energy=not args.no_energy,
        country_iso=args.country,
    )
    if args.rule == "auto":
        settings, rule_note = rule_for_records(rule, settings)
        if args.tolerance is not None:
            settings = replace(settings, tolerance=args.tolerance)
    else:
        rule_note = f"this run stops by {args.rule}, as asked"
    if settings.target_rule == "base-minus" and settings.base_acc is None:
        raise RetrainError(
            "the base-minus rule stops at the model's base accuracy minus --tolerance, and this checkpoint records "
            "no accuracy: give it with --base-acc (e.g. 0.95), or use --rule plateau"
        )
    return settings, rule_note


def _epoch_printer(as_json: bool):
    """Each epoch's validation accuracy, on stderr; None with ``--json`` (one JSON object is all it prints)."""
    return (
        (lambda e: print(f"epoch {e.epoch}: val acc {e.val_acc:.3f}", file=sys.stderr, flush=True))
        if not as_json
        else None
    )


def _print_result(as_json: bool, row: dict, index: float, rows: list[dict], rule_note: str, forecast) -> None:
    """The run beside its forecast: one JSON object with ``--json``, else a few lines."""
    if as_json:
        payload = {**row, "rule_note": rule_note, "comparison": rows, "forecast": forecast.to_dict()}
        print(strict_json(payload))
    else:
        print(_summary(row, index, rows, rule_note, forecast.family_note))


def _summary(row: dict, index: float, rows: list[dict], rule_note: str, family_note: str | None) -> str:
    from resque_core.units import co2_text, duration_text, energy_text, number_text

    epochs = f">= {number_text(row['epochs'])}" if row["censored"] else number_text(row["epochs"])
    lines = [
        f"RESQUE_{row['index_kind']} = {index:.4f}; retrained until {row['target_rule']}: {epochs} epochs "
        f"({'censored at the cap' if row['censored'] else 'target reached'})",
        f"time {duration_text(row['seconds'])}, energy {energy_text(row['kwh'])}, CO2 {co2_text(row['co2_kg'])}"
        + (f" ({row['energy_source']})" if row.get("energy_source") else ""),
        f"accuracy {row['start_acc']:.3f} at the start; target {number_text(row['target_acc'])}",
    ]
    lines.append(f"stopping rule: {rule_note}")
    lines += [
        f"  {r['measure']}: measured {r['measured']}; forecast {r['forecast (modeled)']} ({r['interval']})"
        for r in rows
    ]
    if family_note:
        lines.append(family_note)
    if "db" in row:
        lines.append(f"recorded in {row['db']}")
    return "\n".join(lines)
