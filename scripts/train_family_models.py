"""Train the model library's two extra families once and write them to resque_core/assets/.

Seeded and reproducible on the CPU (one thread), like ``train_default_models.py`` (whose helpers it
uses): each model trains with Adam (lr 1e-3, batch 32) on the *original* part of the paper split
(seed 0) of its data, so the split's "new" part stays unseen; a stratified 20 % of that part is held
out for the recorded accuracy. The inputs are normalised with the training images' per-channel mean/std.

    shapes-resnet   SmallResNet (width 8) on the generated shapes, 32x32 RGB
    digits-mlp      MLP (128-64) on the embedded digits at their native 8x8 grey

    .venv/bin/python scripts/train_family_models.py            # a few minutes on one CPU core
    .venv/bin/python scripts/train_family_models.py --only digits-mlp
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

import torch
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resque_core.data import DigitsDataset, InputSpec, Preprocessed, paper_split  # noqa: E402
from resque_core.data.generated import ShapesDataset  # noqa: E402
from resque_core.model.architectures import build_model  # noqa: E402
from resque_core.model.checkpoint import save_checkpoint  # noqa: E402
from scripts.train_default_models import evaluate, stratified_holdout, to_tensors, train_adam, weights_digest  # noqa: E402

MODELS = {
    "shapes-resnet": {
        "file": "family_shapes_resnet.pt",
        "data": "shapes",
        "size": (32, 32),
        "channels": 3,
        "arch": {"kind": "resque", "name": "SmallResNet", "kwargs": {"num_classes": 10, "in_channels": 3, "width": 8}},
        "epochs": 10,
    },
    "digits-mlp": {
        "file": "family_digits_mlp.pt",
        "data": "digits",
        "size": (8, 8),
        "channels": 1,
        "arch": {"kind": "resque", "name": "MLP", "kwargs": {"num_classes": 10, "in_features": 64}},
        "epochs": 30,
    },
}
MAX_BYTES = 2 * 2**20


def dataset(name: str):
    return ShapesDataset() if name == "shapes" else DigitsDataset()


def train_one(spec: dict, seed: int) -> tuple[nn.Module, InputSpec, float, dict]:
    original, _new = paper_split(dataset(spec["data"]), seed=seed)
    train_idx, val_idx = stratified_holdout(original.targets, 0.2, seed)
    c = spec["channels"]
    raw = Preprocessed(original, InputSpec(spec["size"], c, (0.0,) * c, (1.0,) * c))
    x_all, y_all = to_tensors(raw)
    mean = x_all[train_idx].mean(dim=(0, 2, 3))
    std = x_all[train_idx].std(dim=(0, 2, 3))
    input_spec = InputSpec(
        spec["size"], c, tuple(round(float(m), 6) for m in mean), tuple(round(float(s), 6) for s in std)
    )
    x_all = (x_all - torch.tensor(input_spec.mean).view(1, -1, 1, 1)) / torch.tensor(input_spec.std).view(1, -1, 1, 1)
    x_train, y_train, x_val, y_val = x_all[train_idx], y_all[train_idx], x_all[val_idx], y_all[val_idx]

    torch.manual_seed(seed)
    model = train_adam(build_model(spec["arch"]), x_train, y_train, spec["epochs"], seed)
    accuracy = evaluate(model, x_val, y_val)
    counts = {"n_train": len(train_idx), "n_val": len(val_idx), "n_original": len(original)}
    return model.eval(), input_spec, accuracy, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=sorted(MODELS), help="train one family (default: both)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "resque_core" / "assets")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    args.out.mkdir(parents=True, exist_ok=True)
    catalogue = args.out / "family_models.json"
    metadata = json.loads(catalogue.read_text()) if catalogue.is_file() else {}
    for family, spec in MODELS.items():
        if args.only and family != args.only:
            continue
        start = time.perf_counter()
        model, input_spec, accuracy, counts = train_one(spec, args.seed)
        names = list(dataset(spec["data"]).class_names)
        meta = {
            "family": family,
            "data": spec["data"],
            "seed": args.seed,
            "split": "paper_split(seed) original part (parts 1+3); 20% of it held out for accuracy",
            "epochs": spec["epochs"],
            "optimizer": "Adam lr=1e-3, batch 32",
            **counts,
            "torch": str(torch.__version__),
            "python": platform.python_version(),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "python scripts/train_family_models.py" + (f" --seed {args.seed}" if args.seed else ""),
            "train_s": round(time.perf_counter() - start, 2),
        }
        path = args.out / spec["file"]
        save_checkpoint(path, model, spec["arch"], input_spec, names, accuracy, meta)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SystemExit(f"{path.name} is {size:,} bytes, over the 2 MB an asset may take: use a smaller model")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        metadata[spec["file"]] = {"classes": names, "accuracy": round(accuracy, 4), "input_spec": input_spec.to_dict()}
        metadata[spec["file"]].update(meta, bytes=size, sha256=digest, weights_sha256=weights_digest(model))
        print(
            f"{family}: {path.name} accuracy {accuracy:.4f} on {counts['n_val']} held-out images ({meta['train_s']} s)"
        )
    catalogue.write_text(json.dumps(metadata, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
