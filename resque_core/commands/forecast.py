"""``python -m resque_core forecast``: retraining cost at an index value, with prediction intervals."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from resque_core.commands import number_args as num
from resque_core.commands.class_map_arg import add_class_map_argument
from resque_core.commands.cost_args import add_energy_arguments, add_price_arguments, cost_settings
from resque_core.commands.deprecated import DeprecatedAlias
from resque_core.commands.forecast_output import report_dict, summary
from resque_core.commands.index import add_accept_argument
from resque_core.commands.model_args import add_model_arguments, model_source, original_data
from resque_core.commands.target_args import add_target_arguments, target_from

CURVES = ("auto", "constant", "linear", "loglinear", "isotonic")
ADVICE_HINT = "advice: --advice sizes a self-calibration on your model and prints its command (it times a few steps)"

# Why a fit figure can be NaN, for the ``null_reasons`` of ``--json`` (see ``resque_core.jsonable.strict_json``).
NULL_REASONS = {
    "fit_report.spearman_epochs": "undefined: the records' epochs do not vary",
    "fit_report.heldout_mae_epochs": "no held-out check: a held-out fold has too few records to refit",
    "fit_report.heldout_coverage_epochs": "no held-out check: a held-out fold has too few records to refit",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "forecast",
        help="forecast retraining cost (epochs, kWh, CO2, money) from a RESQUE index",
        description="Fit the calibration records and forecast every retraining measure at one index value, "
        "each with a jackknife+ prediction interval, beside the cost of training from scratch.",
    )
    _evidence_arguments(parser)
    parser.add_argument(
        "--records",
        default="default",
        metavar="PATH|default|db",
        help="calibration records: a CSV, 'default' (shipped: your model family's when the library has it) or "
        "'db' (the local store at $RESQUE_DB)",
    )
    add_energy_arguments(parser)
    model = parser.add_argument_group(
        "your model: --probe trains it, and the forecast says when the records are of another model family "
        "(default: the shipped digits CNN)"
    )
    add_model_arguments(model)
    parser.add_argument(
        "--data",
        help="your model's original data: --probe trains on its new part (needed with your own --checkpoint; "
        "the default model's is the digits)",
    )
    add_class_map_argument(parser, "--data")
    add_accept_argument(parser)
    parser.add_argument(
        "--probe-steps", type=num.at_least(1, 10**5), default=20, help="training steps per probe round (default 20)"
    )
    parser.add_argument(
        "--advice",
        action="store_true",
        help="for a model of a family the calibration library lacks: size a self-calibration on it and print the "
        "command (times a few training steps of your model: seconds to a minute)",
    )
    add_price_arguments(parser)
    _fit_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    parser.set_defaults(func=run)
    parser.error = _one_line_error  # type: ignore[method-assign]


def _evidence_arguments(parser: argparse.ArgumentParser) -> None:
    """What is known of the new data: the index and the other signals (``forecast.pipeline.Evidence``)."""
    parser.add_argument(
        "--index",
        type=num.index_value,
        required=True,
        help="the RESQUE index value, e.g. 0.12 (label-free with --labels predicted)",
    )
    parser.add_argument(
        "--acc-drop",
        type=num.signed_share,
        metavar="D",
        help="the old model's clean accuracy minus its accuracy on the new data, as a share (0.12 = 12 points); "
        "`index` prints it. The forecast uses it when it forecasts better held out",
    )
    parser.add_argument(
        "--mean-conf",
        type=num.unit_interval,
        metavar="C",
        help="the old model's mean max-softmax probability on the new data, in [0, 1] (`index` prints it)",
    )
    parser.add_argument(
        "--labels",
        choices=("given", "predicted"),
        default="given",
        help="given (default): --index is the labelled index; predicted: the new data has no labels, --index is "
        "the label-free one (`index --labels predicted`) and only label-free signals are used",
    )
    parser.add_argument("--kind", choices=("dist", "task"), default="dist", help="index kind (default dist)")
    parser.add_argument("--shift-type", metavar="NAME", help="use that shift type's own curves (a known kind of shift)")


def _fit_arguments(parser: argparse.ArgumentParser) -> None:
    """How the forecaster is fitted (``forecast.pipeline.FitSettings``)."""
    parser.add_argument("--level", type=num.coverage, default=0.8, help="interval coverage (default 0.8)")
    parser.add_argument(
        "--method", choices=("jackknife+", "cv+", "group-cv+"), default="jackknife+", help="interval method"
    )
    parser.add_argument("--curve", choices=CURVES, default="auto", help="curve family of index -> cost (default auto)")
    parser.add_argument(
        "--model",
        dest="curve",
        choices=CURVES,
        action=DeprecatedAlias,
        help=argparse.SUPPRESS,  # the old name of --curve, kept for one release
    )
    add_target_arguments(parser)


def _one_line_error(message: str) -> NoReturn:
    print(f"error: {message} (see 'python -m resque_core forecast --help')", file=sys.stderr)
    sys.exit(2)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict, replace

    from resque_core.forecast.family import family_of, is_carried
    from resque_core.forecast.pipeline import Evidence, FitSettings, choose_records, fitted, make_forecast
    from resque_core.forecast.pooling import family_runs
    from resque_core.jsonable import strict_json

    num.check_index(args.index, args.kind)
    settings = cost_settings(args)  # bad combinations fail before anything is fitted or probed
    args.data = original_data(args, trains=settings.energy == "probe" or args.advice)
    given = None if args.records == "default" else choose_records(args.records)  # a bad file fails before the model
    loaded = _model(args) if settings.energy in ("probe", "flops") or args.checkpoint != "default" else None
    family = family_of(loaded) if loaded is not None else None
    records = given or choose_records("default", family)  # the model's family's records, when shipped
    records, pooling = family_runs(records, family)  # several families: the model's own, or a line naming them
    fit = FitSettings(level=args.level, method=args.method, curve=args.curve, target=target_from(args))
    forecaster = fitted(records, args.kind, fit)
    probe = _probe(args, loaded) if settings.energy == "probe" else None
    if settings.energy == "flops" and settings.images is None:
        settings = replace(settings, images=_records_images(records))
    evidence = Evidence(
        index=args.index,
        kind=args.kind,
        labels=args.labels,
        acc_drop=args.acc_drop,
        mean_conf=args.mean_conf,
        shift_type=args.shift_type,
    )
    if loaded is None:  # no model of the user's: the records' answer (and no torch imported for it)
        forecast = make_forecast(evidence, records, settings, probe=probe, settings=fit)
    else:
        from resque_core.calibration.model_forecast import forecast_for_model

        forecast = forecast_for_model(evidence, records, settings, probe=probe, loaded=loaded, settings=fit)
    forecast, advice = _unknown_model(args, loaded, forecast) if args.advice else (forecast, None)
    if args.json:
        payload = forecast.to_dict()
        payload["unknown_model"] = advice.to_dict() if advice is not None else None
        payload["fit_report"] = None if is_carried(forecast) else report_dict(forecaster.fit_report_)
        payload["probe"] = asdict(probe) if probe is not None else None
        payload["records_pooling"] = pooling
        print(strict_json(payload, reasons=NULL_REASONS, indent=2))
        return 0
    labels = args.labels
    index_range = forecaster.type_ranges_[args.shift_type] if args.shift_type else forecaster.index_range(labels)
    print(summary(forecast, forecaster.fit_report_, index_range))
    if pooling:
        print(pooling)
    if forecast.family_note and not args.advice:
        print(ADVICE_HINT)
    if probe is not None:
        print(probe.summary())
    return 0


def _unknown_model(args: argparse.Namespace, loaded: Any, forecast: Any) -> tuple[Any, Any]:
    """``calibration.unknown_model.with_unknown_model_note`` for ``--checkpoint`` and ``--data`` (``--advice``)."""
    if not forecast.family_note:
        return forecast, None
    from resque_core.calibration.unknown_model import DataChecks, with_unknown_model_note
    from resque_core.data import open_source

    checks = DataChecks(args.class_map, args.accept_low_accuracy)  # the command repeats them, as the user named all
    return with_unknown_model_note(forecast, loaded, open_source(args.data), model_source(args), args.data, checks)


def _records_images(records: Any) -> int:
    """Images per epoch for ``--profile`` without ``--images``: the records' training images (their median)."""
    from resque_core.errors import EnergyError

    known = records.frame["n_train"].dropna() if "n_train" in records.frame else []
    if not len(known):
        raise EnergyError("the records do not say how many images an epoch runs over: give --images")
    return int(known.median())


def _model(args: argparse.Namespace) -> Any:
    """The ``--checkpoint`` model; its input spec, when the file has none, read from ``--data`` (when given)."""
    from resque_core.data import open_source

    return model_source(args).load(data=(lambda: open_source(args.data)) if args.data else None)


def _probe(args: argparse.Namespace, loaded: Any) -> Any:
    """kWh and seconds per epoch from a training probe of ``--checkpoint`` on the new part of ``--data``'s pair
    (``retraining.probe_model.probe_epoch``: the Forecast page's probe), repeated until stable."""
    from resque_core.index.compute import prepare_index
    from resque_core.index.request import IndexRequest
    from resque_core.retraining.probe_model import probe_epoch

    def progress(done: int, most: int) -> None:
        print(f"probe: round {done} (at most {most})", file=sys.stderr, flush=True)

    data = {"original": args.data, "class_map": args.class_map, "accept_low_accuracy": args.accept_low_accuracy}
    request = IndexRequest(model=model_source(args), **data)
    _, pair = prepare_index(request, loaded=loaded)
    return probe_epoch(loaded, pair, steps=args.probe_steps, progress=progress)
