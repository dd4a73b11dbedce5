"""``calibrate``'s flags, and the sweep settings they make: the demo's ``SweepConfig`` or a ``SelfCalibration``."""

from __future__ import annotations

import argparse

from resque_core.commands import number_args as num
from resque_core.commands.class_map_arg import add_class_map_argument
from resque_core.commands.index import add_accept_argument
from resque_core.commands.model_args import add_model_arguments
from resque_core.commands.sweep_args import add_sweep_arguments
from resque_core.errors import RetrainError

__all__ = ["add_calibrate_arguments", "plateau_delta_from", "self_calibration_from", "sweep_config_from"]

RULE_CHOICES = ("reachable", "case", "plateau", "base-minus")  # calibration.config.SWEEP_RULES, not imported for --help
DEMO_MINUTES = 28.0  # the demo must finish within 30 minutes on a 2-core machine


def add_calibrate_arguments(p: argparse.ArgumentParser) -> None:
    """Every flag of ``calibrate``, in the order ``--help`` lists them."""
    _add_what_arguments(p)
    _add_budget_arguments(p)
    _add_output_arguments(p)


def _add_what_arguments(p: argparse.ArgumentParser) -> None:
    """What is calibrated: the demo, a family of the library, or a model and its data; and which shifts."""
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
    add_accept_argument(p)
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


def _add_budget_arguments(p: argparse.ArgumentParser) -> None:
    """How much each case runs, and when a retraining run counts as done."""
    p.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="repetitions per case (demo 3; self-calibration at most 2 with --plan auto)",
    )
    p.add_argument("--data-fraction", type=float, default=1.0, help="share of the original data to use")
    p.add_argument(
        "--epoch-images",
        type=int,
        default=None,
        metavar="N",
        help="self-calibration: images one epoch of your real retraining runs over (your new data less the quarter "
        "held out); the records' seconds and kWh are scaled to it (default: the full original data's)",
    )
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


def _add_output_arguments(p: argparse.ArgumentParser) -> None:
    """How it runs (threads, energy metering, executor) and where the records go."""
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


def _levels(text: str) -> list[int]:
    try:
        if "-" in text:
            lo, hi = (int(v) for v in text.split("-", 1))
            return list(range(lo, hi + 1))
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise RetrainError(f"--levels must look like 1-5 or 1,3,5, not {text!r}") from exc


def sweep_config_from(args: argparse.Namespace):
    """The sweep the arguments ask for (the demo's, or self-calibration's from ``self_calibration_from``)."""
    from resque_core.calibration.cases import DEMO_TASK_SPLITS
    from resque_core.calibration.config import SweepConfig
    from resque_core.data import ShiftSpec
    from resque_core.data.shift_spec import FIRST_TYPES

    _check_budgets(args)
    if not args.demo:
        return self_calibration_from(args).sweep_config()
    types = args.types or list(FIRST_TYPES)  # the library's families (--family) run the newer types too
    return SweepConfig(
        shifts=tuple(str(ShiftSpec(t, lv)) for t in types for lv in _levels(args.levels)),
        task_splits=() if args.no_tasks else DEMO_TASK_SPLITS,
        seeds=tuple(range(3 if args.seeds is None else args.seeds)),
        max_epochs=args.max_epochs,
        scratch_epochs=args.scratch_epochs,
        data_fraction=args.data_fraction,
        target_rule=args.target_rule,
        plateau_delta=plateau_delta_from(args.plateau_delta),
        plateau_patience=args.plateau_patience,
        max_minutes=args.max_minutes if args.max_minutes is not None else DEMO_MINUTES,
        max_cases=args.max_cases,
    )


def self_calibration_from(args: argparse.Namespace):
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
        "plateau_delta": plateau_delta_from(args.plateau_delta),
        "plateau_patience": args.plateau_patience,
        "measure_energy": not args.no_energy,
        "country_iso": args.country,
        "tracking_mode": args.tracking_mode,
        "plan": args.plan,
        "epoch_images": args.epoch_images,
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
    if args.max_minutes is not None and not 0 < args.max_minutes <= num.MAX_MINUTES:  # NaN fails this too
        raise RetrainError(f"--max-minutes must be a number in (0, {num.MAX_MINUTES:g}], not {args.max_minutes:g}")
    if args.max_cases is not None and args.max_cases < 1:
        raise RetrainError("--max-cases must be >= 1")
    if args.epoch_images is not None and args.epoch_images < 1:
        raise RetrainError("--epoch-images must be >= 1 (the images one epoch of your retraining runs over)")
    if args.plateau_patience < 2:
        raise RetrainError("--plateau-patience must be >= 2")


def plateau_delta_from(text: str) -> float | None:
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
