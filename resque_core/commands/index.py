"""``python -m resque_core index``: compute RESQUE_dist or RESQUE_task and print it."""

from __future__ import annotations

import argparse
import sys

from resque_core.commands import number_args as num
from resque_core.commands.class_map_arg import add_class_map_argument
from resque_core.commands.model_args import DEFAULT_CHECKPOINTS, add_model_arguments, model_source
from resque_core.errors import ResqueError
from resque_core.jsonable import strict_json

# resque_core.index.request.PRECISIONS and TASK_VARIANTS, written out so that registering the command imports no torch.
PRECISIONS = ("fp32", "bf16", "fp16")
TASK_VARIANTS = ("centroids", "k-means++", "flat")
DEPRECATED_VARIANTS = {"kmeans++": "k-means++"}  # the old spelling, accepted until the next release


def task_variant(text: str) -> str:
    """A ``--variant`` in its one spelling; the deprecated "kmeans++" becomes "k-means++", with a note on stderr."""
    if text in DEPRECATED_VARIANTS:
        new = DEPRECATED_VARIANTS[text]
        print(
            f"note: --variant {text} is deprecated and goes in the next release; use --variant {new}", file=sys.stderr
        )
        return new
    return text


def register(subparsers) -> None:
    """Add the ``index`` sub-command."""
    p = subparsers.add_parser(
        "index",
        help="compute the RESQUE index of a model on new data",
        description="Compute RESQUE_dist (distribution shift) or RESQUE_task (new classes) with one batched "
        "forward pass of the old model. Without --new, the new data is simulated from the original: "
        "the paper's 50/30/20 split (plus --shift), or for --kind task the classes the model does not know.",
    )
    add_model_arguments(p)
    add_data_arguments(p)
    p.add_argument(
        "--variant",
        type=task_variant,
        choices=TASK_VARIANTS,
        default="centroids",
        help="task index variant: k-means from class centroids (default), k-means++ (old: kmeans++), or flat C*H*W",
    )
    p.add_argument("--layer", help="layer to embed (default: input of the final linear; see `layers`)")
    p.add_argument("--batch-size", type=num.at_least(1, 2**20), default=256)
    p.add_argument("--device", default="auto", help="auto (cuda > mps > cpu), cpu, cuda or mps")
    add_precision_argument(p)
    p.add_argument(
        "--labels",
        choices=("given", "predicted"),
        default="given",
        help="group the new data by its labels (given, default) or by the old model's predicted class "
        "(predicted: the label-free index, for new data without labels; dist only)",
    )
    p.add_argument("--seed", type=num.seed, default=0, help="seed of the split, the shift and k-means")
    p.add_argument("--allow-download", action="store_true", help="let torchvision:NAME sources download")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    add_executor_arguments(p)
    p.set_defaults(func=run)


def add_executor_arguments(p: argparse.ArgumentParser) -> None:
    """Where the embedding passes run: here (default) or streamed through Ray Data (``index.distributed``)."""
    g = p.add_argument_group("where the embedding passes run")
    g.add_argument("--executor", default="local", choices=("local", "ray"), help="local (default) or Ray")
    g.add_argument("--address", default=None, help="Ray: auto or ray://HOST:PORT joins a cluster (default: local)")
    g.add_argument("--workers", type=int, default=None, help="Ray: model actors (default: what the cluster fits)")
    g.add_argument("--gpus-per-run", type=float, default=0.0, help="Ray: GPUs per model actor (default 0)")


def executor_fields(args: argparse.Namespace) -> dict:
    """The request's executor fields, with one sentence for a combination that cannot work."""
    if args.executor == "local" and (args.address or args.workers or args.gpus_per_run):
        raise ResqueError("--address, --workers and --gpus-per-run go with --executor ray")
    if args.workers is not None and args.workers < 1:
        raise ResqueError(f"--workers must be a positive integer; got {args.workers}")
    if not 0 <= args.gpus_per_run <= 1024:  # NaN and inf included
        raise ResqueError(f"--gpus-per-run must be a number in [0, 1024]; got {args.gpus_per_run:g}")
    if args.executor == "ray" and args.address and args.address != "auto":
        from resque_core.index.ray_probe import check_ray_address

        check_ray_address(args.address)  # before any model is loaded or data embedded
    fields = {"executor": args.executor, "address": args.address, "workers": args.workers}
    return {**fields, "gpus_per_run": args.gpus_per_run}


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    """The data options ``index`` and ``validate`` share: the original and new data, the shift, the kind."""
    p.add_argument("--original", default="digits", help="data the model was trained on (default: digits)")
    p.add_argument("--new", help="new data (default: simulated from --original)")
    p.add_argument("--shift", metavar="TYPE:LEVEL", help="shift applied to the new data, e.g. gaussian_noise:3")
    p.add_argument("--kind", choices=("dist", "task"), default="dist", help="distribution or task shift")
    add_class_map_argument(p, "--original")
    add_accept_argument(p)


