"""The model options every command shares (``--checkpoint``, ``--arch``, ``--input-spec``...), read into
one ``ModelSource`` so that ``index``, ``layers``, ``forecast --probe`` and ``calibrate`` load a model
the same way the dashboard does.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from resque_core.commands import number_args as num
from resque_core.errors import DataError

__all__ = ["FLAGS", "add_model_arguments", "cli_message", "model_source", "original_data", "parse_input_spec"]
DEFAULT_CHECKPOINTS = ("default", "default-0-4")  # trained on the digits

# The flag of each ``ModelSource`` setting a ``CheckpointError`` may name as its fix.
FLAGS = {
    "arch": "--arch",
    "num_classes": "--num-classes",
    "stem": "--stem",
    "input_spec": "--input-spec",
    "trust": "--trust-checkpoint",
    "model_file": "--model-file",
}
SPEC_EXAMPLE = '\'{"size": [H, W], "channels": C, "mean": [...], "std": [...]}\''


def add_model_arguments(p: argparse.ArgumentParser, *, default: str | None = "default") -> None:
    """Which checkpoint, and how to read it."""
    p.add_argument(
        "--checkpoint",
        default=default,
        help="checkpoint file, or 'default' (digits 0-9) / 'default-0-4' (digits 0-4)",
    )
    p.add_argument(
        "--trust-checkpoint",
        "--trust",
        dest="trust_checkpoint",
        action="store_true",
        help="allow code from the file to run: a pickled full model, or --model-file (only for files you trust)",
    )
    p.add_argument(
        "--arch",
        help="architecture of bare weights (a state_dict or training-checkpoint dict): a torchvision "
        "classification model such as resnet18, SmallCNN or MLP",
    )
    p.add_argument(
        "--num-classes", type=num.at_least(1, 10**6), help="outputs of the classifier (default: read from the weights)"
    )
    p.add_argument(
        "--stem",
        choices=("auto", "imagenet", "small", "small-maxpool"),
        default="auto",
        help="ResNet-style stem: imagenet (7x7 conv, max-pool), small (3x3 conv, no max-pool, for 32x32 "
        "images), small-maxpool (3x3 conv, max-pool kept) or auto (read from the weights, default; whether a "
        "3x3 stem kept its max-pool is measured on the original data and said)",
    )
    p.add_argument(
        "--model-file",
        metavar="FILE.py:CLASS",
        help="your own model class for bare weights, e.g. my_model.py:Net (runs its code: needs --trust-checkpoint)",
    )
    p.add_argument(
        "--input-spec",
        metavar="JSON|FILE",
        help='input spec when the checkpoint has none: {"size": [H, W], "channels": C, "mean": [..], "std": [..]}',
    )


def model_source(args: argparse.Namespace):
    """The ``ModelSource`` the model options describe."""
    from resque_core.model.source import ModelSource

    return ModelSource(
        checkpoint=args.checkpoint,
        trust=args.trust_checkpoint,
        arch=args.arch,
        num_classes=args.num_classes,
        stem=args.stem,
        input_spec=parse_input_spec(args.input_spec),
        model_file=args.model_file,
    )


def original_data(args: argparse.Namespace, trains: bool) -> str | None:
    """The model's original data: ``--data``; else the digits for a default model (said when it trains), else
    None. A model of the user's that the command trains (``forecast --probe``, ``--advice``) needs ``--data``.

    Raises:
        DataError: a model of the user's is trained and ``--data`` is not given.
    """
    if args.data is not None:
        return args.data
    if args.checkpoint not in DEFAULT_CHECKPOINTS:
        if trains:
            raise DataError(
                "--probe and --advice train your model on its own original data: give it with --data "
                "(the digits are the default model's data, not your model's)"
            )
        return None
    if trains:
        print("note: the probe trains on the digits, the default model's own data (--data names another)",
              file=sys.stderr)  # fmt: skip
    return "digits"


def parse_input_spec(text: str | None):
    """An ``InputSpec`` from inline JSON or a JSON file, or None."""
    if not text:
        return None
    from resque_core.data.base import InputSpec

    inline = text.lstrip().startswith("{")
    path = pathlib.Path(text)
    if not inline and not path.is_file():
        raise DataError(f"--input-spec: no file {text!r}, and it is not inline JSON (it must start with '{{')")
    try:
        return InputSpec.from_dict(json.loads(text if inline else path.read_text()))
    except json.JSONDecodeError as exc:
        where = "inline JSON" if inline else f"file {text!r}"
        raise DataError(f"--input-spec: the {where} is not valid JSON: {exc}") from exc


def cli_message(exc: Exception) -> str:
    """An engine error for the terminal: a checkpoint error's fix named as the flag to use."""
    setting = getattr(exc, "setting", None)
    if setting not in FLAGS:
        return str(exc)
    if setting == "trust":
        value = ""
    elif setting == "input_spec":
        value = f" {SPEC_EXAMPLE}"
    else:
        value = f" {exc.value}" if exc.value is not None else f" {setting.upper()}"
    return f"{exc.message}: use {FLAGS[setting]}{value}"
