from __future__ import annotations

import numpy as np
import pytest
import torch

from resque_core.data import NpzDataset, open_source
from resque_core.errors import DataError


def _save(tmp_path, name="d.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_uint8_nhw_with_class_names(tmp_path):
    x = np.arange(4 * 5 * 6, dtype=np.uint8).reshape(4, 5, 6)
    path = _save(tmp_path, x=x, y=np.array([0, 1, 1, 0]), class_names=np.array(["cat", "dog"]))
    ds = open_source(str(path))
    assert isinstance(ds, NpzDataset) and ds.name == "d"
    assert len(ds) == 4 and ds.class_names == ["cat", "dog"] and ds.class_counts() == {"cat": 2, "dog": 2}
    img = ds.image(1)
    assert img.shape == (1, 5, 6) and img.dtype == torch.float32
    assert torch.allclose(img[0], torch.from_numpy(x[1].astype(np.float32) / 255))
    assert ds.problems == []


def test_nhwc_and_nchw_layouts_give_the_same_images(tmp_path):
    rng = np.random.default_rng(0)
    nhwc = rng.random((3, 7, 5, 3), dtype=np.float32)
    a = NpzDataset(_save(tmp_path, "a.npz", x=nhwc, y=np.array([0, 1, 2])))
    b = NpzDataset(_save(tmp_path, "b.npz", x=np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2)), y=np.array([0, 1, 2])))
    assert a.image(2).shape == (3, 7, 5)
    assert torch.equal(a.image(2), b.image(2))
    assert torch.allclose(a.image(0), torch.from_numpy(nhwc[0]).permute(2, 0, 1))
    assert a.class_names == ["0", "1", "2"]


def test_float_0_255_is_rescaled_and_noted(tmp_path):
    x = np.full((2, 4, 4), 255.0)
    ds = NpzDataset(_save(tmp_path, x=x, y=np.array([0.0, 1.0])))
    assert float(ds.image(0).max()) == 1.0
    assert any("divided by 255" in p for p in ds.problems)
    assert any("float labels" in p for p in ds.problems)


def test_rgba_drops_alpha_and_skipped_labels_are_noted(tmp_path):
    x = np.zeros((2, 4, 4, 4), dtype=np.uint8)
    ds = NpzDataset(_save(tmp_path, x=x, y=np.array([0, 3])))
    assert ds.image(0).shape == (3, 4, 4)
    assert ds.class_names == ["0", "1", "2", "3"]
    assert any("alpha" in p for p in ds.problems) and any("empty classes" in p for p in ds.problems)


def test_wrong_keys_lists_the_keys_found(tmp_path):
    path = _save(tmp_path, images=np.zeros((2, 4, 4)), labels=np.array([0, 1]))
    with pytest.raises(DataError, match="needs arrays 'x' .* and 'y' .*found: images, labels"):
        NpzDataset(path)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((2, 4)), np.array([0, 1]), "x has shape \\(2, 4\\)"),
        (np.zeros((2, 5, 4, 4, 2)), np.array([0, 1]), "expected \\(N, H, W\\)"),
        (np.zeros((2, 5, 6, 7)), np.array([0, 1]), "C = 1 or 3"),
        (np.zeros((0, 4, 4)), np.zeros(0, dtype=int), "no images"),
        (np.array([[[np.nan, 0]]] * 2), np.array([0, 1]), "2 NaN or infinite"),
        (np.array([[[np.inf, -np.inf]]] * 2), np.array([0, 1]), "4 NaN or infinite"),
        (np.full((2, 3, 3), 300.0), np.array([0, 1]), "pixel values span 300..300"),
        (np.full((2, 3, 3), -0.5), np.array([0, 1]), "pixel values span -0.5"),
        (np.zeros((2, 3, 3), dtype=bool), np.array([0, 1]), "must hold numbers"),
        (np.zeros((3, 4, 4)), np.array([0, 1]), "x has 3 images, y has shape \\(2,\\)"),
        (np.zeros((2, 4, 4)), np.array([[0, 1]]), "y must be 1-D"),
        (np.zeros((2, 4, 4)), np.array([0, -1]), "0 or more; y\\[1\\] = -1"),
        (np.zeros((2, 4, 4)), np.array([0, 1.5]), "integers; y\\[1\\] = 1.5"),
        (np.zeros((2, 4, 4)), np.array([0.0, np.nan]), "integers; y\\[1\\] = nan"),
        (np.zeros((2, 4, 4)), np.array(["a", "b"]), "got dtype <U1"),
    ],
)
def test_malformed_arrays_say_what_is_wrong(tmp_path, x, y, message):
    with pytest.raises(DataError, match=message):
        NpzDataset(_save(tmp_path, x=x, y=y))


def test_labels_out_of_range_for_the_class_names(tmp_path):
    path = _save(tmp_path, x=np.zeros((3, 4, 4)), y=np.array([0, 1, 2]), class_names=np.array(["a", "b"]))
    with pytest.raises(DataError, match="labels must be 0..1 for 2 class names; y\\[2\\] = 2"):
        NpzDataset(path)


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    path = _save(tmp_path, x=np.zeros((2, 4, 4)), y=np.array([0, 1]), class_names=np.array([{"a": 1}, None]))
    with pytest.raises(DataError, match="object arrays"):
        NpzDataset(path)


def test_not_an_npz(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"this is not a zip archive")
    with pytest.raises(DataError, match="not a readable .npz"):
        NpzDataset(bad)
    single = tmp_path / "single.npz"
    with open(single, "wb") as f:
        np.save(f, np.zeros(3))
    with pytest.raises(DataError, match="single array"):
        NpzDataset(single)
