"""``python -m resque_core calibrate --family NAME|all``: regenerate the calibration library's records.

Each family (``calibration.library.FAMILIES``) runs its own sweep (its shift types, levels, seeds and
epoch caps; ``--seeds``, ``--types`` and the target-rule flags override) within ``--max-minutes``
(default 28 per family), and writes ``resque_core/assets/calibration/<family>.csv`` (or into the
folder ``--out``) with a provenance JSON beside it. A stopped or budget-cut run keeps what it has:
an interrupted family writes nothing over the shipped file (give ``--db`` to keep its runs). Run again
with the same ``--db``, a family's sweep resumes: the cases the database holds records of (that family's
model) are kept, the rest run, and its CSV holds all of them. ``--executor ray`` runs the cases on Ray.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time
from dataclasses import asdict

from resque_core.commands.calibration_output import (
    energy_summary,
    json_text,
    keep_unsaved,
    provenance,
    write_csv,
    write_provenance,
)
from resque_core.errors import RetrainError

FAMILY_MINUTES = 28.0  # each family's sweep must finish within 30 minutes on a 2-core machine


def run_families(args: argparse.Namespace, plateau_delta: float | None) -> int:
    """Run the sweep of ``args.family`` (or of every family with "all"); one summary per family.

    ``plateau_delta``: ``--plateau-delta`` as ``calibrate`` parsed it (None: two standard errors).
    """
    import torch

    from resque_core.calibration.library import FAMILIES, get_family
    from resque_core.commands.stop_signals import StopOnSignals

    if args.demo or args.checkpoint or args.original:
        raise RetrainError("--family runs a family of the calibration library: give it without --demo, --checkpoint")
    names = list(FAMILIES) if args.family == "all" else [get_family(args.family).name]
    store = _store(args)
    torch.set_num_threads(args.threads)
    summaries = []
    with StopOnSignals() as stop:
        for name in names:
            summary = _one_family(get_family(name), args, plateau_delta, store, stop)
            summaries.append(summary)
            if stop.requested():
                break
    if args.json:
        print(json_text({"families": summaries}))
    if stop.requested():
        print(f"interrupted by {stop.name}: families after {summaries[-1]['family']} not run", file=sys.stderr)
        return stop.exit_code
    return 0


def _one_family(spec, args: argparse.Namespace, plateau_delta: float | None, store, stop) -> dict:
    """Sweep one family, write its records and provenance (unless interrupted); its summary."""
    from resque_core.calibration import campaigns
    from resque_core.calibration.library import estimate_minutes

    say = (lambda event: print(f"[{spec.name}] {event.line()}", file=sys.stderr, flush=True)) if not args.json else None
    cfg = spec.sweep_config(
        shifts=_shifts(spec, args.types),
        seeds=tuple(range(args.seeds)) if args.seeds else None,
        max_minutes=args.max_minutes or FAMILY_MINUTES,
        max_cases=args.max_cases,
        target_rule=args.target_rule,
        plateau_delta=plateau_delta,
        plateau_patience=args.plateau_patience,
    )
    estimate = estimate_minutes(spec, cfg=cfg)
    if say is not None:
        print(f"[{spec.name}] {len(cfg.shifts)} shifts x {len(cfg.seeds)} seeds; at most {estimate:.0f} min "
              f"(every run to its cap), budget {cfg.max_minutes:g} min", file=sys.stderr, flush=True)  # fmt: skip
    meter = _meter(args)
    started, load0 = time.time(), os.getloadavg()
    on_rows = store.add if store is not None else None
    stored = _stored(store, spec)
    if say is not None and len(stored):
        print(f"[{spec.name}] resuming: {len(stored)} records of this family in {store.path.name} are kept",
              file=sys.stderr, flush=True)  # fmt: skip
    executor = _executor(args, stored)
    sweep = {"on_rows": on_rows, "should_stop": stop.requested, "executor": executor}
    result = campaigns.family_sweep(spec, cfg, meter, say, **sweep)
    summary = {"family": spec.name, "runs": len(result.rows), "interrupted": result.interrupted, "out": None}
    if not result.rows and not len(stored):
        return {**summary, "notes": list(result.notes)}
    frame, curves = _whole(result, store, stored)
    summary.update(campaigns.summarize(frame), energy=energy_summary(meter), notes=list(result.notes))
    summary["runs_resumed"] = len(stored)
    if not result.interrupted:
        out = pathlib.Path(args.out) / f"{spec.name}.csv" if args.out else spec.records_path
        write_csv(frame, out, curves=curves)
        prov = provenance(args, cfg, result, summary, started, load0, meter)
        prov.update(what=f"calibration library records of the family {spec.name}", family=asdict(spec))
        prov.update(estimated_minutes_upper_bound=round(estimate, 1))
        write_provenance(prov, out)
        summary["out"] = str(out)
    if store is not None:  # runs the database refused: in the family's CSV, else in a recovery CSV beside it
        written = pathlib.Path(summary["out"]) if summary["out"] else None
        summary.update(keep_unsaved(result.unsaved, written, store.path, f"family-{spec.name}"))
    if not args.json:
        print(f"[{spec.name}] {len(frame)} records, {result.wall_s / 60:.1f} min -> {summary['out'] or 'not written'}")
    return summary


def _stored(store, spec):
    """The records ``store`` already holds of this family's sweep (its model's runs): none without ``--db``."""
    import pandas as pd

    if store is None:
        return pd.DataFrame()
    rows = store.all()
    return rows[rows["model"] == spec.model].reset_index(drop=True)


def _executor(args: argparse.Namespace, stored):
    """Where the cases run: here (None: ``run_sweep``'s default) or on Ray; either keeps the ``stored`` cases."""
    if args.executor == "local" and not len(stored):
        return None
    from resque_core.calibration.executors import make_executor

    rows = stored.to_dict("records") if len(stored) else []
    if args.executor == "local":
        return make_executor("local", rows)
    ray = {"address": args.address, "cpus_per_run": args.cpus_per_run, "gpus_per_run": args.gpus_per_run}
    return make_executor("ray", rows, workers=args.workers, **ray)


def _whole(result, store, stored):
    """The family's records and curves: the ``stored`` ones a resumed sweep kept, and this run's."""
    import pandas as pd

    from resque_core.calibration import campaigns
    from resque_core.forecast.records import validate_records

    frames = [stored] if len(stored) else []
    curves = [store.curves(stored["run_id"])] if len(stored) else []
    if result.rows:
        frames.append(campaigns.records_frame(result))
        curves.append(campaigns.curves_frame(result))
    frame = validate_records(pd.concat(frames, ignore_index=True), name="calibration sweep")
    return frame, pd.concat(curves, ignore_index=True)


def _shifts(spec, types: list[str] | None) -> tuple[str, ...] | None:
    from resque_core.calibration.config import shifts_of
    from resque_core.calibration.plan import spread

    return spread(shifts_of(types, spec.levels)) if types else None


def _meter(args: argparse.Namespace):
    if args.no_energy:
        return None
    from resque_core.energy.meters import CodecarbonMeter

    return CodecarbonMeter(args.country, tracking_mode=args.tracking_mode)


def _store(args: argparse.Namespace):
    if not args.db:
        return None
    from resque_core.forecast.records import RecordStore

    return RecordStore(args.db).check()
