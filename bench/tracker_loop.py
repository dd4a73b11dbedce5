"""The tracker's cost inside a real training loop: a torchvision ResNet-18 fine-tuned on the embedded digits
(8x8 grey images upsampled to 32x32 RGB, 1,347 to train, 450 to evaluate), evaluated once per epoch as the
``track`` example does, under codecarbon. The overhead is the time spent inside ``run.evaluated`` and
``run.remaining`` (the tracker times itself) over the loop's epoch time; the one-off fit of the refinement (made
in the background when a run begins) is timed apart and left out.

Usage (also part of ``bench/live_refinement.py``):
    python bench/tracker_loop.py [--epochs 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.data.digits import DigitsDataset  # noqa: E402
from resque_core.live import Prior, track  # noqa: E402
from resque_core.live.remaining import live_refiner  # noqa: E402


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    data = DigitsDataset()
    x = torch.stack([data[i][0] for i in range(len(data))]).float()
    x = F.interpolate(x, size=32, mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
    return x, torch.tensor([int(data[i][1]) for i in range(len(data))])


def timed_loop(tmp: pathlib.Path, epochs: int = 3) -> dict:
    """Train for ``epochs`` under ``track`` and return the overhead figures."""
    from torchvision.models import resnet18

    torch.manual_seed(0)
    x, y = _data()
    order = torch.randperm(len(y))
    train, val = order[:1347], order[1347:]
    model = resnet18(num_classes=10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    live_refiner(True)
    fit_s = time.perf_counter() - t0
    epoch_s = []
    prior = Prior(epochs=4.0, low=1.0, high=12.0, source="a typed-in forecast", index=0.04, index_kind="dist")
    name, db = "bench-resnet18-digits", tmp / "runs.sqlite"
    with track(name, target_acc=0.99, max_epochs=epochs, prior=prior, db=db) as run:
        for epoch in range(epochs):
            start = time.perf_counter()
            model.train()
            for batch in train[torch.randperm(len(train))].split(64):
                optimizer.zero_grad()
                F.cross_entropy(model(x[batch]), y[batch]).backward()
                optimizer.step()
            model.eval()
            with torch.inference_mode():
                acc = float((model(x[val]).argmax(1) == y[val]).float().mean())
            epoch_s.append(time.perf_counter() - start)
            run.evaluated(epoch + 1, acc)
            run.remaining()
    per_epoch_s = sum(epoch_s) / len(epoch_s)
    per_eval_s = run.overhead_s / epochs  # one evaluated() and one remaining() per epoch
    return {
        "tracker_overhead_pct": 100 * per_eval_s / per_epoch_s,
        "tracker_ms_per_evaluation": 1000 * per_eval_s,
        "tracker_epoch_s": per_epoch_s,
        "tracker_model": "torchvision resnet18, 1,347 digits at 32x32, batch 64, CPU, codecarbon on",
        "refiner_fit_s": fit_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = timed_loop(pathlib.Path(tmp), args.epochs)
    print(json.dumps(result) if args.json else result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
