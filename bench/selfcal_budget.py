"""Self-calibration within a budget, for a user's own model: a ResNet-18 on 3,000 32x32 images.

Generates 3,000 RGB images of 10 classes (a class colour and a blob at a class position, plus noise),
trains a torchvision ResNet-18 (random init, small stem: 3x3 stride-1 first conv, no max-pool)
for a few steps, saves it as a full pickle, then runs the CLI exactly as a user would:

    python -m resque_core calibrate --checkpoint M.pt --trust --input-spec '{...}' --original D.npz
        --max-minutes B --threads T

and prints the plan, the planned and the actual minutes, the records, and whether the forecaster
accepts them. With ``--rerun`` a refused budget is rerun once at the budget the refusal names.

    PYTHONPATH=. python bench/selfcal_budget.py --max-minutes 15 [--rerun] [--train-steps 40] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision

from resque_core.errors import RecordsError
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.records import load_records_csv

SPEC = {"size": [32, 32], "channels": 3, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 32x32 RGB uint8 images of 10 classes: a class colour, a blob at a class position, noise."""
    rng = np.random.default_rng(seed)
    colours = rng.uniform(0.2, 0.8, size=(10, 3))
    centres = rng.uniform(8, 24, size=(10, 2))
    y = np.arange(n) % 10
    rng.shuffle(y)
    yy, xx = np.mgrid[0:32, 0:32]
    x = np.empty((n, 32, 32, 3), dtype=np.float32)
    for i, c in enumerate(y):
        cy, cx = centres[c] + rng.normal(0, 2, 2)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 4.0**2))[..., None]
        x[i] = 0.5 * colours[c] + 0.4 * blob * colours[(c + 3) % 10] + rng.normal(0, 0.08, (32, 32, 3))
    return (np.clip(x, 0, 1) * 255).astype(np.uint8), y.astype(np.int64)


def resnet18_small() -> torch.nn.Module:
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    model.conv1 = torch.nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = torch.nn.Identity()
    return model


def to_tensor(x: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255
    return (t - 0.5) / 0.25


def train(model: torch.nn.Module, x: np.ndarray, y: np.ndarray, steps: int) -> tuple[float, float]:
    """Adam, batch 32, ``steps`` steps on all but the last tenth; (seconds, accuracy on that tenth)."""
    xt, yt = to_tensor(x), torch.from_numpy(y)
    held = len(yt) // 10
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, len(yt) - held, (32,), generator=gen)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
        optimizer.step()
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.inference_mode():
        accuracy = float((model(xt[-held:]).argmax(1) == yt[-held:]).float().mean())
    return seconds, accuracy


def calibrate(
    checkpoint: pathlib.Path, data: pathlib.Path, minutes: float, out: pathlib.Path, threads: int
) -> tuple[int, str, float]:
    """Run the CLI; (exit code, its stderr, wall seconds). Its stderr streams through as it runs."""
    argv = [sys.executable, "-m", "resque_core", "calibrate", "--checkpoint", str(checkpoint), "--trust"]
    argv += ["--input-spec", json.dumps(SPEC), "--original", str(data), "--max-minutes", f"{minutes:g}"]
    argv += ["--threads", str(threads), "--out", str(out), "--db", str(out.with_suffix(".sqlite"))]
    print("$", " ".join(argv[1:]), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        sys.stderr.write(line)
    proc.wait()
    return proc.returncode, "".join(lines), time.perf_counter() - t0


def report(rc: int, err: str, wall_s: float, out: pathlib.Path) -> int | None:
    """Print planned vs actual, records, and whether the forecaster accepts them; the needed minutes if refused."""
    plan = re.search(r"\] (\d+ runs \(.*about [\d.]+ min)", err)
    print(f"plan: {plan.group(1) if plan else 'none'}")
    print(f"actual: {wall_s / 60:.1f} min wall (exit code {rc})")
    if rc != 0:
        needed = re.search(r"--max-minutes (\d+)\)", err)
        print(f"refused: {err.strip().splitlines()[-1]}")
        return int(needed.group(1)) if needed else None
    frame = load_records_csv(out)
    retrain = frame[frame.run_kind == "retrain"]
    print(f"records: {len(frame)} ({len(retrain)} retraining, {int(retrain.censored.sum())} censored)")
    try:
        fitted = Forecaster().fit(frame, source="self-calibration")
        print(f"forecaster: accepts ({fitted.n_records_} uncensored retraining runs)")
    except RecordsError as exc:
        print(f"forecaster: refuses: {exc}")
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-minutes", type=float, default=15.0)
    parser.add_argument("--train-steps", type=int, default=40)
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads, for training here and in the CLI")
    parser.add_argument("--rerun", action="store_true", help="rerun a refused budget at the budget it names")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = pathlib.Path(tempfile.mkdtemp(prefix="selfcal-"))
    x, y = make_data(args.images)
    data = work / "data.npz"
    np.savez(data, x=x, y=y, class_names=np.array([str(i) for i in range(10)]))
    model = resnet18_small()
    seconds, accuracy = train(model, x, y, args.train_steps)
    print(
        f"trained ResNet-18 (small stem) for {args.train_steps} steps in {seconds:.0f} s: held-out acc {accuracy:.3f}"
    )
    checkpoint = work / "resnet18.pt"
    torch.save(model, checkpoint)
    rc, err, wall_s = calibrate(checkpoint, data, args.max_minutes, work / "self.csv", args.threads)
    needed = report(rc, err, wall_s, work / "self.csv")
    if needed is not None and args.rerun:
        rc, err, wall_s = calibrate(checkpoint, data, needed, work / "self.csv", args.threads)
        report(rc, err, wall_s, work / "self.csv")


if __name__ == "__main__":
    main()
