from __future__ import annotations

import struct

import numpy as np
import pytest

from resque_core.data import TorchvisionDataset, open_source
from resque_core.errors import DataError


def _write_idx(path, array: np.ndarray) -> None:
    """MNIST's idx format: magic (0, 0, ubyte=8, ndim), big-endian int32 dims, then the bytes."""
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def mnist_root(tmp_path):
    """A tiny real MNIST cache: 6 training and 2 test images, in torchvision's raw layout."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    train = np.arange(6 * 28 * 28).reshape(6, 28, 28) % 256
    _write_idx(raw / "train-images-idx3-ubyte", train)
    _write_idx(raw / "train-labels-idx1-ubyte", np.array([0, 1, 2, 9, 9, 3]))
    _write_idx(raw / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28)))
    _write_idx(raw / "t10k-labels-idx1-ubyte", np.array([4, 5]))
    return tmp_path


def test_reads_a_local_mnist_cache_without_download(mnist_root):
    ds = open_source("torchvision:MNIST", data_root=mnist_root)
    assert isinstance(ds, TorchvisionDataset) and ds.name == "MNIST"
    assert len(ds) == 6 and ds.class_names == [str(d) for d in range(10)]
    assert ds.targets.tolist() == [0, 1, 2, 9, 9, 3]
    x = ds.image(1)
    assert x.shape == (1, 28, 28)
    assert abs(float(x[0, 0, 1]) - ((784 + 1) % 256) / 255) < 1e-6
    test = open_source("torchvision:MNIST:test", data_root=mnist_root)
    assert test.name == "MNIST-test" and test.targets.tolist() == [4, 5]


def test_missing_without_permission_says_how_to_allow_it(tmp_path):
    with pytest.raises(DataError, match="not in .*allow_download=True \\(CLI: --allow-download\\)"):
        open_source("torchvision:CIFAR10", data_root=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing downloaded


def test_failed_download_is_a_clear_error(tmp_path, monkeypatch):
    import torchvision.datasets.mnist as tv_mnist
    import torchvision.datasets.utils as tv_utils

    def offline(*args, **kwargs):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", offline)
    monkeypatch.setattr(tv_utils, "download_and_extract_archive", offline)
    with pytest.raises(DataError, match="could not download torchvision dataset MNIST .*name resolution.*network"):
        TorchvisionDataset("MNIST", tmp_path, allow_download=True)


def test_unknown_names_and_splits(tmp_path):
    with pytest.raises(DataError, match="unknown torchvision dataset 'ImageNet'; supported: CIFAR10, CIFAR100"):
        open_source("torchvision:ImageNet", data_root=tmp_path)
    with pytest.raises(DataError, match="'train' or 'test'"):
        open_source("torchvision:MNIST:val", data_root=tmp_path)
