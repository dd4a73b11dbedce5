"""Benchmark: how far bf16 autocast moves the RESQUE index from fp32.

The engine autocasts the embedding's forward on CUDA only (``--precision bf16``); on the CPU this bench
*emulates* it: at the engine's one autocast point (``resque_core.index.embed.autocast_for``) it enters
``torch.autocast("cpu", dtype=torch.bfloat16)`` instead, so exactly the forward pass runs in bf16, as on
CUDA, while the data's preprocessing stays fp32. The figures are CPU-emulated bf16 (bf16 rounding of
convolutions and matmuls, not the GPU's kernels). ``--device cuda`` measures the real thing.

Two models:

- the default digits CNN through ``compute_index`` (the CLI's ``index``): clean split (the noise floor)
  and several shifts;
- a small-stem torchvision ResNet-18 (seeded random weights, 10 classes) on generated 32x32 RGB images
  (``bench/own_model.make_images``): RESQUE_dist of the images against Gaussian-noised copies.

    .venv/bin/python bench/precision.py [--images 512] [--device cpu|cuda] [--json]

It prints, per case, the fp32 and bf16 index, their relative deviation |bf16 - fp32| / fp32, and the
largest absolute deviation of a per-class angle; ``--json`` ends with one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import pathlib
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import resque_core.index.embed as embed  # noqa: E402
from resque_core.index.compute import compute_index  # noqa: E402
from resque_core.index.embed import class_sums  # noqa: E402
from resque_core.index.indices import resque_dist  # noqa: E402
from resque_core.index.request import IndexRequest  # noqa: E402

DIGITS_SHIFTS = (None, "gaussian_noise:1", "gaussian_noise:3", "gaussian_noise:5", "gaussian_blur:3", "contrast:3")
RESNET_NOISE = (0.05, 0.2)


@contextlib.contextmanager
def bf16(device: str):
    """On CUDA nothing (the request asks for bf16); on the CPU the engine's autocast point autocasts to bf16."""
    if device == "cuda":
        yield
        return
    original = embed.autocast_for
    embed.autocast_for = lambda _device, _precision: torch.autocast("cpu", dtype=torch.bfloat16)
    try:
        yield
    finally:
        embed.autocast_for = original


def deviation(case: str, fp32: tuple[float, dict], low: tuple[float, dict]) -> dict:
    (v32, pc32), (v16, pc16) = fp32, low
    worst = max(abs(pc16[k] - pc32[k]) for k in pc32) if pc32 else None  # the floor keeps no per-class angles
    return {"case": case, "fp32": v32, "bf16": v16, "relative": abs(v16 - v32) / v32, "per_class_max_abs": worst}


def digits_cases(device: str) -> list[dict]:
    rows = []
    for shift in DIGITS_SHIFTS:
        request = {"shift": shift, "device": device, "max_points": 0}
        ref = compute_index(IndexRequest(**request))
        with bf16(device):
            low = compute_index(IndexRequest(**request, precision="bf16" if device == "cuda" else "fp32"))
        case = f"digits CNN, {shift or 'clean split (noise floor)'}"
        value = ref.noise_floor if shift is None else ref.value
        low_value = low.noise_floor if shift is None else low.value
        rows.append(deviation(case, (value, {} if shift is None else ref.per_class),
                              (low_value, {} if shift is None else low.per_class)))  # fmt: skip
    return rows


def resnet_cases(images: int, device: str) -> list[dict]:
    import torchvision
    from own_model import make_images
    from torch.utils.data import TensorDataset

    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    model.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    model.maxpool = torch.nn.Identity()
    x, y = make_images(images)
    xs = (torch.tensor(x).permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.25
    labels = torch.tensor(y)
    names = [str(c) for c in range(10)]
    g = torch.Generator().manual_seed(1)
    rows = []
    for sigma in RESNET_NOISE:
        noisy = xs + sigma / 0.25 * torch.randn(xs.shape, generator=g)
        pair = (TensorDataset(xs, labels), TensorDataset(noisy, labels))

        def index(precision: str, pair=pair):
            a, b = (class_sums(model, d, "fc:input", 10, device=device, precision=precision) for d in pair)
            result = resque_dist(a.sums, b.sums, names)
            return result.value, result.per_class

        ref = index("fp32")
        with bf16(device):
            low = index("bf16" if device == "cuda" else "fp32")
        rows.append(deviation(f"ResNet-18 (small stem), {images} images vs noise sigma {sigma}", ref, low))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="bf16 vs fp32: how far the RESQUE index moves")
    parser.add_argument("--images", type=int, default=512, help="generated images for the ResNet case")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="cpu: bf16 emulated")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = digits_cases(args.device) + resnet_cases(args.images, args.device)
    kind = "CUDA bf16 autocast" if args.device == "cuda" else "CPU-emulated bf16 (torch.autocast on the CPU)"
    print(f"{kind}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'case':<58}{'fp32':>10}{'bf16':>10}{'relative':>11}{'class max':>11}")
    for r in rows:
        worst = "-" if r["per_class_max_abs"] is None else f"{r['per_class_max_abs']:.2e}"
        print(f"{r['case']:<58}{r['fp32']:>10.5f}{r['bf16']:>10.5f}{r['relative']:>11.2e}{worst:>11}")
    worst = max(r["relative"] for r in rows)
    print(f"largest relative deviation {worst:.2e}; {time.perf_counter() - started:.0f} s")
    if args.json:
        print(json.dumps({"precision": kind, "rows": rows, "max_relative": worst}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
