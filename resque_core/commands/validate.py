"""``python -m resque_core validate``: really retrain the model on the new data here and measure it.

The dashboard's Validate page runs the same ``calibration.validation.validate``; with ``--record``
the run joins the local calibration history as the same record the page writes.
"""

from __future__ import annotations

import argparse
import sys

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
        "share held out to validate on) until its accuracy reaches the target (--target-acc or --target-drop; "
        "default within 2 points of the old model's clean accuracy) or the epoch cap is hit, metering energy with "
        "codecarbon, and show the forecast for the same target beside it. --record adds the run, with its "
        "evaluation curve, to your calibration history.",
    )
    add_model_arguments(p)
    add_data_arguments(p)
    add_precision_argument(p)
    p.add_argument("--seed", type=num.seed, default=0, help="seed of the split, the shift and the training order")
    p.add_argument(
        "--target-acc",
        type=float,
        metavar="T",
        help="retrain until the new-data accuracy reaches T (e.g. 0.95); the forecast beside the run is for the same T",
    )
    p.add_argument(
        "--target-drop",
        type=float,
        metavar="D",
        help="retrain until the new-data accuracy is within D of the old model's clean accuracy (default 0.02: "
        "2 points); not with --target-acc",
    )
    p.add_argument(
        "--records",
        default="default",
        metavar="SOURCE",
        help="the calibration records the run is compared with: a CSV, 'default' (shipped) or 'db' (the local "
        "store: your model family's runs when it holds several families); their forecast at the measured index, "
        "for the same target, is shown beside the run",
    )
    p.add_argument("--max-epochs", type=int, default=30, help="epoch cap (the run is censored there; default 30)")
    p.add_argument(
        "--base-acc",
        type=num.unit_interval,
        help="the old model's clean accuracy a --target-drop is counted from (default: the checkpoint's)",
    )
    p.add_argument("--no-energy", action="store_true", help="do not meter energy")
    p.add_argument("--country", default="DEU", help="country code (ISO2 or ISO3) of the grid for CO2 (default DEU)")
    p.add_argument("--record", action="store_true", help="add the run to the calibration history")
    p.add_argument("--db", metavar="PATH", help="the records database for --record (default: $RESQUE_DB or user data)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from resque_core.calibration.like_for_like import compare, records_cap_note
    from resque_core.calibration.model_forecast import forecast_for_model
    from resque_core.calibration.validation import LiveSettings, validate, validation_family, validation_record
    from resque_core.forecast.family import family_of
    from resque_core.forecast.pipeline import Evidence, FitSettings, choose_records
    from resque_core.forecast.pooling import family_runs
    from resque_core.forecast.targets import target_of
    from resque_core.index.compute import index_of, prepare_index
    from resque_core.index.request import IndexRequest

    if args.max_epochs < 1:
        raise RetrainError(f"--max-epochs must be >= 1; got {args.max_epochs}")
    target = target_of(args.target_acc, args.target_drop)
    given = None if args.records == "default" else choose_records(args.records)  # a bad file fails before training
    store = None
    if args.record:  # a database it cannot write to is refused before the model is even loaded
        from resque_core.forecast.records import RecordStore

        store = RecordStore(args.db).check()
    request = IndexRequest(
        model=model_source(args), **data_fields(args), seed=args.seed, max_points=0, precision=args.precision
    )
    loaded, pair = prepare_index(request)  # one load, one class check, one pair: the index's and the run's
    settings = _validation_settings(args, loaded.accuracy, target)
    target_acc = settings.target_acc()  # a drop target without a clean accuracy fails before training
    report = index_of(request, loaded, pair)
    family = family_of(loaded)
    records, pooling = family_runs(given or choose_records("default", family), family)
    fit = FitSettings(target=target)
    forecast = forecast_for_model(
        Evidence.of(report), records, loaded=loaded, settings=fit
    )  # the forecast command's answer
    say = _epoch_printer(args.json)
    if not args.json:
        print(f"retraining to {target.label} (accuracy {target_acc:.3f}); epoch cap {settings.max_epochs}",
              file=sys.stderr, flush=True)  # fmt: skip
    live = LiveSettings(f"validate {request.model.checkpoint} on {args.original}", prior=forecast, db=args.db)
    result = validate(loaded, pair.new, settings, progress=say, live=live)  # listed live by `runs` as it trains
    family = validation_family(loaded, pair.new, settings)
    record = validation_record(
        result, report, settings, model=request.model.checkpoint, dataset=str(args.original), family=family
    )
    row = record.to_row()
    if store is not None:
        store.add([record.store_row()])  # the record with its curve
        row["db"] = str(store.path)
    compared = compare(result, forecast, target, target_acc)
    notes = {"records_pooling": pooling, "records_cap": records_cap_note(records.frame, settings.max_epochs)}
    _print_result(args.json, row, report.value, compared, forecast, notes)
    return 0


def _validation_settings(args: argparse.Namespace, base_acc: float | None, target):
    """The run's ``ValidationSettings`` from the flags: retrain to ``target`` up to ``--max-epochs``."""
    from resque_core.calibration.validation import ValidationSettings

    return ValidationSettings(
        target=target,
        max_epochs=args.max_epochs,
        base_acc=args.base_acc if args.base_acc is not None else base_acc,
        seed=args.seed,
        head="new" if args.kind == "task" else "keep",
        measure_energy=not args.no_energy,
        country_iso=args.country,
    )


def _epoch_printer(as_json: bool):
    """Each epoch's validation accuracy, on stderr; None with ``--json`` (one JSON object is all it prints)."""
    return (
        (lambda e: print(f"epoch {e.epoch}: val acc {e.val_acc:.3f}", file=sys.stderr, flush=True))
        if not as_json
        else None
    )


def _print_result(as_json: bool, row: dict, index: float, compared, forecast, notes: dict) -> None:
    """The run beside its forecast: one JSON object with ``--json``, else a few lines. ``notes``: what the records
    pool (``records_pooling``) and where they stop short of this run's cap (``records_cap``), None where nothing."""
    if as_json:
        payload = {**row, **compared.to_dict(), "comparison": compared.rows(), "forecast": forecast.to_dict()}
        print(strict_json({**payload, **notes}))
    else:
        print(_summary(row, index, compared, forecast.family_note, [n for n in notes.values() if n]))


def _summary(row: dict, index: float, compared, family_note: str | None, notes: list[str]) -> str:
    from resque_core.units import co2_text, duration_text, energy_text, number_text

    epochs = f">= {number_text(row['epochs'])}" if row["censored"] else number_text(row["epochs"])
    lines = [
        f"RESQUE_{row['index_kind']} = {index:.4f}; retrained to {compared.heading}: {epochs} epochs "
        f"({'censored at the cap' if row['censored'] else 'target reached'})",
        f"time {duration_text(row['seconds'])}, energy {energy_text(row['kwh'])}, CO2 {co2_text(row['co2_kg'])}"
        + (f" ({row['energy_source']})" if row.get("energy_source") else ""),
        f"accuracy {row['start_acc']:.3f} at the start",
        f"forecast for {compared.forecast_target or '–'}, beside the run:",
    ]
    lines += [
        f"  {r['measure']}: forecast {r['forecast']} ({r['interval']}); measured {r['measured']}; "
        f"covered {r['covered']}"
        for r in compared.rows()
    ]
    lines += [note for note in (compared.note, *notes, family_note) if note]
    if "db" in row:
        lines.append(f"recorded in {row['db']}")
    return "\n".join(lines)
