"""How well the cost model (``resque_core.energy.cost_model``) predicts seconds per epoch against measured training
on this machine, each architecture left out of the fit it is predicted with (issue 22, item 3).

For each architecture and input size: count one training step's FLOPs per image (``energy.flops``) and its
layers with parameters (``flops.layer_count``), then time ``--steps`` real training steps (SGD, batch
``--batch``, random images and labels, after ``--warmup`` untimed steps; the median step) and turn them into
seconds per epoch of ``--images``. The model: a step takes FLOPs / (peak x utilization) + layers x seconds per
layer-step (``cost_calibration.fit_cost_parameters``: least squares of the relative error). Each architecture's
two cases are predicted with the parameters fitted on the *other* architectures only (leave-one-architecture-out),
on the profile of the hardware (``--profile``; this 2-core VM: its modeled CPU peak, ``--threads 2``).

Third design, declared before its fresh run (2026-12-07, after the second design's 1-thread run had been seen and
explored; seed 7, 1 thread, at most 60 s per case): seven architectures (ViT-tiny and ShuffleNetV2 x0.5 added, so
that matrix products and grouped convolutions each appear in more than one left-out fold), and per kind of operator
(matrix products, dense convolutions, grouped convolutions) its own utilization, plus every leaf module x a fixed
time (``per_op_type_errors``). ``median_abs_rel_err`` is that design's score over the 14 cases. Reported beside it,
not chosen between: the second design (FLOPs / (peak x utilization) + layers with parameters x a fixed time, what
``epoch_cost`` ran when this run was declared), every leaf module a layer, and the first design (FLOPs only). The
engine takes the third design only if its fresh score beats the second's; either way both are reported.

``--write-calibration`` then fits the third design (the engine's since it beat the second: 0.33 against 0.47) on
ALL architectures and writes it, with its provenance, to ``resque_core/assets/cost_model_calibration.json``
(atomically): the parameters ``epoch_cost`` uses for this profile. ``--rows FILE`` re-scores (and writes from)
the rows a saved ``--json`` run measured (``bench/cost_model_rows.json``: the fresh run of the third design).
The last line of ``--json`` is one object with ``median_abs_rel_err`` and ``n_architectures``.

On a shared machine, time on one thread with a bound per case (``--threads 1 --max-case-s 60``, the run
bench/RESULTS.md reports): two threads on two cores that other jobs also use stall at every operator (the first
200-step run, on two threads at load 2.6-6.9, ran 5-8x slower than on a quiet machine and was not a valid test).

Usage:
    python bench/cost_model.py [--json] [--steps 200] [--seed 2026] [--threads 2] [--max-case-s 0] [--rows FILE]
                               [--device cpu|cuda] [--profile NAME] [--write-calibration [PATH]]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pathlib
import statistics
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.energy.cost_calibration import (  # noqa: E402
    OP_DEFAULTS,
    fit_cost_parameters,
    fit_op_parameters,
    write_cost_calibration,
)
from resque_core.energy.cost_model import epoch_cost  # noqa: E402
from resque_core.energy.flops import layer_count, training_step_flops  # noqa: E402
from resque_core.energy.hardware import load_hardware_profiles  # noqa: E402
from resque_core.model.architectures import SmallCNN  # noqa: E402

SIZES = (32, 64)
DESIGNS = {"flops_plus_layers": "layers", "all_leaf_layers": "leaf_modules"}  # the score, the declared alternative


def architectures(size: int) -> dict[str, torch.nn.Module]:
    """The models compared, 10 classes, 3 x ``size`` x ``size`` inputs."""
    from torchvision import models

    return {
        "smallcnn": SmallCNN(num_classes=10, in_channels=3),
        "mlp": torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(3 * size * size, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)
        ),
        "resnet18": models.resnet18(num_classes=10),
        "mobilenet_v3_small": models.mobilenet_v3_small(num_classes=10),
        "efficientnet_b0": models.efficientnet_b0(num_classes=10),
        "vit_tiny": models.VisionTransformer(
            image_size=size, patch_size=4, num_layers=4, num_heads=3, hidden_dim=192, mlp_dim=768, num_classes=10
        ),  # fmt: skip
        "shufflenet_v2_x0_5": models.shufflenet_v2_x0_5(num_classes=10),
    }


def measured_seconds_per_step(
    model: torch.nn.Module, size: int, batch: int, steps: int, warmup: int, device: str, max_case_s: float = 0.0
) -> tuple[float, int]:
    """Median seconds of one SGD step on ``batch`` random images (after ``warmup`` untimed steps) and how many
    were timed: ``steps``, or fewer once ``max_case_s`` seconds were spent timing (0: no bound; at least 20)."""
    model = model.to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 3, size, size, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    times, began = [], time.perf_counter()
    for i in range(warmup + steps):
        if max_case_s and len(times) >= 20 and time.perf_counter() - began > max_case_s:
            break
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - start)
        else:
            began = time.perf_counter()
    return statistics.median(times), len(times)


def measure(args: argparse.Namespace, peak_flops_s: float) -> list[dict]:
    """One row per architecture and size: FLOPs, layers and the measured median step."""
    rows = []
    for size in SIZES:
        for name, model in architectures(size).items():
            if args.archs and name not in args.archs:
                continue
            flops = training_step_flops(model, (3, size, size))
            kinds = flops.by_kind
            torch.manual_seed(args.seed)
            step_s, timed = measured_seconds_per_step(
                model, size, args.batch, args.steps, args.warmup, args.device, args.max_case_s
            )
            row = {"arch": name, "size": size, "timed_steps": timed, "flops_per_image": flops.per_image,
                   "layers": layer_count(model),
                   "leaf_modules": layer_count(model, with_parameters=False), "measured_s_per_step": step_s,
                   "ideal_s_per_step": flops.per_image * args.batch / peak_flops_s,
                   "measured_s_per_epoch": step_s * math.ceil(args.images / args.batch)}  # fmt: skip
            row["utilization"] = row["ideal_s_per_step"] / step_s
            row["peak_flops_s"] = peak_flops_s
            row["torch_threads"] = torch.get_num_threads()
            for kind, kind_flops in kinds.items():
                row[f"ideal_{kind}_s_per_step"] = kind_flops * args.batch / peak_flops_s
                row[f"flops_{kind}_per_image"] = kind_flops
            rows.append(row)
            print(f"{name:>20} {size:>3}px  {flops.per_image / 1e6:9.1f} MFLOP/img  {row['layers']:>3} layers  "
                  f"{step_s * 1e3:8.1f} ms/step ({timed})  utilization {row['utilization']:.3f}",
                  file=sys.stderr)  # fmt: skip
    return rows


def op_entry(rows: list[dict]) -> dict:
    """The third design's parameters fitted on ``rows`` (``cost_calibration.fit_op_parameters``), as a calibration
    entry ``epoch_cost`` reads: a utilization per kind of operator and a time per leaf module and step."""
    fit_rows = [[r[f"ideal_{k}_s_per_step"] for k in OP_DEFAULTS] + [r["leaf_modules"], r["measured_s_per_step"]]
                for r in rows]  # fmt: skip
    by_op, per_leaf_s = fit_op_parameters(fit_rows)
    return {"utilization": by_op["conv_dense"], "utilization_by_op": by_op, "seconds_per_layer_step": per_leaf_s,
            "per_layer_counts": "leaf", "n_cases": len(rows), "date": datetime.date.today().isoformat(),
            "command": "python bench/cost_model.py " + " ".join(sys.argv[1:]), "torch_version": torch.__version__,
            "layers": "every leaf module (resque_core.energy.flops.layer_count, with_parameters=False)"}  # fmt: skip


def op_predicted(row: dict, args: argparse.Namespace, profile: str, entry: dict) -> float:
    """Seconds per epoch ``epoch_cost`` gives ``row`` with the third design's parameters ``entry``."""
    by_op = {k: row[f"ideal_{k}_s_per_step"] * row["peak_flops_s"] / args.batch for k in OP_DEFAULTS}
    cost = epoch_cost(row["flops_per_image"], args.images, profile, precision="fp32", n_layers=row["layers"],
                      n_leaf_modules=row["leaf_modules"], batch_size=args.batch, flops_by_op=by_op,
                      calibration={profile: entry})  # fmt: skip
    return cost.seconds_per_epoch


