"""Peak memory of RESQUE_dist as the dataset grows: streamed per-class sums vs keeping every embedding.

Each measurement runs in a fresh subprocess (peak RSS is per process) on a lazily generated dataset
(images made from (seed, index) on demand, so the inputs themselves take no memory), with the
torchvision resnet18 at 32x32 RGB, 10 classes, the default layer ``fc:input`` (512-d).

    python bench/memory.py [--sizes 2048,8192,32768] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(n: int, mode: str) -> dict:
    """Run in this process: embed ``n`` images with ``mode`` ("sums" or "all"), return peak RSS."""
    import numpy as np
    import torch
    import torchvision

    from resque_core.data.base import ImageDataset
    from resque_core.index.embed import class_sums, collect_embeddings

    class Generated(ImageDataset):
        name = "generated"
        class_names = [str(c) for c in range(10)]

        def __init__(self, size: int):
            self.targets = np.arange(size, dtype=np.int64) % 10

        def image(self, i: int) -> torch.Tensor:
            g = torch.Generator().manual_seed(i)
            return torch.rand(3, 32, 32, generator=g)

    torch.set_num_threads(1)
    model = torchvision.models.resnet18(num_classes=10).eval()
    base_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dataset = Generated(n)
    if mode == "sums":
        class_sums(model, dataset, "fc:input", batch_size=256, device="cpu")
    else:
        collect_embeddings(model, dataset, "fc:input", batch_size=256, device="cpu")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"images": n, "mode": mode, "peak_rss_mib": round(peak_mib, 1), "before_mib": round(base_mib, 1)}


def run_child(n: int, mode: str) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n), mode]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2048,8192,32768", help="comma-separated numbers of images")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    parser.add_argument("--child", nargs=2, metavar=("N", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(int(args.child[0]), args.child[1])))
        return
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        for mode in ("sums", "all"):
            row = run_child(n, mode)
            rows.append(row)
            peak, before = row["peak_rss_mib"], row["before_mib"]
            print(f"{n:>7} images  {mode:<4}  peak RSS {peak:>8.1f} MiB (model loaded: {before:.1f})")
    if args.json:
        print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
