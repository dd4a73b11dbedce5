"""Synthetic calibration records with a known relation, for the records and forecaster tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from resque_core.forecast.records import RECORD_COLUMNS

SHIFT_TYPES = ("gaussian_noise", "gaussian_blur", "salt_and_pepper", "contrast")
KWH_PER_EPOCH = 2e-4
SECONDS_PER_EPOCH = 3.0
INTENSITY_G_PER_KWH = 400.0


def true_epochs(index: np.ndarray, intercept: float = 2.0, slope: float = 300.0) -> np.ndarray:
    return intercept + slope * np.asarray(index, dtype=float)


def synthetic_records(
    n: int = 40, seed: int = 0, noise: float = 2.0, n_censored: int = 0, n_scratch: int = 0, cap: float = 40.0
) -> pd.DataFrame:
    """``n`` retraining runs with epochs = 2 + 300 x index + N(0, noise), every schema column filled."""
    rng = np.random.default_rng(seed)
    index = rng.uniform(0.01, 0.1, n)
    epochs = np.clip(true_epochs(index) + rng.normal(0, noise, n), 0.1, None)
    censored = np.zeros(n, dtype=int)
    if n_censored:
        top = np.argsort(index)[-n_censored:]
        censored[top], epochs[top] = 1, cap
    rows = pd.DataFrame(
        {
            "run_id": [f"syn-{seed}-{i}" for i in range(n)],
            "date": "2026-11-23T08:00:00Z",
            "run_kind": "retrain",
            "index_kind": "dist",
            "index_value": index,
            "noise_floor": 0.002,
            "shift_type": [SHIFT_TYPES[i % len(SHIFT_TYPES)] for i in range(n)],
            "shift_level": [1 + i % 5 for i in range(n)],
            "seed": seed,
            "model": "SmallCNN digits 0-9",
            "dataset": "digits",
            "arch": "SmallCNN",
            "n_params": 28106,
            "input_size": "16x16x1",
            "n_train": 404,
            "hardware": "cpu: synthetic",
            "target_rule": "base-2pt",
            "target_acc": 0.9,
            "start_acc": 0.9 - index * 3,
            "acc_gap": index * 3 + rng.normal(0, 0.05, n),
            "epochs": epochs,
            "censored": censored,
            "max_epochs": cap,
            "grad_norm": 0.5 + 10 * index + rng.normal(0, 0.05, n),
            "param_change": 0.01 + 0.2 * index + rng.normal(0, 0.001, n),
            "seconds": epochs * SECONDS_PER_EPOCH,
            "kwh": epochs * KWH_PER_EPOCH,
            "co2_kg": epochs * KWH_PER_EPOCH * INTENSITY_G_PER_KWH / 1000,
            "kwh_per_epoch": KWH_PER_EPOCH,
            "energy_source": "codecarbon-estimate",
            "country_iso": "DEU",
            "intensity_g_per_kwh": INTENSITY_G_PER_KWH,
            "versions": "torch 2.14.1; codecarbon 3.3.2",
            "sweep_id": None,
        }
    )
    rows["shift"] = rows["shift_type"] + ":" + rows["shift_level"].astype(str)
    if n_scratch:
        scratch = rows.iloc[:n_scratch].copy()
        scratch["run_kind"] = "scratch"
        scratch["run_id"] = scratch["run_id"] + "-scratch"
        scratch["epochs"] = 30.0 + rng.normal(0, 1.0, n_scratch)
        scratch["censored"] = 0
        scratch["kwh"] = scratch["epochs"] * KWH_PER_EPOCH
        scratch["seconds"] = scratch["epochs"] * SECONDS_PER_EPOCH
        scratch["co2_kg"] = scratch["kwh"] * INTENSITY_G_PER_KWH / 1000
        rows = pd.concat([rows, scratch], ignore_index=True)
    return rows.reindex(columns=list(RECORD_COLUMNS))


def synthetic_curves(records: pd.DataFrame, base_acc: float = 0.95, step: float = 0.25) -> pd.DataFrame:
    """One evaluation curve per record: accuracy rising linearly from ``start_acc`` to ``base_acc`` over the
    record's own epochs, then flat to its cap; seconds and kWh at the fixtures' rates (``forecast.curves``)."""
    rows = []
    for run in records.to_dict("records"):
        done = max(float(run["epochs"]), step)
        for epoch in np.arange(0.0, float(run["max_epochs"]) + 1e-9, step):
            share = min(epoch / done, 1.0)
            acc = run["start_acc"] + share * (base_acc - run["start_acc"])
            rows.append((run["run_id"], epoch, acc, epoch * SECONDS_PER_EPOCH, epoch * KWH_PER_EPOCH))
    return pd.DataFrame(rows, columns=["run_id", "epoch", "val_acc", "seconds", "energy_kwh"])
