"""Benchmark: the RESQUE_dist index against a bare forward pass and a reference-style loop.

On the same tensors (torchvision resnet18, 10 classes, N random RGB 32x32 images, half "original",
half "new" = original + noise) it times:

- index: ``class_sums`` on both halves (DataLoader, hook at ``fc:input``, early stop) + ``resque_dist``;
- bare forward: the same batches, pre-stacked on the host, copied to the device and run through the
  network up to the chosen layer (resnet18 without ``fc``), no hook, no loader, nothing kept;
- reference-style: as the paper's public code does it, one pass per class, batch size 1, sums
  accumulated per image.

    .venv/bin/python bench/embed.py [--images 4096] [--device auto|cpu|cuda] [--precision fp32|bf16|fp16] [--json]

``--precision`` applies to the index and the bare forward alike (autocast on CUDA only; the reference
loop stays fp32, as the paper's code). ``--json`` ends the output with one JSON object: device,
precision, images, index_s, bare_forward_s, reference_s, ratio_vs_bare, speedup_vs_reference.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

import torch
from torch import nn
from torch.utils.data import TensorDataset

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.index.embed import autocast_for, class_sums, resolve_device  # noqa: E402
from resque_core.index.indices import resque_dist  # noqa: E402

CLASSES = 10
LAYER = "fc:input"


def make_data(n: int, seed: int = 0) -> tuple[TensorDataset, TensorDataset]:
    """Two halves of ``n`` seeded RGB 32x32 images: the original and a noisy copy (the new data)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n // 2, 3, 32, 32, generator=g)
    y = torch.arange(n // 2) % CLASSES
    noisy = (x + 0.2 * torch.randn(x.shape, generator=g)).clamp(0, 1)
    return TensorDataset(x, y), TensorDataset(noisy, y)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_index(model: nn.Module, halves, batch: int, device: str, precision: str = "fp32") -> float:
    dev = resolve_device(device)
    sync(dev)
    start = time.perf_counter()
    kw = {"batch_size": batch, "device": device, "precision": precision}
    a, b = (class_sums(model, h, LAYER, CLASSES, **kw) for h in halves)
    resque_dist(a.sums, b.sums, [str(c) for c in range(CLASSES)])
    sync(dev)
    return time.perf_counter() - start


def time_bare(trunk: nn.Module, batches: list[torch.Tensor], device: torch.device, precision: str = "fp32") -> float:
    sync(device)
    start = time.perf_counter()
    with torch.inference_mode(), autocast_for(device, precision):
        for x in batches:
            trunk(x.to(device, non_blocking=True))
    sync(device)
    return time.perf_counter() - start


def time_reference(trunk: nn.Module, halves, device: torch.device) -> float:
    """One pass per class, batch size 1, float32 sums per class (the paper code's shape)."""
    sync(device)
    start = time.perf_counter()
    with torch.inference_mode():
        for c in range(CLASSES):
            for half in halves:
                total = None
                for x, y in zip(*half.tensors, strict=True):
                    if int(y) != c:
                        continue
                    emb = torch.flatten(trunk(x[None].to(device)), 1)[0]
                    total = emb if total is None else total + emb
                total.cpu()
    sync(device)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the RESQUE index against a bare forward and a reference loop")
    parser.add_argument("--images", type=int, default=4096)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", choices=("fp32", "bf16", "fp16"), default="fp32", help="CUDA autocast")
    parser.add_argument(
        "--repeats", type=int, default=3, help="interleaved index and bare runs (median); reference once"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    parser.add_argument("--no-reference", action="store_true", help="skip the (slow) reference-style loop")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    import torchvision

    device = resolve_device(args.device)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=CLASSES).eval().to(device)
    trunk = nn.Sequential(*list(model.children())[:-1])  # up to avgpool: the fc input, before flatten
    halves = make_data(args.images)
    batches = [x for h in halves for x in h.tensors[0].split(args.batch_size)]
    if device.type == "cuda":
        batches = [x.pin_memory() for x in batches]
    time_index(model, [TensorDataset(*(t[: args.batch_size] for t in h.tensors)) for h in halves], args.batch_size,
               args.device, args.precision)  # fmt: skip  # warm-up
    time_bare(trunk, batches[:1], device, args.precision)
    index_runs, bare_runs = [], []
    for _ in range(args.repeats):  # interleaved, so a burst of load on a shared machine hits both alike
        index_runs.append(time_index(model, halves, args.batch_size, args.device, args.precision))
        bare_runs.append(time_bare(trunk, batches, device, args.precision))
    index_s, bare_s = min(index_runs), min(bare_runs)  # best-of: the least disturbed run (as timeit)
    reference_s = None if args.no_reference else time_reference(trunk, halves, device)
    result = {
        "device": device.type if device.type != "cuda" else torch.cuda.get_device_name(device),
        "precision": args.precision if device.type == "cuda" else "fp32",
        "images": 2 * len(halves[0]),
        "index_s": round(index_s, 4),
        "bare_forward_s": round(bare_s, 4),
        "reference_s": None if reference_s is None else round(reference_s, 4),
        "ratio_vs_bare": round(index_s / bare_s, 3),
        "speedup_vs_reference": None if reference_s is None else round(reference_s / index_s, 2),
        "index_runs_s": [round(t, 3) for t in index_runs],
        "bare_forward_runs_s": [round(t, 3) for t in bare_runs],
    }
    threads = torch.get_num_threads()
    print(f"device {result['device']}, {result['images']} images, batch {args.batch_size}, threads {threads}")
    print(f"index          {index_s:8.3f} s   ({result['images'] / index_s:,.0f} images/s)")
    print(f"bare forward   {bare_s:8.3f} s   index / bare = {result['ratio_vs_bare']:.3f} (target <= 1.10)")
    if reference_s is not None:
        print(f"reference      {reference_s:8.3f} s   speedup = {result['speedup_vs_reference']:.1f}x (target >= 5)")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
