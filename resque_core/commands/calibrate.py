"""``python -m resque_core calibrate``: the default calibration (``--demo``) or self-calibration."""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

from resque_core.commands.calibration_output import energy_summary, json_text, provenance, write_csv
from resque_core.commands.class_map_arg import add_class_map_argument
from resque_core.commands.model_args import add_model_arguments, model_source
from resque_core.commands.stop_signals import StopOnSignals
from resque_core.commands.sweep_args import SweepRun, add_sweep_arguments
from resque_core.errors import RetrainError

RULE_CHOICES = ("reachable", "case", "plateau", "base-minus")  # calibration.config.SWEEP_RULES, not imported for --help

DEFAULT_OUT = pathlib.Path(__file__).resolve().parents[1] / "assets" / "calibration_default.csv"
DEMO_MINUTES = 28.0  # the demo must finish within 30 minutes on a 2-core machine


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "calibrate",
        help="retrain on simulated shifts and record the cost (the forecaster's calibration)",
        description="--demo: sweep the embedded digits (every shift type x levels x seeds, task splits, from-scratch "
        "runs). With --checkpoint and --original: self-calibrate on your own model and data.",
    )
    p.add_argument("--demo", action="store_true", help="the default calibration on the embedded digits")
    p.add_argument(
        "--family",
        metavar="NAME|all",
        help="regenerate a family of the calibration library (digits-cnn, shapes-resnet, digits-mlp, or all) into "
        "resque_core/assets/calibration/NAME.csv (--out: a folder); its own levels and epoch caps, 28 min each",
    )
    p.add_argument(
        "--original", metavar="SOURCE", help="its original data: digits, a folder, .zip, .npz, torchvision:NAME"
    )
    add_model_arguments(p.add_argument_group("your model (self-calibration)"), default=None)
    add_class_map_argument(p, "--original")
    p.add_argument(
        "--shifts",
        default=None,
        help="TYPE:LEVEL list (self-calibration; default ten: gaussian_noise, gaussian_blur and contrast at "
        "several levels; the plan takes the first ones that fit)",
    )
    p.add_argument(
        "--plan",
        default="auto",
        choices=("auto", "fixed"),
        help="self-calibration: auto (default) times a few steps first and picks the shifts, seeds, epoch caps "
        "and data fraction that fit --max-minutes with the 8 records the forecaster needs; fixed runs them as given",
    )
    p.add_argument("--types", nargs="+", default=None, help="demo shift types (default: the first eight)")
    p.add_argument("--levels", default="1-5", help="demo levels, e.g. 1-5 or 1,3,5")
    p.add_argument("--no-tasks", action="store_true", help="demo without the task splits")
    p.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="repetitions per case (demo 3; self-calibration at most 2 with --plan auto)",
    )
    p.add_argument("--data-fraction", type=float, default=1.0, help="share of the original data to use")
    p.add_argument("--max-epochs", type=int, default=30, help="cap per retraining run (censored beyond; default 30)")
    p.add_argument("--scratch-epochs", type=int, default=30, help="budget of each from-scratch run (default 30)")
    p.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget; stops cleanly (demo: 28)")
    p.add_argument("--max-cases", type=int, default=None, help="count budget: stop after this many cases (default all)")
    p.add_argument(
        "--target-rule",
        default="reachable",
        choices=RULE_CHOICES,
        help="when a retraining run counts as done (default reachable: min(base-2pt, 0.97*max(scratch, finetune)), "
        "finetune being the run's own best; case: one target per shift, 0.97*max(scratch, first seed's best "
        "- 2se), which left more seed noise in bench/target_rules.py)",
    )
    p.add_argument(
        "--plateau-delta",
        default="2se",
        help="plateau band in accuracy (0..1), or 2se: two standard errors of the validation accuracy (default)",
    )
    p.add_argument("--plateau-patience", type=int, default=8, help="evaluations that must stay in the band (default 8)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest for the small CNN)")
    p.add_argument(
        "--country", default="DEU", help="country code (ISO2 or ISO3) of the grid for CO2 (annual average; default DEU)"
    )
    p.add_argument("--tracking-mode", default="process", choices=("process", "machine"), help="codecarbon mode")
    p.add_argument("--no-energy", action="store_true", help="do not measure energy")
    p.add_argument(
        "--out", metavar="PATH.csv", help="records CSV (demo default: resque_core/assets/calibration_default.csv)"
    )
    p.add_argument("--db", metavar="PATH", help="also store the records in this SQLite records database")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_sweep_arguments(p)
    p.set_defaults(func=run)


