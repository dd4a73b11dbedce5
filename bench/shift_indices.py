"""Benchmark: RESQUE_dist of the default model for every shift type and level, and its noise floor.

The table in docs/engine.md ("Figures"): the default digits CNN, the paper's split of the embedded digits,
the new part shifted by each type of ``SHIFT_TYPES`` at levels 1..5, mean over seeds 0-2, on the CPU.

    .venv/bin/python bench/shift_indices.py [--seeds 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from statistics import mean

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resque_core.data.shift_spec import SHIFT_TYPES  # noqa: E402
from resque_core.index.compute import compute_index  # noqa: E402
from resque_core.index.request import IndexRequest  # noqa: E402


def table(seeds: int) -> tuple[float, dict[str, list[float]]]:
    """The mean noise floor and, per shift type, the mean index at levels 1..5."""
    floors, rows = [], {}
    for shift_type in SHIFT_TYPES:
        rows[shift_type] = []
        for level in range(1, 6):
            reports = [
                compute_index(IndexRequest(shift=f"{shift_type}:{level}", seed=s, device="cpu")) for s in range(seeds)
            ]
            floors += [r.noise_floor for r in reports]
            rows[shift_type].append(mean(r.value for r in reports))
    return mean(floors), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    floor, rows = table(args.seeds)
    print(f"Noise floor {floor:.4f}. RESQUE_dist by level 1..5:\n")
    print("| shift | 1 | 2 | 3 | 4 | 5 |\n|---|---|---|---|---|---|")
    for shift_type, values in rows.items():
        print(f"| {shift_type} | " + " | ".join(f"{v:.4f}" for v in values) + " |")
    if args.json:
        print(json.dumps({"noise_floor": floor, "seeds": args.seeds, "index": rows}))


if __name__ == "__main__":
    main()