def per_op_type_errors(rows: list[dict], args: argparse.Namespace, profile: str) -> list[float]:
    """The third design, declared before its fresh run: each row predicted by ``epoch_cost`` with the parameters
    fitted on the other architectures' rows (``op_entry``); absolute relative error per row."""
    errors = []
    for row in rows:
        entry = op_entry([r for r in rows if r["arch"] != row["arch"]])
        pred = op_predicted(row, args, profile, entry)
        errors.append(abs(pred - row["measured_s_per_epoch"]) / row["measured_s_per_epoch"])
    return errors


def predicted(row: dict, args: argparse.Namespace, profile: str, util: float, per_layer_s: float, layers: int):
    """Seconds per epoch the cost model gives for ``row`` with these parameters (``epoch_cost`` itself)."""
    cost = epoch_cost(row["flops_per_image"], args.images, profile, precision="fp32", utilization=util,
                      n_layers=layers, batch_size=args.batch, seconds_per_layer_step=per_layer_s,
                      calibration={})  # fmt: skip
    return cost.seconds_per_epoch


def leave_one_architecture_out(rows: list[dict], args, profile: str, layers_key: str | None) -> list[float]:
    """Absolute relative error of each row, predicted from a fit on the other architectures' rows
    (``layers_key`` None: the first design, FLOPs only at the median utilization of the others)."""
    errors = []
    for row in rows:
        others = [r for r in rows if r["arch"] != row["arch"]]
        if layers_key is None:
            util, per_layer_s, layers = min(statistics.median(r["utilization"] for r in others), 1.0), 0.0, 0
        else:
            fit_rows = [(r["ideal_s_per_step"], r[layers_key], r["measured_s_per_step"]) for r in others]
            (util, per_layer_s), layers = fit_cost_parameters(fit_rows), row[layers_key]
        pred = predicted(row, args, profile, util, per_layer_s, layers)
        errors.append(abs(pred - row["measured_s_per_epoch"]) / row["measured_s_per_epoch"])
    return errors


