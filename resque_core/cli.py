"""``python -m resque_core``: one sub-command per module in ``resque_core.commands``.

Each command module exposes ``register(subparsers)``, which adds its parser and sets
``func(args) -> int``. Errors the engine raises on purpose become one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading

from resque_core.errors import ResqueError

COMMANDS = ("index", "layers", "forecast", "compare", "calibrate", "validate", "schedule", "runs", "report")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, like every other error."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m resque_core",
        description="RESQUE: estimate what retraining a model on shifted data will cost, and when to run it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"resque_core.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"resque_core.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def _end_on_sigterm() -> None:
    """SIGTERM ends a command the way Ctrl-C does, so its clean-up runs (a zip's extraction folder goes).

    Long commands install their own handler while they run (``StopOnSignals``) and put this one back.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_exit)


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    _end_on_sigterm()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return int(args.func(args) or 0)
    except ResqueError as exc:
        from resque_core.commands.model_args import cli_message

        print(f"error: {cli_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
