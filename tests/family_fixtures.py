"""Calibration records of three synthetic model families whose epochs are one share of their original training."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.records_fixtures import synthetic_records

# family key -> epochs of its original training: 30, 10 and 60
TRAIN_EPOCHS = {"SmallCNN 16x16x1": 30.0, "SmallResNet 32x32x3": 10.0, "MLP 8x8x1": 60.0}


def share_of_training(index) -> np.ndarray:
    """The true cost as a share of the original training: 0.05 + 2 x index."""
    return 0.05 + 2 * np.asarray(index, dtype=float)


def three_family_records(noise: float = 0.0) -> pd.DataFrame:
    """Per family 30 runs (and 4 from-scratch runs at 80% of its training) with epochs = train epochs x share."""
    frames = []
    for i, (key, train_epochs) in enumerate(TRAIN_EPOCHS.items()):
        rows = synthetic_records(n=30, seed=i, n_scratch=4)
        rows["arch"], rows["input_size"] = key.split()
        rng = np.random.default_rng(10 + i)
        retrain = rows.run_kind == "retrain"
        share = share_of_training(rows.loc[retrain, "index_value"]) + rng.normal(0, noise, int(retrain.sum()))
        rows.loc[retrain, "epochs"] = np.clip(train_epochs * share, 0.01, None)
        rows.loc[~retrain, "epochs"] = train_epochs * 0.8
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)
