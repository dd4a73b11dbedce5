"""``python -m resque_core calibrate``: the default calibration (``--demo``) or self-calibration."""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

from resque_core.commands.calibrate_args import (
    add_calibrate_arguments,
    plateau_delta_from,
    self_calibration_from,
    sweep_config_from,
)
from resque_core.commands.calibration_output import (
    energy_summary,
    json_text,
    keep_unsaved,
    provenance,
    write_csv,
    write_provenance,
)
from resque_core.commands.model_args import model_source
from resque_core.commands.stop_signals import StopOnSignals
from resque_core.commands.sweep_args import SweepRun
from resque_core.errors import RetrainError

DEFAULT_OUT = pathlib.Path(__file__).resolve().parents[1] / "assets" / "calibration_default.csv"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "calibrate",
        help="retrain on simulated shifts and record the cost (the forecaster's calibration)",
        description="--demo: sweep the embedded digits (every shift type x levels x seeds, task splits, from-scratch "
        "runs). With --checkpoint and --original: self-calibrate on your own model and data; it exits 1 when it "
        "ends with too few records for the forecaster.",
    )
    add_calibrate_arguments(p)
    p.set_defaults(func=run, command_parser=p)  # the resume command is written from its flags


def run(args: argparse.Namespace) -> int:
    import torch

    from resque_core.calibration import campaigns as calibrate
    from resque_core.calibration.plan import needed_records
    from resque_core.calibration.progress import outcome
    from resque_core.energy.meters import CodecarbonMeter

    if args.family:
        from resque_core.commands.calibrate_family import run_families

        return run_families(args, plateau_delta_from(args.plateau_delta))
    if args.demo == bool(args.checkpoint or args.original):
        raise RetrainError("use either --demo, or --checkpoint PATH with --original SOURCE")
    if not args.demo and not (args.checkpoint and args.original):
        raise RetrainError("self-calibration needs both --checkpoint PATH and --original SOURCE")
    cfg = sweep_config_from(args)
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
            settings = self_calibration_from(args)
            meter = settings.meter()
            model = model_source(args)
            result = _self_calibrate(calibrate, model, args, settings, say, **sweep)
    sweep_facts = runner.close()
    out = pathlib.Path(args.out) if args.out else (DEFAULT_OUT if args.demo and not result.interrupted else None)
    if result.interrupted and not result.rows:
        return _interrupted(stop, 0, store, None, args.json)
    frame = calibrate.records_frame(result)
    summary = {**calibrate.summarize(frame), "energy": energy_summary(meter), **sweep_facts}
    if store is not None:  # runs the database refused go to --out, else to a recovery CSV beside it
        summary.update(keep_unsaved(result.unsaved, out, store.path, runner.sweep_id))
    if out is not None:  # a resumed sweep's --out holds all of it
        whole, curves = _whole_sweep(frame, calibrate.curves_frame(result), store, sweep_facts)
        write_csv(whole, out, curves=curves)
        prov = provenance(args, cfg, result, summary, started, load0, meter)
        prov["target_rule"] = sorted(frame["target_rule"].dropna().unique().tolist())  # the rule each record used
        write_provenance(prov, out)
    if result.interrupted:
        return _interrupted(stop, len(frame), store, out, args.json)
    if store is not None:
        summary["db"] = str(store.path)
    ending = outcome(result, needed_records())
    _report(summary, result, out, args.json, ending.message)
    return 0 if args.demo or ending.usable else _too_few(ending, needed_records())


def _too_few(ending, needed: int) -> int:
    """Exit 1 for a self-calibration the forecaster cannot use, saying how to get enough records."""
    print(
        f"error: the self-calibration kept {ending.usable_records} usable retraining records and the forecaster "
        f"needs {needed}: run it again with a larger --max-minutes or --max-cases, or more --shifts or --seeds "
        "(the command printed at its start continues this sweep)",
        file=sys.stderr,
    )
    return 1


def _whole_sweep(frame, curves, store, sweep_facts: dict) -> tuple:
    """A resumed sweep's records and curves: every record of its id in the database, not only this run's."""
    if not sweep_facts.get("runs_resumed") or store is None:
        return frame, curves
    stored = store.all()
    stored = stored[stored["sweep_id"] == sweep_facts["sweep_id"]].reset_index(drop=True)
    return stored, store.curves(stored["run_id"])


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


def _self_calibrate(calibrate, model, args: argparse.Namespace, settings, say, **sweep):
    """``self_calibrate`` on ``--original``, with a budget refusal that names this command's flag."""
    from resque_core.calibration.plan import BudgetTooSmall

    checks = {"class_map": args.class_map, "accept_low_accuracy": args.accept_low_accuracy}
    try:
        return calibrate.self_calibrate(model, args.original, settings, say, **checks, **sweep)
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
