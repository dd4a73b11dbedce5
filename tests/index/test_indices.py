"""RESQUE_dist against a naive reference on real digits; RESQUE_task on synthetic embeddings."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from resque_core.data import DigitsDataset, InputSpec, Preprocessed, Shifted, paper_split
from resque_core.errors import EmbeddingError
from resque_core.index.embed import class_sums
from resque_core.index.indices import resque_dist, resque_task
from resque_core.model.architectures import SmallCNN

torch.set_num_threads(1)
SPEC = InputSpec((16, 16), 1, (0.3,), (0.4,))


def _naive_dist(model: SmallCNN, original, new) -> tuple[float, list[float]]:
    """Per the definition: one pass per class, batch size 1, plain sums, arccos of the cosine / pi."""
    angles = []
    for c in range(len(original.class_names)):
        sums = []
        for data in (original, new):
            total = torch.zeros(model.fc1.out_features, dtype=torch.float64)
            for i in range(len(data)):
                image, label = data[i]
                if label != c:
                    continue
                with torch.no_grad():
                    h = model.flatten(model.pool(model.features(image[None])))
                    total += model.relu(model.fc1(h))[0].double()
            sums.append(total)
        s, t = sums
        cos = float(s @ t) / (math.sqrt(float(s @ s)) * math.sqrt(float(t @ t)))
        angles.append(math.acos(max(-1.0, min(1.0, cos))) / math.pi)
    return sum(angles) / len(angles), angles


def test_dist_matches_naive_reference_on_digits():
    torch.manual_seed(0)
    model = SmallCNN(num_classes=10, width=4, hidden=12).eval()
    digits = DigitsDataset()
    original, new = paper_split(digits, seed=1)
    original = Preprocessed(original, SPEC)
    new = Preprocessed(Shifted(new, "gaussian_noise:4", seed=1), SPEC)
    a = class_sums(model, original, batch_size=64, device="cpu")
    b = class_sums(model, new, batch_size=256, device="cpu")
    result = resque_dist(a.sums, b.sums, digits.class_names)
    expected, per_class = _naive_dist(model, original, new)
    assert result.value == pytest.approx(expected, abs=1e-5)
    assert list(result.per_class) == digits.class_names
    assert np.allclose(list(result.per_class.values()), per_class, atol=1e-5)
    assert 0 < result.value < 0.5


def test_dist_values_on_known_vectors():
    s = np.array([[1.0, 0.0], [0.0, 2.0]])
    t = np.array([[0.0, 3.0], [0.0, 5.0]])  # class a: 90 degrees, class b: 0 degrees
    result = resque_dist(s, t, ["a", "b"])
    assert result.per_class == pytest.approx({"a": 0.5, "b": 0.0})
    assert result.value == pytest.approx(0.25)
    assert resque_dist(s, -s, ["a", "b"]).value == pytest.approx(1.0)


def test_dist_zero_class_and_shape_errors():
    s = np.ones((3, 4))
    t = s.copy()
    t[1] = 0
    with pytest.raises(EmbeddingError, match="class 'b' has a zero .* in the new data"):
        resque_dist(s, t, ["a", "b", "c"])
    with pytest.raises(EmbeddingError, match="class sums must both be"):
        resque_dist(s, np.ones((3, 5)), ["a", "b", "c"])


def _blobs(spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 16)) * 10
    labels = np.repeat(np.arange(4), 50) + 5  # labels need not start at 0
    return centres[labels - 5] + rng.normal(size=(200, 16)) * spread, labels


def test_task_well_separated_classes_give_about_zero():
    x, y = _blobs(0.1)
    result = resque_task(x, y)
    assert result.value == pytest.approx(0.0, abs=1e-9)
    assert result.ari == pytest.approx(1.0) and result.n_clusters == 4 and result.init == "centroids"
    assert resque_task(x, y, init="k-means++", seed=3).value < 0.05


def test_task_random_labels_give_about_one():
    x, _ = _blobs(0.1)
    y = np.random.default_rng(1).integers(0, 4, size=len(x))
    result = resque_task(x, y)
    assert result.value == pytest.approx(1.0, abs=0.05)


def test_task_is_deterministic_for_a_seed():
    x, y = _blobs(8.0)
    first = resque_task(x, y, init="k-means++", seed=7)
    assert resque_task(x, y, init="k-means++", seed=7) == first
    assert resque_task(x, y) == resque_task(x, y)


def test_task_bad_input():
    x, y = _blobs(0.1)
    with pytest.raises(EmbeddingError, match="at least two classes"):
        resque_task(x, np.zeros(len(x), dtype=int))
    with pytest.raises(EmbeddingError, match="more samples"):
        resque_task(x[:2], y[[0, 199]])
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(EmbeddingError, match="NaN"):
        resque_task(bad, y)
    with pytest.raises(EmbeddingError, match="unknown k-means init"):
        resque_task(x, y, init="random")