def add_accept_argument(p: argparse.ArgumentParser) -> None:
    """``--accept-low-accuracy``: use a model that scores near chance on its original data (``index``,
    ``validate``, ``forecast --probe``, ``calibrate`` on a model of the user's)."""
    p.add_argument(
        "--accept-low-accuracy",
        action="store_true",
        help="use a model that scores near chance on its original data (refused by default: a wrong checkpoint, "
        "class order, input spec or stem is the likely cause)",
    )


def add_precision_argument(p: argparse.ArgumentParser) -> None:
    """``--precision``: what the embedding's forward runs in (``index`` and ``validate``)."""
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="fp32",
        help="embedding precision: fp32 (default, as the calibration records), or bf16/fp16 autocast on "
        "CUDA (faster; elsewhere it runs in fp32 and the result says so)",
    )


def data_fields(args: argparse.Namespace) -> dict:
    """The request's data fields, from ``add_data_arguments``' flags (index and validate take the same)."""
    return {"original": args.original, "new": args.new, "shift": args.shift, "kind": args.kind,
            "class_map": args.class_map, "accept_low_accuracy": args.accept_low_accuracy}  # fmt: skip


def _progress_bar():
    from tqdm import tqdm

    bar = tqdm(file=sys.stderr, unit="img", desc="embedding", disable=None, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return bar, update


def run(args: argparse.Namespace) -> int:
    """Compute the index and print it (summary or JSON)."""
    from resque_core.index.compute import compute_index
    from resque_core.index.request import IndexRequest

    if args.batch_size < 1:
        raise ResqueError(f"--batch-size must be a positive integer; got {args.batch_size}")
    if args.seed < 0:
        raise ResqueError(f"--seed must be a non-negative integer; got {args.seed}")
    request = IndexRequest(
        model=model_source(args),
        **data_fields(args),
        layer=args.layer,
        batch_size=args.batch_size,
        device=args.device,
        seed=args.seed,
        task_variant=args.variant,
        allow_download=args.allow_download,
        max_points=0,
        precision=args.precision,
        labels=args.labels,
        **executor_fields(args),
    )
    bar, update = _progress_bar()
    try:
        report = compute_index(request, progress=update)
    finally:
        bar.close()
    print(strict_json(report.to_dict()) if args.json else f"{summary(report)}\n{forecast_hint(report, args)}")
    return 0


def forecast_hint(report, args: argparse.Namespace) -> str:
    """The ``forecast`` command for this index, with the model and data as the user named them here (the digits
    only for the default model, whose data they are)."""
    import shlex

    words = ["python", "-m", "resque_core", "forecast", "--index", f"{report.value:.4g}"]
    if report.labels == "predicted":
        words += ["--labels", "predicted"]
        words += ["--mean-conf", f"{report.mean_conf:.4g}"] if report.mean_conf is not None else []
    if report.acc_drop is not None:
        words += ["--acc-drop", f"{report.acc_drop:.4g}"]
    words += ["--kind", "task"] if report.kind == "task" else []
    own = args.checkpoint not in DEFAULT_CHECKPOINTS
    words += model_source(args).to_args() if own else []
    if own or args.original != "digits":
        words += ["--data", "YOUR_DATA" if own and args.original == "digits" else args.original]
    return f"next: {shlex.join(words)}"


def summary(report) -> str:
    """A few readable lines about an ``IndexReport``."""
    free = " (label-free)" if report.labels == "predicted" else ""
    lines = [f"RESQUE_{report.kind}{free} = {report.value:.4f}" + (f" ({report.variant})" if report.variant else "")]
    if report.noise_floor is not None:
        ratio = report.value / report.noise_floor if report.noise_floor > 0 else float("inf")
        lines[0] += f"   noise floor {report.noise_floor:.4f} ({ratio:.1f}x)"
    lines.append(f"shift {report.shift or 'none'} | layer {report.layer} | device {report.device} ({report.precision})")
    lines.append(
        f"original {report.n_original} images, new {report.n_new} images | "
        f"{report.seconds:.2f} s, {report.images_per_s:,.0f} images/s"
    )
    if report.per_class:
        lines.append("per class: " + "  ".join(f"{k}: {v:.4f}" for k, v in report.per_class.items()))
    if report.signals_text():
        lines.append(report.signals_text())
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)