def write_calibration(rows: list[dict], args, profile: str, score: float) -> dict:
    """Fit the engine's design (the third) on ALL architectures and write it with its provenance: the shipped
    parameters ``epoch_cost`` uses for this profile."""
    entry = op_entry(rows)
    entry.update({"n_architectures": len({r["arch"] for r in rows}), "torch_threads": rows[0].get("torch_threads"),
                  "device": args.device, "steps": args.steps, "batch": args.batch, "loao_median_abs_rel_err": score,
                  "max_case_s": args.max_case_s, "rows_from": args.rows or "measured in this run"})  # fmt: skip
    path = write_cost_calibration(profile, entry, args.write_calibration)
    shares = ", ".join(f"{k} {u:.3f}" for k, u in entry["utilization_by_op"].items())
    print(f"wrote {path}: utilization {shares}; {entry['seconds_per_layer_step'] * 1e6:.1f} us per leaf module and "
          "step", file=sys.stderr)  # fmt: skip
    return entry


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200, help="timed training steps per case (default 200)")
    parser.add_argument("--max-case-s", type=float, default=0.0,
                        help="stop timing a case after this many seconds, once 20 steps were timed "
                        "(0: never)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--images", type=int, default=50_000, help="images per epoch (default 50,000)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the weights and the random batch")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2: what the profile models)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--profile", default=None, help="hardware profile (default: this VM's CPU, or nvidia-h100-sxm)")
    parser.add_argument("--archs", nargs="*", default=None, help="only these architectures (a quick check)")
    parser.add_argument("--write-calibration", nargs="?", const=None, default=False, metavar="PATH",
                        help="write the parameters fitted on all architectures (default path: the shipped "
                        "asset)")  # fmt: skip
    parser.add_argument("--rows", metavar="FILE",
                        help="score (and --write-calibration) the rows a saved --json run measured, without "
                        "measuring again")  # fmt: skip
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args, started, load_start = parse(argv), time.perf_counter(), os.getloadavg()[0]
    torch.set_num_threads(args.threads)
    profile = args.profile or ("cpu-2-threads-codecarbon" if args.device == "cpu" else "nvidia-h100-sxm")
    if args.rows:
        rows = json.loads(pathlib.Path(args.rows).read_text().splitlines()[0])["rows"]
        peak = load_hardware_profiles()[profile]["peak_tflops_fp32"] * 1e12
        for row in rows:  # a run saved before these columns were kept
            row.setdefault("peak_flops_s", peak)
            row.setdefault("torch_threads", args.threads)
    else:
        rows = measure(args, load_hardware_profiles()[profile]["peak_tflops_fp32"] * 1e12)
    scores = {name: leave_one_architecture_out(rows, args, profile, key) for name, key in DESIGNS.items()}
    scores["flops_only_first_design"] = leave_one_architecture_out(rows, args, profile, None)
    scores["per_op_type"] = per_op_type_errors(rows, args, profile)
    for name, errors in scores.items():
        for row, err in zip(rows, errors, strict=True):
            row[f"abs_rel_err_{name}"] = err
    primary = "per_op_type"  # declared before the fresh run
    summary = {
        "median_abs_rel_err": statistics.median(scores[primary]),
        "design": primary,
        "n_architectures": len({r["arch"] for r in rows}),
        "n_cases": len(rows),
        "per_architecture": {r["arch"]: {str(q["size"]): round(q[f"abs_rel_err_{primary}"], 4)
                                         for q in rows if q["arch"] == r["arch"]} for r in rows},  # fmt: skip
        "alternatives": {name: statistics.median(e) for name, e in scores.items() if name != primary},
        "fitted_on_all": {k: v for k, v in op_entry(rows).items() if k in ("utilization_by_op",
                                                                            "seconds_per_layer_step")},
        "rows_from": args.rows or "measured in this run",
        "device": args.device, "profile": profile, "steps": args.steps, "batch": args.batch, "seed": args.seed,
        "torch_threads": torch.get_num_threads(), "torch_version": torch.__version__,
        "wall_s": round(time.perf_counter() - started, 1),
        "load_average_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],  # at the start and the end
        "timed_steps": [r["timed_steps"] for r in rows], "max_case_s": args.max_case_s,
    }  # fmt: skip
    if args.write_calibration is not False:
        write_calibration(rows, args, profile, summary["median_abs_rel_err"])
    if args.json:
        print(json.dumps({"rows": rows}))
        print(json.dumps(summary))
    else:
        for r in rows:
            first = r["abs_rel_err_flops_only_first_design"]
            print(f"{r['arch']:>20} {r['size']:>3}px  measured {r['measured_s_per_epoch']:9.1f} s/epoch  "
                  f"error {r['abs_rel_err_flops_plus_layers']:.0%} (FLOPs only: {first:.0%})")  # fmt: skip
        print(f"median |relative error| {summary['median_abs_rel_err']:.0%} over {len(rows)} cases")
    return summary


if __name__ == "__main__":
    main()
