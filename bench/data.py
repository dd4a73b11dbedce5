"""Throughput of the data layer on this machine, single thread.

Shifts per image on the embedded digits, preprocessing to 32x32 RGB, and opening a folder and a zip
of 2,000 PNGs (every image is decoded once on open, to find corrupt files up front).

    python bench/data.py
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resque_core.data import (  # noqa: E402
    SHIFT_TYPES,
    DigitsDataset,
    FolderDataset,
    InputSpec,
    Preprocessed,
    Shifted,
    ShiftSpec,
    ZipDataset,
)


def images_per_s(dataset) -> float:
    start = time.perf_counter()
    for i in range(len(dataset)):
        dataset.image(i)
    return len(dataset) / (time.perf_counter() - start)


def write_folder(root: Path, classes: int = 10, per_class: int = 200) -> None:
    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / str(c)).mkdir(parents=True)
        for k in range(per_class):
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(root / str(c) / f"{k}.png")


def file_sources() -> dict[str, float]:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cifarlike"
        write_folder(root)
        start = time.perf_counter()
        folder = FolderDataset(root)
        out["folder_open_s"] = time.perf_counter() - start
        out["folder_read_images_per_s"] = images_per_s(folder)
        zpath = Path(tmp) / "cifarlike.zip"
        with zipfile.ZipFile(zpath, "w") as zf:
            for p in sorted(root.rglob("*.png")):
                zf.write(p, p.relative_to(root.parent).as_posix())
        start = time.perf_counter()
        ZipDataset(zpath).close()
        out["zip_extract_open_s"] = time.perf_counter() - start
        out["zip_mib"] = zpath.stat().st_size / 2**20
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args()
    torch.set_num_threads(1)
    digits = DigitsDataset()
    rates = {"clean": images_per_s(digits)}
    for kind in SHIFT_TYPES:
        rates[f"{kind}:3"] = images_per_s(Shifted(digits, ShiftSpec(kind, 3), seed=0))
    rgb32 = InputSpec((32, 32), 3, (0.5,) * 3, (0.5,) * 3)
    rates["preprocessed_32x32_rgb"] = images_per_s(Preprocessed(digits, rgb32))
    for name, rate in rates.items():
        print(f"digits {name:<24} {rate:>10,.0f} images/s")
    files = file_sources()
    opened, read = files["folder_open_s"], files["folder_read_images_per_s"]
    print(f"folder of 2,000 RGB 32x32 PNG: open {opened:.2f} s, read {read:,.0f} images/s")
    print(f"zip of the same ({files['zip_mib']:.1f} MiB): extract + open {files['zip_extract_open_s']:.2f} s")
    if args.json:
        print(json.dumps({"digits_images_per_s": {k: round(v) for k, v in rates.items()}, **files}))


if __name__ == "__main__":
    main()
