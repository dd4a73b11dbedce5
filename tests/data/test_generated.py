"""The generated shapes: deterministic by seed, balanced, RGB, classes that survive conversion to grey."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resque_core.data import open_source
from resque_core.data.generated import SHAPE_CLASSES, ShapesDataset, make_shapes
from resque_core.errors import DataError

LUMA = np.array([0.299, 0.587, 0.114])


def test_same_seed_same_images_other_seed_other_images():
    a, ya = make_shapes(5, seed=1)
    b, yb = make_shapes(5, seed=1)
    c, _ = make_shapes(5, seed=2)
    assert np.array_equal(a, b) and np.array_equal(ya, yb)
    assert not np.array_equal(a, c)


def test_ten_balanced_classes_of_32x32_rgb_in_unit_range():
    data = ShapesDataset(n_per_class=7, seed=0)
    assert data.class_names == list(SHAPE_CLASSES) and len(SHAPE_CLASSES) == 10
    assert np.bincount(data.targets).tolist() == [7] * 10
    image, label = data[13]
    assert image.shape == (3, 32, 32) and image.dtype == torch.float32 and label == 3
    assert float(image.min()) >= 0.0 and float(image.max()) <= 1.0
    assert data.name == "shapes:7:0" and ShapesDataset().name == "shapes"


def test_foreground_and_background_differ_in_brightness_in_every_image():
    images, targets = make_shapes(20, seed=0)
    grey = np.tensordot(images.astype(float) / 255, LUMA, axes=([1], [0]))  # (N, 32, 32)
    spread = np.percentile(grey, 95, axis=(1, 2)) - np.percentile(grey, 5, axis=(1, 2))
    assert spread.min() > 0.25  # the class survives conversion to grey


def test_classes_differ_in_shape_not_in_colour():
    images, targets = make_shapes(40, seed=0)
    grey = np.tensordot(images.astype(float) / 255, LUMA, axes=([1], [0]))
    foreground = grey > grey.mean(axis=(1, 2), keepdims=True)  # one of the two colours
    area = np.array([foreground[targets == c].mean() for c in range(10)])
    colour = np.array([images[targets == c].mean() / 255 for c in range(10)])
    assert np.ptp(colour) < 0.1  # the colours are drawn the same way for every class
    assert len(np.unique(np.round(area, 2))) >= 5  # but what is drawn differs


def test_bad_count_is_refused_in_words():
    with pytest.raises(DataError, match="at least 1 image per class"):
        make_shapes(0)


def test_open_source_names_the_shapes():
    data = open_source("shapes")
    assert len(data) == 1000 and data.name == "shapes"
    assert torch.equal(data.image(5), ShapesDataset().image(5))
