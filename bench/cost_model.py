"""How well FLOPs predict seconds per epoch: the cost model (``resque_core.energy.cost_model``) against measured
training on this machine, each architecture left out of the utilization it is predicted with.

For each architecture and input size: count one training step's FLOPs per image (``energy.flops``), then time
``--steps`` real training steps (SGD, batch ``--batch``, random images and labels, after ``--warmup`` untimed
steps) and turn them into seconds per epoch of ``--images``. The utilization a model reaches is FLOPs / (peak x
seconds); each architecture's seconds are predicted with the median utilization of the *other* architectures
(leave-one-architecture-out), on the profile of the hardware (``--profile``; this 2-core VM: its modeled CPU
peak). The last line of ``--json`` is one object with ``median_abs_rel_err`` and ``n_architectures``.

Usage:
    python bench/cost_model.py [--json] [--steps 100] [--device cpu|cuda] [--profile NAME]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.energy.cost_model import epoch_cost  # noqa: E402
from resque_core.energy.flops import training_step_flops  # noqa: E402
from resque_core.model.architectures import SmallCNN  # noqa: E402

SIZES = (32, 64)


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
    }


def measured_seconds_per_step(model: torch.nn.Module, size: int, batch: int, steps: int, warmup: int, device: str):
    """Median seconds of one SGD step on ``batch`` random images (after ``warmup`` untimed steps)."""
    model = model.to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 3, size, size, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100, help="timed training steps per case (default 100)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--images", type=int, default=50_000, help="images per epoch (default 50,000)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--profile", default=None, help="hardware profile (default: this VM's CPU, or nvidia-h100-sxm)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    profile = args.profile or ("cpu-2-threads-codecarbon" if args.device == "cpu" else "nvidia-h100-sxm")
    precision = "fp32"
    rows = []
    for size in SIZES:
        for name, model in architectures(size).items():
            flops = training_step_flops(model, (3, size, size))
            step_s = measured_seconds_per_step(model, size, args.batch, args.steps, args.warmup, args.device)
            ideal = epoch_cost(flops.per_image, args.images, profile, precision=precision, utilization=1.0)
            measured_epoch_s = step_s * args.images / args.batch
            rows.append({"arch": name, "size": size, "flops_per_image": flops.per_image,
                         "measured_s_per_epoch": measured_epoch_s,
                         "utilization": ideal.seconds_per_epoch / measured_epoch_s})  # fmt: skip
            util = rows[-1]["utilization"]
            print(f"{name:>20} {size:>3}px  {flops.per_image / 1e6:9.1f} MFLOP/img  "
                  f"{measured_epoch_s:9.1f} s/epoch  utilization {util:.3f}", file=sys.stderr)  # fmt: skip
    for row in rows:  # leave the architecture out of the utilization it is predicted with
        others = [r["utilization"] for r in rows if r["arch"] != row["arch"]]
        util = statistics.median(others)
        pred = epoch_cost(row["flops_per_image"], args.images, profile, precision=precision, utilization=min(util, 1.0))
        row["predicted_s_per_epoch"] = pred.seconds_per_epoch
        row["abs_rel_err"] = abs(pred.seconds_per_epoch - row["measured_s_per_epoch"]) / row["measured_s_per_epoch"]
    summary = {
        "median_abs_rel_err": statistics.median(r["abs_rel_err"] for r in rows),
        "n_architectures": len({r["arch"] for r in rows}),
        "n_cases": len(rows),
        "device": args.device,
        "profile": profile,
        "steps": args.steps,
        "batch": args.batch,
        "torch_threads": torch.get_num_threads(),
    }
    if args.json:
        print(json.dumps({"rows": rows}))
        print(json.dumps(summary))
    else:
        for r in rows:
            print(f"{r['arch']:>20} {r['size']:>3}px  measured {r['measured_s_per_epoch']:9.1f} s  "
                  f"predicted {r['predicted_s_per_epoch']:9.1f} s  error {r['abs_rel_err']:.0%}")  # fmt: skip
        print(f"median |relative error| {summary['median_abs_rel_err']:.0%} over {len(rows)} cases")
    return summary


if __name__ == "__main__":
    main()
