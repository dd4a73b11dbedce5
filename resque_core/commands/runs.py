"""``python -m resque_core runs``: the tracked runs in the records database, and what is left of each."""

from __future__ import annotations

import argparse
import json
import sys
import time

from resque_core.errors import ResqueError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "runs",
        help="list tracked training runs (resque_core.track) and what is left of each to its target",
        description=(
            "List the runs tracked with `from resque_core import track` in the records database, newest first: "
            "their evaluations, and the epochs, time, kWh, CO2 and money left to the target, refined from the "
            "evaluations so far and the run's prior forecast. Runs written by another process or machine sharing "
            "the database are listed too."
        ),
    )
    parser.add_argument("--db", metavar="PATH", help="the records database (default: $RESQUE_DB, else the user's)")
    parser.add_argument("--run", metavar="RUN_ID", help="only this run")
    parser.add_argument("--last", type=int, default=20, metavar="N", help="the N newest runs (default 20)")
    parser.add_argument(
        "--json", action="store_true",
        help="print JSON, each run with its evaluations, what is left and the refined forecast after each evaluation "
        "(with --watch: one object per line)",
    )  # fmt: skip
    parser.add_argument(
        "--watch", nargs="?", const=5.0, type=float, metavar="SECONDS",
        help="print again every SECONDS (default 5) until Ctrl-C",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.last < 1:
        raise ResqueError(f"--last must be at least 1, not {args.last}")
    if args.watch is not None and not args.watch > 0:
        raise ResqueError(f"--watch takes a positive number of seconds, not {args.watch:g}")
    while True:
        print_runs(args)
        if args.watch is None:
            return 0
        sys.stdout.flush()
        time.sleep(args.watch)


def print_runs(args: argparse.Namespace) -> None:
    from resque_core.live.store import RunStore
    from resque_core.live.summary import run_summary

    store = RunStore(args.db)
    runs = store.runs(args.run, limit=args.last)
    if args.run and not runs:
        raise ResqueError(f"no run {args.run!r} in {store.path}")
    summaries = [run_summary(r, with_history=args.json) for r in runs]
    if args.json:
        print(json.dumps({"db": str(store.path), "runs": summaries}))
        return
    if not summaries:
        print(f"no tracked runs in {store.path} (track one with `from resque_core import track`)")
        return
    for s in summaries:
        last = s["evaluations"][-1] if s["evaluations"] else None
        seen = f"epoch {last['epoch']:g}: accuracy {last['val_acc']:.3f}" if last else "no evaluation yet"
        print(f"{s['name']} [{s['state']}] {s['run_id']}")
        print(f"  target {s['target_acc']:.4g} within {s['max_epochs']:g} epochs; {len(s['evaluations'])} evaluations, "
              f"{seen}")  # fmt: skip
        print(f"  {s['remaining']['sentence']}")
        if s["remaining"]["kwh"] is not None:
            print(f"  energy: {s['remaining']['basis']}")