def _levels(text: str) -> list[int]:
    try:
        if "-" in text:
            lo, hi = (int(v) for v in text.split("-", 1))
            return list(range(lo, hi + 1))
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise RetrainError(f"--levels must look like 1-5 or 1,3,5, not {text!r}") from exc


def _config(args: argparse.Namespace):
    """The sweep the arguments ask for (the demo's, or self-calibration's from ``_settings``)."""
    from resque_core.calibration.cases import DEMO_TASK_SPLITS
    from resque_core.calibration.config import SweepConfig
    from resque_core.data import ShiftSpec
    from resque_core.data.shift_spec import FIRST_TYPES

    _check_budgets(args)
    if not args.demo:
        return _settings(args).sweep_config()
    types = args.types or list(FIRST_TYPES)  # the library's families (--family) run the newer types too
    return SweepConfig(
        shifts=tuple(str(ShiftSpec(t, lv)) for t in types for lv in _levels(args.levels)),
        task_splits=() if args.no_tasks else DEMO_TASK_SPLITS,
        seeds=tuple(range(3 if args.seeds is None else args.seeds)),
        max_epochs=args.max_epochs,
        scratch_epochs=args.scratch_epochs,
        data_fraction=args.data_fraction,
        target_rule=args.target_rule,
        plateau_delta=_plateau_delta(args.plateau_delta),
        plateau_patience=args.plateau_patience,
        max_minutes=args.max_minutes if args.max_minutes is not None else DEMO_MINUTES,
        max_cases=args.max_cases,
    )


def _settings(args: argparse.Namespace):
    """Self-calibration's settings: ``SelfCalibration``'s defaults, with what the arguments set."""
    from resque_core.calibration.config import SelfCalibration
    from resque_core.data import ShiftSpec

    _check_budgets(args)
    given = {
        "seeds": args.seeds,
        "max_epochs": args.max_epochs,
        "scratch_epochs": args.scratch_epochs,
        "max_minutes": args.max_minutes,
        "max_cases": args.max_cases,
        "data_fraction": args.data_fraction,
        "target_rule": args.target_rule,
        "plateau_delta": _plateau_delta(args.plateau_delta),
        "plateau_patience": args.plateau_patience,
        "measure_energy": not args.no_energy,
        "country_iso": args.country,
        "tracking_mode": args.tracking_mode,
        "plan": args.plan,
    }
    if args.shifts:
        given["shifts"] = tuple(str(ShiftSpec.parse(s)) for s in args.shifts.split(",") if s.strip())
    return SelfCalibration(**{k: v for k, v in given.items() if v is not None})


def _check_budgets(args: argparse.Namespace) -> None:
    seeds = 1 if args.seeds is None else args.seeds
    if min(seeds, args.max_epochs, args.scratch_epochs, args.threads) < 1 or not 0 < args.data_fraction <= 1:
        raise RetrainError(
            "--seeds, --max-epochs, --scratch-epochs and --threads must be >= 1 and --data-fraction in (0, 1]"
        )
    if args.max_minutes is not None and args.max_minutes <= 0:
        raise RetrainError("--max-minutes must be positive")
    if args.max_cases is not None and args.max_cases < 1:
        raise RetrainError("--max-cases must be >= 1")
    if args.plateau_patience < 2:
        raise RetrainError("--plateau-patience must be >= 2")


def _plateau_delta(text: str) -> float | None:
    """None for "2se" (the noise-aware band), else an accuracy band in (0, 1)."""
    if text.strip().lower() == "2se":
        return None
    try:
        delta = float(text)
    except ValueError as exc:
        raise RetrainError(f"--plateau-delta must be 2se or an accuracy band like 0.02, not {text!r}") from exc
    if not 0 < delta < 1:
        raise RetrainError(f"--plateau-delta must be in (0, 1), not {delta:g}")
    return delta


