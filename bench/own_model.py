"""A new user's whole journey with their own model, through the CLI: train, index, forecast, calibrate, validate.

Trains a torchvision ResNet-18 (10 classes, the small-image stem: 3x3 stride-1 conv1, no max-pool)
for a few minutes on generated 32x32 RGB images (class-dependent colour and stripes plus noise),
saves it as a bare ``state_dict`` and as a training-checkpoint dict, writes the data as an ``.npz``,
then runs every step a user would, each as ``python -m resque_core ...`` in a subprocess:

    layers -> index (gaussian_noise:3) -> forecast --probe (default calibration)
    -> calibrate (self-calibration within --calibrate-minutes) -> forecast from those records
    -> validate (a real retraining on the shifted data)

and prints each step's wall time and the forecasts against the real retraining.

    python bench/own_model.py [--images 3000] [--train-minutes 3] [--calibrate-minutes 15] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL_FLAGS = ["--arch", "resnet18", "--stem", "small", "--num-classes", "10"]
SPEC = '{"size": [32, 32], "channels": 3, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}'


def make_images(n: int, seed: int = 0, noise: float = 0.3):
    """``n`` 32x32 RGB images in [0, 1] of 10 classes: a faint class colour, class-oriented stripes at a
    random phase, and pixel noise of sd ``noise`` (0.3: hard enough that a shift costs the model accuracy)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    rng.shuffle(y)
    yy, xx = np.mgrid[0:32, 0:32] / 32.0
    x = np.empty((n, 32, 32, 3), dtype=np.float32)
    for i, c in enumerate(y):
        angle = math.pi * c / 10
        phase = rng.uniform(0, 2 * math.pi)
        stripes = 0.5 + 0.5 * np.sin(2 * math.pi * 4 * (xx * math.cos(angle) + yy * math.sin(angle)) + phase)
        colour = np.array([(c % 3) / 2, ((c // 3) % 3) / 2, (c % 2)], dtype=np.float32)
        img = 0.3 * stripes[..., None] + 0.2 * colour + 0.25 + rng.normal(0, noise, (32, 32, 3))
        x[i] = np.clip(img, 0, 1)
    return (x * 255).astype(np.uint8), y.astype(np.int64)


def train(x, y, minutes: float, out: Path) -> dict:
    """Train the small-stem ResNet-18 for ``minutes``; save a state_dict and a training-checkpoint dict."""
    import torch
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    model.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    model.maxpool = torch.nn.Identity()
    xs = (torch.tensor(x).permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.25
    ys = torch.tensor(y)
    split = int(0.8 * len(ys))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    started, epochs = time.perf_counter(), 0
    while time.perf_counter() - started < 60 * minutes:
        model.train()
        order = torch.randperm(split)
        for i in range(0, split, 64):
            idx = order[i : i + 64]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xs[idx]), ys[idx]).backward()
            opt.step()
        epochs += 1
    model.eval()
    with torch.inference_mode():
        acc = float((model(xs[split:]).argmax(1) == ys[split:]).float().mean())
    torch.save(model.state_dict(), out / "resnet18_state_dict.pt")
    torch.save(
        {"model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(), "epoch": epochs},
        out / "resnet18_training_checkpoint.pt",
    )
    return {"epochs": epochs, "held_out_accuracy": acc, "seconds": time.perf_counter() - started}


def cli(*args: str, db: Path | None = None, timeout_s: float = 3600) -> tuple[dict | str, float]:
    """Run ``python -m resque_core ARGS`` (with ``RESQUE_DB=db``); its JSON (or text) output and wall time."""
    env = {**os.environ, **({"RESQUE_DB": str(db)} if db else {})}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "resque_core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"step failed: resque_core {' '.join(args)}\n{done.stderr.strip()}")
    try:
        return json.loads(done.stdout), wall
    except json.JSONDecodeError:
        return done.stdout.strip(), wall


def journey(args: argparse.Namespace, out: Path) -> dict:
    import numpy as np

    x, y = make_images(args.images)
    np.savez(out / "original.npz", x=x, y=y)
    steps: dict[str, float] = {}
    trained = train(x, y, args.train_minutes, out)
    steps["train (outside resque)"] = trained["seconds"]
    model = ["--checkpoint", str(out / "resnet18_state_dict.pt"), *MODEL_FLAGS, "--input-spec", SPEC]
    data = ["--original", str(out / "original.npz")]
    _, steps["layers"] = cli("layers", *model, "--json")
    index, steps["index"] = cli("index", *model, *data, "--shift", "gaussian_noise:3", "--json")
    probe = ["--probe", "--data", str(out / "original.npz")]
    fc_default, steps["forecast --probe (default calibration)"] = cli(
        "forecast", "--index", str(index["resque"]), *probe, *model, "--json"
    )
    db = out / "records.sqlite"
    records = out / "self_calibration.csv"
    cal, steps["calibrate"] = cli(
        "calibrate",
        *model,
        *data,
        "--max-minutes",
        str(args.calibrate_minutes),
        "--target-rule",
        "plateau",
        "--db",
        str(db),
        "--out",
        str(records),
        "--json",
    )  # fmt: skip  (its records carry curves, so the forecast answers validate's target: like for like)
    fc_own, steps["forecast from the self-calibration"] = cli(
        "forecast", "--index", str(index["resque"]), "--records", "db", *probe, *model, "--json", db=db
    )
    real, steps["validate (real retraining)"] = cli(
        "validate", *model, *data, "--shift", "gaussian_noise:3", "--records", str(records), "--json", db=db
    )  # retrains to the default target (within 2 points of the clean accuracy), the forecast beside it for the same
    return {"trained": trained, "index": index, "steps_s": steps, "default": fc_default, "own": fc_own,
            "calibration": cal, "real": real}  # fmt: skip


def show(result: dict) -> None:
    print(f"model: ResNet-18, small stem, {result['trained']['epochs']} epochs, "
          f"held-out accuracy {result['trained']['held_out_accuracy']:.3f}")  # fmt: skip
    print(f"RESQUE_dist (gaussian_noise:3) = {result['index']['resque']:.4f}")
    for step, seconds in result["steps_s"].items():
        print(f"  {step:<40s} {seconds:8.1f} s")
    real = result["real"]
    print(
        f"real retraining ({real['target_rule']}): {real['epochs']:.2f} epochs"
        f"{' (censored)' if real['censored'] else ''}, {real['seconds']:.1f} s, {real['kwh']} kWh; "
        f"accuracy drop {result['trained']['held_out_accuracy'] - real['start_acc']:+.3f} "
        f"(held-out {result['trained']['held_out_accuracy']:.3f} -> {real['start_acc']:.3f} on the shifted data)"
    )
    for name, m in real["measures"].items():
        interval = f"{m['point']} [{m['low']}, {m['high']}]"
        print(f"  {name}: forecast {interval}, measured {m['measured']}, covered {m['covered']}")
    print(f"  target: {real['target']['label']} (accuracy {real['target']['accuracy']:.3f})")
    for name in ("default", "own"):
        fc = result[name]
        if isinstance(fc, dict):
            line = ", ".join(f"{m} {fc[m]['point']:.4g} [{fc[m]['low']:.4g}, {fc[m]['high']:.4g}]"
                             for m in ("epochs", "seconds", "kwh") if m in fc)  # fmt: skip
            print(f"forecast ({name} calibration): {line}")
            if fc.get("family_note"):
                print(f"  {fc['family_note']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--train-minutes", type=float, default=3.0)
    parser.add_argument("--calibrate-minutes", type=float, default=15.0)
    parser.add_argument("--out", type=Path, help="keep the model, data and records here (default: a temp dir)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        result = journey(args, out)
    print(json.dumps(result, indent=2, default=str)) if args.json else show(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
