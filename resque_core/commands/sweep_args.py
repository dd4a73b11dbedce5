"""``calibrate``'s executor flags: where the runs go (``--executor local|ray``), and ``--resume SWEEP_ID``.

Every record of a sweep carries its ``sweep_id``; the driver stamps it and writes each finished case
(one writer). ``--resume`` runs, with the same arguments, only the cases the database lacks for that id;
the command to do so is printed whole (``resume_command``: the same flags, ``--db`` and, for an auto
plan, the plan it chose, fixed), so that it works exactly as printed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import uuid
from collections.abc import Callable
from typing import Any

from resque_core.errors import RetrainError

__all__ = ["SweepRun", "add_sweep_arguments", "resume_command"]
PLANNED = ("shifts", "seeds", "max_epochs", "scratch_epochs", "data_fraction")  # what an auto plan chooses


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where the runs go")
    g.add_argument("--executor", default="local", choices=("local", "ray"), help="local (default) or a Ray cluster")
    g.add_argument("--address", default=None, help="Ray: auto or ray://HOST:PORT joins a cluster (default: local)")
    g.add_argument("--cpus-per-run", type=float, default=1.0, help="Ray: CPUs (and torch threads) per run (default 1)")
    g.add_argument("--gpus-per-run", type=float, default=0.0, help="Ray: GPUs per run, trained on (default 0)")
    g.add_argument("--workers", type=int, default=None, help="Ray: runs at once (default: what the cluster fits)")
    g.add_argument("--resume", metavar="SWEEP_ID", help="run only the cases of this sweep the database lacks")


class SweepRun:
    """A sweep's id, executor and record writer, from the arguments and its records database (``store``)."""

    def __init__(self, args: argparse.Namespace, store) -> None:
        from resque_core.calibration.executors import make_executor

        if args.executor == "local" and (args.address or args.workers):
            raise RetrainError("--address and --workers go with --executor ray")
        stored = self._stored(args, store) if args.resume else []
        self.sweep_id = args.resume or f"sweep-{uuid.uuid4().hex[:12]}"
        self.kept, self.store, self.args = len(stored), store, args
        self.on_ray, self.bar = args.executor == "ray", None
        ray = {"address": args.address, "cpus_per_run": args.cpus_per_run, "gpus_per_run": args.gpus_per_run}
        self.executor = make_executor(args.executor, stored, **(dict(ray, workers=args.workers) if self.on_ray else {}))
        if self.on_ray and args.address and args.address != "auto":
            from resque_core.index.ray_probe import check_ray_address

            check_ray_address(args.address)  # before any model is loaded or data embedded

    @staticmethod
    def _stored(args: argparse.Namespace, store) -> list[dict]:
        if store is None:
            raise RetrainError("--resume needs --db PATH: the records database the sweep wrote to")
        if not args.demo and args.plan == "auto":
            raise RetrainError("--resume needs --plan fixed (an auto plan is timed afresh and may differ)")
        frame = store.all()
        rows = frame[frame["sweep_id"] == args.resume].to_dict("records")
        if not rows:
            raise RetrainError(
                f"the records database {store.path} holds no runs of sweep {args.resume}: check the id "
                "(calibrate prints it when it starts)"
            )
        return rows

    def on_rows(self, rows: list[dict]) -> None:
        """A finished case: its records stamped with the sweep's id, then committed (when there is a store)."""
        for row in rows:
            row["sweep_id"] = self.sweep_id
        if self.store is not None:
            self.store.add(rows)

    def announce(self) -> None:
        resumed = f", resuming: {self.kept} runs already stored" if self.kept else ""
        planned = not self.args.demo and self.args.plan == "auto"
        how = "the command that continues it follows its plan" if planned else f"continue it with: {self._resume()}"
        print(f"sweep {self.sweep_id} ({how}){resumed}", file=sys.stderr)

    def _resume(self, plan_settings: Any = None) -> str:
        return resume_command(self.args, self.sweep_id, self.store, plan_settings)

    def progress(self, say: Callable | None) -> Callable | None:
        """``say``, after printing the resume command once an auto plan is made; on Ray a tqdm bar of the
        runs, with each finished case's line above it."""
        say = self._with_resume(say)
        if say is None or not self.on_ray:
            return say
        from tqdm import tqdm

        def show(event) -> None:
            if self.bar is None and event.runs_planned:
                self.bar = tqdm(total=event.runs_planned, unit="run", file=sys.stderr, dynamic_ncols=True)
            if self.bar is None:
                return say(event)
            self.bar.update(event.runs_done - self.bar.n)
            self.bar.set_postfix_str(event.message.rpartition("[")[2].rstrip("]"), refresh=True)
            if event.kind == "run":
                self.bar.write(event.line(), file=sys.stderr)

        return show

    def _with_resume(self, say: Callable | None) -> Callable | None:
        """``say`` that first prints the whole resume command when a self-calibration's plan is made."""
        if self.args.demo or self.args.plan != "auto":
            return say

        def tell(event) -> None:
            if event.kind == "plan" and event.plan_settings is not None:
                print(f"sweep {self.sweep_id}: continue it with: {self._resume(event.plan_settings)}", file=sys.stderr)
            if say is not None:
                say(event)

        return tell

    def close(self) -> dict:
        """What the summary says of the sweep: its id, the runs it kept, and each node's runs."""
        if self.bar is not None:
            self.bar.close()
        return {"sweep_id": self.sweep_id, "runs_resumed": self.kept, "nodes": dict(self.executor.nodes)}


def resume_command(args: argparse.Namespace, sweep_id: str, store, plan_settings: Any = None) -> str:
    """The ``calibrate`` command that resumes ``sweep_id``: every flag given, ``--db`` and ``--resume``; an
    auto plan's choices (``plan_settings``, a ``SelfCalibration``) written out as ``--plan fixed``."""
    given = {"resume": sweep_id, "db": str(store.path) if store is not None else args.db}
    if plan_settings is not None:
        given.update({name: getattr(plan_settings, name) for name in PLANNED}, plan="fixed")
        given["shifts"] = ",".join(plan_settings.shifts)
    words = ["python", "-m", "resque_core", "calibrate"]
    for action in args.command_parser._actions:
        if not action.option_strings or action.dest == "help":
            continue
        value = given.get(action.dest, getattr(args, action.dest, None))
        if value is None or value is False or value == action.default:
            continue
        flag = next(o for o in action.option_strings if o.startswith("--"))
        words += [flag] if value is True else [flag, *map(str, value if isinstance(value, list) else [value])]
    return shlex.join(words)