def run(args: argparse.Namespace) -> int:
    import torch

    from resque_core.calibration import campaigns as calibrate
    from resque_core.calibration.plan import needed_records
    from resque_core.calibration.progress import outcome
    from resque_core.retraining.meters import CodecarbonMeter

    if args.family:
        from resque_core.commands.calibrate_family import run_families

        return run_families(args, _plateau_delta(args.plateau_delta))
    if args.demo == bool(args.checkpoint or args.original):
        raise RetrainError("use either --demo, or --checkpoint PATH with --original SOURCE")
    if not args.demo and not (args.checkpoint and args.original):
        raise RetrainError("self-calibration needs both --checkpoint PATH and --original SOURCE")
    cfg = _config(args)
    store = _checked_store(args)  # a database it cannot write to is refused before anything runs
    runner = SweepRun(args, store)
    torch.set_num_threads(args.threads)
    say = (lambda event: print(event.line(), file=sys.stderr, flush=True)) if not args.json else None
    say, started, load0 = runner.progress(say), time.time(), os.getloadavg()
    runner.announce()
    with StopOnSignals() as stop:
        sweep = {"on_rows": runner.on_rows, "should_stop": stop.requested, "executor": runner.executor}
        if args.demo:
            meter = None if args.no_energy else CodecarbonMeter(args.country, tracking_mode=args.tracking_mode)
            result = calibrate.demo_sweep(cfg, meter, say, **sweep)
        else:
            settings = _settings(args)
            meter = settings.meter()
            model = model_source(args)
            result = _self_calibrate(calibrate, model, args.original, settings, say, args.class_map, **sweep)
    sweep_facts = runner.close()
    out = pathlib.Path(args.out) if args.out else (DEFAULT_OUT if args.demo and not result.interrupted else None)
    if result.interrupted and not result.rows:
        return _interrupted(stop, 0, store, None, args.json)
    frame = calibrate.records_frame(result)
    summary = {**calibrate.summarize(frame), "energy": energy_summary(meter), **sweep_facts}
    if out is not None:
        write_csv(frame, out)
        prov = provenance(args, cfg, result, summary, started, load0, meter)
        prov["target_rule"] = sorted(frame["target_rule"].dropna().unique().tolist())  # the rule each record used
        out.with_suffix(".json").write_text(json_text(prov, indent=2) + "\n")
    if result.interrupted:
        return _interrupted(stop, len(frame), store, out, args.json)
    if store is not None:
        summary["db"] = str(store.path)
    _report(summary, result, out, args.json, outcome(result, needed_records()).message)
    return 0


def _checked_store(args: argparse.Namespace):
    """The records database this run writes each finished run to (``--db``; self-calibration: always), checked."""
    if not (args.db or not args.demo):
        return None
    from resque_core.forecast.records import RecordStore

    return RecordStore(args.db).check()


def _interrupted(stop: StopOnSignals, finished: int, store, out, as_json: bool) -> int:
    """One line on stderr (and one JSON object with --json) saying what a stopped calibration kept, and where."""
    places = [str(p) for p in (store.path if store is not None else None, out) if p is not None]
    runs = f"{finished} finished run{'s' * (finished != 1)}"
    if places or not finished:
        kept = f"{runs} kept" + (f" in {' and '.join(places)}" if places else "")
    else:  # a demo without --db or --out: its default output is the shipped calibration, kept whole
        kept = f"{runs} not saved (a partial demo does not replace the shipped calibration; give --out or --db)"
    print(f"interrupted by {stop.name}: {kept}; the run in progress was abandoned", file=sys.stderr)
    if as_json:
        summary = {"interrupted": stop.name, "runs_kept": finished if places else 0}
        print(json_text({**summary, "db": str(store.path) if store else None, "out": str(out) if out else None}))
    return stop.exit_code


def _self_calibrate(calibrate, model, original: str, settings, say, class_map: str | None, **sweep):
    """``self_calibrate``, with a budget refusal that names this command's flag."""
    from resque_core.calibration.plan import BudgetTooSmall

    try:
        return calibrate.self_calibrate(model, original, settings, say, class_map=class_map, **sweep)
    except BudgetTooSmall as exc:
        raise RetrainError(f"{exc} (--max-minutes {exc.needed_minutes})") from exc


def _report(summary: dict, result, out, as_json: bool, ending: str) -> None:
    summary = {
        **summary,
        "outcome": ending,
        "wall_s": round(result.wall_s, 1),
        "stopped_by_budget": result.stopped_by_budget,
        "notes": list(result.notes),
        "out": str(out) if out else None,
    }
    if as_json:
        print(json_text(summary))
        return
    print(
        f"{summary['runs']} records ({summary['retrain_runs']} retrain, {summary['scratch_runs']} scratch), "
        f"{summary['censored']} censored, {result.wall_s / 60:.1f} min" + (f" -> {out}" if out else "")
    )
    for kind, s in summary["per_type"].items():
        print(
            f"  {kind:16s} runs {s['runs']:3d}  censored {s['censored']:2d}  index {s['index'][0]:.4f}-"
            f"{s['index'][1]:.4f}  epochs {s['epochs'][0]:.2f}-{s['epochs'][1]:.2f}"
        )
    print(f"  from scratch cost more epochs than retraining for {summary['scratch_costlier']}")
    for note in result.notes:
        print(f"  note: {note}")
    print(ending)
