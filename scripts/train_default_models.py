"""Train the two embedded default models (digits 0-9 and digits 0-4) and write them to resque_core/assets/.

Seeded and reproducible on the CPU (one thread): a ``SmallCNN`` at 16x16, 1 channel, normalised with
the training images' mean/std, trained with Adam (lr 1e-3, batch 32) on the *original* part of the
paper split (seed 0) of the embedded digits, so the split's "new" part 2 stays unseen. A stratified
20 % of that original part is held out for the recorded accuracy.

    .venv/bin/python scripts/train_default_models.py            # ~1 minute on one CPU core
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import pathlib
import platform
import sys
import time

import numpy as np
import torch
import torchvision
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resque_core.data import ClassSubset, DigitsDataset, InputSpec, Preprocessed, paper_split  # noqa: E402
from resque_core.model.architectures import SmallCNN  # noqa: E402
from resque_core.model.checkpoint import save_checkpoint  # noqa: E402

SIZE = (16, 16)
MODELS = {"default_digits_0-9.pt": list(range(10)), "default_digits_0-4.pt": list(range(5))}


def stratified_holdout(targets: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) with ``fraction`` of each class in validation."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(targets):
        members = rng.permutation(np.flatnonzero(targets == c))
        n_val = max(1, round(fraction * len(members)))
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def to_tensors(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.stack([dataset[i][0] for i in range(len(dataset))])
    return images, torch.as_tensor(dataset.targets, dtype=torch.int64)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.inference_mode():
        return float((model(x).argmax(dim=1) == y).float().mean())


def train_one(classes: list[int], seed: int, epochs: int) -> tuple[nn.Module, InputSpec, float, dict]:
    digits = DigitsDataset()
    data = ClassSubset(digits, classes) if len(classes) < len(digits.class_names) else digits
    original, _new = paper_split(data, seed=seed)
    train_idx, val_idx = stratified_holdout(original.targets, 0.2, seed)
    raw = Preprocessed(original, InputSpec(SIZE, 1, (0.0,), (1.0,)))  # resized, not yet normalised
    x_all, y_all = to_tensors(raw)
    mean, std = float(x_all[train_idx].mean()), float(x_all[train_idx].std())
    spec = InputSpec(SIZE, 1, (round(mean, 6),), (round(std, 6),))
    x_all = (x_all - spec.mean[0]) / spec.std[0]
    x_train, y_train, x_val, y_val = x_all[train_idx], y_all[train_idx], x_all[val_idx], y_all[val_idx]

    torch.manual_seed(seed)
    model = train_adam(SmallCNN(num_classes=len(classes), in_channels=1), x_train, y_train, epochs, seed)
    accuracy = evaluate(model, x_val, y_val)
    counts = {"n_train": len(train_idx), "n_val": len(val_idx), "n_original": len(original)}
    return model.eval(), spec, accuracy, counts


def train_adam(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, seed: int) -> nn.Module:
    """``epochs`` of Adam (lr 1e-3, batches of 32 in a seeded order) on (x, y); the model, trained in place."""
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.Generator().manual_seed(seed)
    for _epoch in range(epochs):
        model.train()
        for batch in torch.randperm(len(x), generator=order).split(32):
            optimiser.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimiser.step()
    return model


def weights_digest(model: nn.Module) -> str:
    """Hash of the weights alone (the file's own hash also covers the date): equal across reruns."""
    h = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        h.update(name.encode() + tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "resque_core" / "assets")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    args.out.mkdir(parents=True, exist_ok=True)
    metadata = {}
    for filename, classes in MODELS.items():
        start = time.perf_counter()
        model, spec, accuracy, counts = train_one(classes, args.seed, args.epochs)
        names = [str(c) for c in classes]
        arch = {"kind": "resque", "name": "SmallCNN", "kwargs": {"num_classes": len(classes), "in_channels": 1}}
        meta = {
            "seed": args.seed,
            "split": "paper_split(seed) original part (parts 1+3); 20% of it held out for accuracy",
            "epochs": args.epochs,
            "optimizer": "Adam lr=1e-3, batch 32",
            **counts,
            "torch": str(torch.__version__),
            "torchvision": str(torchvision.__version__),
            "python": platform.python_version(),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "python scripts/train_default_models.py" + (f" --seed {args.seed}" if args.seed else ""),
            "train_s": round(time.perf_counter() - start, 2),
        }
        path = args.out / filename
        save_checkpoint(path, model, arch, spec, names, accuracy, meta)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        metadata[filename] = {"classes": names, "accuracy": round(accuracy, 4), "input_spec": spec.to_dict(), **meta}
        metadata[filename].update(sha256=digest, weights_sha256=weights_digest(model))
        print(f"{filename}: accuracy {accuracy:.4f} on {counts['n_val']} held-out images ({meta['train_s']} s)")
    (args.out / "models.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
