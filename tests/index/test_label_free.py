"""The label-free RESQUE_dist (new data grouped by the old model's predicted class) and the old model's
accuracy and confidence on the new data, computed in the index's own passes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resque_core.data import DigitsDataset, Preprocessed, Shifted
from resque_core.data.arrays import ArrayDataset
from resque_core.errors import ResqueError
from resque_core.index.compute import compute_index
from resque_core.index.indices import resque_dist, resque_dist_free
from resque_core.index.request import IndexRequest
from resque_core.model.checkpoint import load_checkpoint

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def shifted_new():
    """Shifted digits as an in-memory dataset, its true labels, and what the default model predicts on them."""
    loaded = load_checkpoint("default")
    shifted = Shifted(DigitsDataset(), "gaussian_noise:3", 0)
    images = torch.stack([shifted.image(i) for i in range(len(shifted))]).numpy()
    with torch.inference_mode():
        x = torch.stack([Preprocessed(shifted, loaded.input_spec)[i][0] for i in range(len(shifted))])
        predicted = loaded.model.eval()(x).argmax(dim=1).numpy()
    names = DigitsDataset().class_names
    return images, shifted.targets, predicted, names


def _index(new, labels: str):
    return compute_index(IndexRequest(new=new, labels=labels, device="cpu", max_points=0))


def test_label_free_equals_the_labelled_index_when_predictions_are_the_labels(shifted_new):
    images, truth, predicted, names = shifted_new
    assert len(set(predicted)) == len(names)  # every class predicted: the labelled index is defined
    as_predicted = ArrayDataset(images, predicted, names, "predicted labels")
    given, free = _index(as_predicted, "given"), _index(as_predicted, "predicted")
    assert free.value == pytest.approx(given.value, abs=1e-9)
    assert free.per_class == pytest.approx(given.per_class, abs=1e-9)
    assert given.accuracy_new == 1.0 and free.accuracy_new is None and free.labels == "predicted"
    assert free.mean_conf == pytest.approx(given.mean_conf, abs=1e-12)
    assert any(note.startswith("label-free") for note in free.notes)


def test_label_free_differs_from_the_labelled_index_when_the_model_errs(shifted_new):
    images, truth, predicted, names = shifted_new
    true_data = ArrayDataset(images, truth, names, "true labels")
    given, free = _index(true_data, "given"), _index(true_data, "predicted")
    same_images = _index(ArrayDataset(images, predicted, names, "predicted labels"), "predicted")
    assert free.value == pytest.approx(same_images.value, abs=1e-9)  # labels play no part in it
    assert abs(free.value - given.value) > 1e-3
    assert given.accuracy_new == pytest.approx(float(np.mean(predicted == truth)), abs=1e-12)
    assert 0.5 < given.accuracy_new < 1.0
    assert given.acc_drop == pytest.approx(given.base_acc - given.accuracy_new)
    assert given.base_acc_source == "checkpoint"
    data = given.to_dict()
    assert data["labels"] == "given" and data["acc_drop"] == given.acc_drop and 0 < data["mean_conf"] <= 1


def test_simulated_shift_reports_accuracy_and_confidence_that_fall_with_the_level():
    mild = compute_index(IndexRequest(shift="gaussian_noise:1", device="cpu", max_points=0))
    strong = compute_index(IndexRequest(shift="gaussian_noise:5", device="cpu", max_points=0))
    assert strong.accuracy_new < mild.accuracy_new and strong.mean_conf < mild.mean_conf
    assert strong.acc_drop > mild.acc_drop
    free = compute_index(IndexRequest(shift="gaussian_noise:5", device="cpu", max_points=0, labels="predicted"))
    assert free.mean_conf == pytest.approx(strong.mean_conf, abs=1e-12) and free.value > free.noise_floor


def test_a_class_never_predicted_counts_as_fully_shifted():
    original = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    predicted = np.array([[2.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    free = resque_dist_free(original, predicted, ["a", "b", "c"])
    assert free.per_class == pytest.approx({"a": 0.0, "b": 0.5, "c": 0.0}, abs=1e-7)
    assert free.value == pytest.approx(0.5 / 3, abs=1e-7)
    whole = resque_dist(original, original, ["a", "b", "c"])
    assert resque_dist_free(original, original, ["a", "b", "c"]) == whole


def test_the_label_free_task_index_is_refused_in_one_sentence():
    with pytest.raises(ResqueError, match="RESQUE_task needs the new classes' labels"):
        compute_index(IndexRequest(kind="task", labels="predicted", device="cpu"))
    with pytest.raises(ResqueError, match="unknown labels"):
        compute_index(IndexRequest(labels="none", device="cpu"))
