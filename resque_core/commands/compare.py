"""``python -m resque_core compare``: which model to update: candidate checkpoints retrained, and their architectures
from scratch, costed to the team's target on one hardware profile (``compare.compare_candidates``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from resque_core.commands import number_args as num
from resque_core.commands.class_map_arg import add_class_map_argument
from resque_core.commands.cost_args import add_price_arguments, grid_and_price
from resque_core.commands.index import add_accept_argument

THIS_MACHINE = "cpu-2-threads-codecarbon"  # compare.candidates.THIS_MACHINE (the parser imports no engine code)
DEVICES = num.at_least(1, 4096)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare candidate checkpoints (and training from scratch) on the same new data: cost to the "
        "target, expected accuracy, the Pareto front and the cheapest option that meets the target",
        description="For each candidate checkpoint: the index and accuracy drop on the new data, the forecast "
        "retraining cost to the team's target (epochs, time, kWh, CO2, money, with intervals), the accuracy "
        "expected within the budget and the chance of reaching the target; the same for each architecture "
        "trained from scratch. Time and energy are modeled from each model's FLOPs per training step on a "
        "hardware profile (--profile, --devices). Prints the Pareto front (CO2 against expected accuracy) and "
        "recommends the option of least CO2 that meets the target.",
    )
    parser.add_argument(
        "--candidate",
        action="append",
        required=True,
        metavar="CKPT[:ARCH]",
        help="a checkpoint to compare, with the architecture of bare weights after a colon (model.pt:resnet18); "
        "repeat for each candidate; 'default' is the shipped digits model",
    )
    _data_arguments(parser)
    _reading_arguments(parser)
    _target_arguments(parser)
    _hardware_arguments(parser)
    add_price_arguments(parser.add_argument_group("grid and price"))
    parser.add_argument("--level", type=num.coverage, default=0.8, help="interval coverage (default 0.8)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.set_defaults(func=run)


def _data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--original", default="digits", help="the data the candidates were trained on (default digits)")
    new = parser.add_mutually_exclusive_group()
    new.add_argument("--new", help="the new data: a folder, zip, npz or torchvision:NAME")
    new.add_argument(
        "--shift", metavar="TYPE:LEVEL", help="simulate the new data from --original, e.g. gaussian_noise:3"
    )
    add_class_map_argument(parser, "--original")
    add_accept_argument(parser)


def _reading_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("how every candidate is read (as --checkpoint's options in `index`)")
    group.add_argument(
        "--trust-checkpoint",
        "--trust",
        dest="trust_checkpoint",
        action="store_true",
        help="allow code from the files to run: pickled full models, or --model-file (only for files you trust)",
    )
    group.add_argument("--stem", choices=("auto", "imagenet", "small", "small-maxpool"), default="auto",
                       help="ResNet-style stem of bare weights (default auto: read from the weights)")  # fmt: skip
    group.add_argument("--input-spec", metavar="JSON|FILE", help="input spec for checkpoints that carry none")
    group.add_argument("--model-file", metavar="FILE.py:CLASS", help="your own model class for bare weights")


def _target_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("target and budget")
    either = group.add_mutually_exclusive_group()
    either.add_argument("--target-acc", type=num.target_accuracy, metavar="T",
                        help="the team's target, an accuracy on the new data, e.g. 0.95")  # fmt: skip
    either.add_argument(
        "--target-drop",
        type=num.target_drop,
        metavar="D",
        help="the target as D below the best candidate's clean accuracy (default 0.02: 2 points)",
    )
    budget = group.add_mutually_exclusive_group()
    budget.add_argument("--budget-epochs", type=num.positive(1e6), metavar="E",
                        help="read the expected accuracy after E epochs (default: the runs' cap)")  # fmt: skip
    budget.add_argument("--budget-kwh", type=num.positive(1e9), metavar="KWH",
                        help="read it after the epochs KWH buys each option (modeled kWh per epoch)")  # fmt: skip
    group.add_argument("--min-p-reach", type=num.share, default=0.8, metavar="P",
                       help="meets the target: at least P of its similar runs reached it (default 0.8)")  # fmt: skip


def _hardware_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hardware the time and energy are modeled on")
    group.add_argument("--profile", default=THIS_MACHINE, metavar="NAME",
                       help=f"hardware profile, e.g. nvidia-a100-sxm (default {THIS_MACHINE}); names in "
                       "resque_core/assets/hardware_profiles.json")  # fmt: skip
    group.add_argument("--devices", type=DEVICES, default=1, metavar="N",
                       help="devices per epoch, data-parallel, 0.9 scaling per added one (default 1)")  # fmt: skip
    group.add_argument("--precision", choices=("fp32", "mixed"), default="fp32",
                       help="the profile's peak: fp32 (default) or mixed (bf16/fp16 tensor cores)")  # fmt: skip


def settings_from(args: argparse.Namespace) -> Any:
    """The ``CompareSettings`` these flags ask for."""
    from resque_core.compare import CompareSettings
    from resque_core.forecast.costing import CostSettings

    cost = CostSettings(**grid_and_price(args))
    drop = {} if args.target_drop is None else {"target_drop": args.target_drop}
    return CompareSettings(
        target_acc=args.target_acc,
        budget_epochs=args.budget_epochs,
        budget_kwh=args.budget_kwh,
        profile=args.profile,
        devices=args.devices,
        precision=args.precision,
        level=args.level,
        min_p_reach=args.min_p_reach,
        cost=cost,
        **drop,
    )


def run(args: argparse.Namespace) -> int:
    from resque_core.commands.model_args import parse_input_spec
    from resque_core.compare import candidates_from, compare_candidates
    from resque_core.compare.table import comparison_lines
    from resque_core.jsonable import strict_json
    from resque_core.model.source import ModelSource

    settings = settings_from(args)  # bad settings fail before any model loads
    template = ModelSource(
        trust=args.trust_checkpoint, stem=args.stem, input_spec=parse_input_spec(args.input_spec),
        model_file=args.model_file,
    )  # fmt: skip
    candidates = candidates_from(args.candidate, template)
    comparison = compare_candidates(
        candidates,
        args.original,
        args.new,
        shift=args.shift,
        settings=settings,
        class_map=args.class_map,
        accept_low_accuracy=args.accept_low_accuracy,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    if args.json:
        print(strict_json(comparison.to_dict(), indent=2))
        return 0
    print("\n".join(comparison_lines(comparison)))
    return 0
