"""compute_index on the embedded default: protocol, noise floor, task shift, the shift sweep."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resque_core.data import SHIFT_TYPES, ClassSubset, DigitsDataset, Preprocessed, Shifted, paper_split
from resque_core.errors import DataError, ResqueError, ShiftError
from resque_core.index.compute import compute_index
from resque_core.index.embed import class_sums
from resque_core.index.indices import resque_dist
from resque_core.index.request import IndexRequest
from resque_core.model.checkpoint import load_checkpoint
from resque_core.model.source import ModelSource

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def default():
    return load_checkpoint("default")


def _sums(loaded, dataset) -> np.ndarray:
    return class_sums(loaded.model, Preprocessed(dataset, loaded.input_spec), device="cpu").sums


@pytest.mark.slow  # about 8 s per type on 2 cores: every level of one shift type on the default model
@pytest.mark.parametrize("kind", SHIFT_TYPES)
def test_mean_dist_rises_with_every_shift_level_and_floor_is_below_level_one(default, kind):
    """One shift type x 5 levels x 3 seeds on the default model (one test per type, so workers share them)."""
    digits = DigitsDataset()
    means, floors = np.zeros(5), []
    for seed in range(3):
        original, new = paper_split(digits, seed)
        sums_o = _sums(default, original)
        floors.append(resque_dist(sums_o, _sums(default, new), digits.class_names).value)
        for level in range(1, 6):
            sums_n = _sums(default, Shifted(new, f"{kind}:{level}", seed))
            means[level - 1] += resque_dist(sums_o, sums_n, digits.class_names).value / 3
    floor = float(np.mean(floors))
    assert np.all(np.diff(means) > 0), f"{kind}: {np.round(means, 4)}"
    assert floor < means[0], f"{kind}: noise floor {floor:.4f} >= level 1 {means[0]:.4f}"
    assert 0 < floor < 0.02


def test_pipeline_matches_the_protocol_done_by_hand(default):
    report = compute_index(IndexRequest(shift="gaussian_noise:3", seed=2, device="cpu"))
    original, new = paper_split(DigitsDataset(), 2)
    sums_o = _sums(default, original)
    expected = resque_dist(sums_o, _sums(default, Shifted(new, "gaussian_noise:3", 2)), original.class_names)
    floor = resque_dist(sums_o, _sums(default, new), original.class_names)
    assert report.value == pytest.approx(expected.value, abs=1e-6)
    assert report.per_class == pytest.approx(expected.per_class, abs=1e-6)
    assert report.noise_floor == pytest.approx(floor.value, abs=1e-6)
    assert (report.kind, report.n_original, report.n_new) == ("dist", len(original), len(new))
    assert report.layer == "classifier:input" and report.device == "cpu"
    assert report.seconds > 0 and report.images_per_s > 0


def test_no_shift_gives_the_noise_floor_and_a_bounded_projection():
    seen = []
    report = compute_index(IndexRequest(device="cpu", max_points=300), progress=lambda d, t: seen.append((d, t)))
    assert report.value == report.noise_floor
    assert compute_index(IndexRequest(new="", device="cpu", max_points=0)).value == report.value  # "" = not given
    assert 0 < report.value < 0.02
    assert seen[-1] == (1797, 1797) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))
    proj = report.projection
    assert proj.xy.shape == (300, 2) and proj.is_new.sum() == 150
    assert set(proj.label) <= set("0123456789") and sum(proj.explained) <= 1
    data = report.to_dict()
    assert set(data) >= {"kind", "resque", "per_class", "noise_floor", "n_original", "n_new", "layer"}
    assert data["resque"] == report.value and len(data["per_class"]) == 10


def test_explicit_new_dataset_uses_the_whole_original(default):
    digits = DigitsDataset()
    report = compute_index(IndexRequest(new=digits, shift="contrast:2", device="cpu", max_points=0))
    expected = resque_dist(_sums(default, digits), _sums(default, Shifted(digits, "contrast:2", 0)), digits.class_names)
    assert report.value == pytest.approx(expected.value, abs=1e-6)
    assert (report.n_original, report.n_new, report.projection) == (1797, 1797, None)


def test_missing_class_is_named_before_embedding():
    new = ClassSubset(DigitsDataset(), [str(c) for c in range(9)])  # no '9'
    with pytest.raises(DataError, match="class '9' is missing from the new dataset"):
        compute_index(IndexRequest(new=new, device="cpu"))


def test_task_shift_with_the_0_4_model():
    report = compute_index(IndexRequest(model=ModelSource("default-0-4"), kind="task", device="cpu"))
    assert (report.kind, report.variant, report.per_class) == ("task", "centroids", {})
    assert (report.n_original, report.n_new) == (901, 896)
    assert report.noise_floor < 0.2 < report.value < 1.2  # its own classes cluster; digits 5-9 far less
    again = compute_index(IndexRequest(model=ModelSource("default-0-4"), kind="task", device="cpu"))
    assert again.value == report.value
    flat = compute_index(
        IndexRequest(model=ModelSource("default-0-4"), kind="task", task_variant="flat", layer="features")
    )
    assert flat.layer == "features" and flat.value != report.value


def test_task_bad_input():
    with pytest.raises(ShiftError, match="already knows every class"):
        compute_index(IndexRequest(kind="task", device="cpu"))
    single = ClassSubset(DigitsDataset(), ["5"])
    with pytest.raises(ShiftError, match="at least two classes"):
        compute_index(IndexRequest(model=ModelSource("default-0-4"), kind="task", new=single, device="cpu"))
    with pytest.raises(ResqueError, match="unknown index kind"):
        compute_index(IndexRequest(kind="both"))
    with pytest.raises(ResqueError, match="unknown task variant"):
        compute_index(IndexRequest(kind="task", task_variant="random"))
    with pytest.raises(ShiftError, match="unknown shift type"):
        compute_index(IndexRequest(shift="fog:2"))
