"""The team's target on the command line (``--target-acc`` / ``--target-drop``), one definition for every
command that forecasts or retrains to it (``forecast``, ``validate``, ``report``)."""

from __future__ import annotations

import argparse

from typing import Any

from resque_core.commands import number_args as num

DEFAULT_DROP_TEXT = "0.02: 2 points"  # forecast.targets.DEFAULT_DROP, written out: the parser imports no pandas

__all__ = ["add_target_arguments", "target_from"]


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the mutually exclusive ``--target-acc`` and ``--target-drop``."""
    group = parser.add_argument_group(
        "target",
        "the accuracy on the new data a retraining run is done at; records with evaluation curves answer any "
        "target, older records only their own rule",
    )
    either = group.add_mutually_exclusive_group()
    either.add_argument(
        "--target-acc",
        type=num.target_accuracy,
        metavar="T",
        help="done when the new-data accuracy reaches T, e.g. 0.95",
    )
    either.add_argument(
        "--target-drop",
        type=num.target_drop,
        metavar="D",
        help=f"done when back within D of the old model's clean accuracy (default {DEFAULT_DROP_TEXT})",
    )


def target_from(args: argparse.Namespace) -> Any:
    """The ``forecast.targets.Target`` the parsed arguments name (the default when neither flag is given)."""
    from resque_core.forecast.targets import target_of

    return target_of(getattr(args, "target_acc", None), getattr(args, "target_drop", None))
