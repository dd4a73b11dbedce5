from __future__ import annotations

import numpy as np
import pytest

from resque_core.data import open_source, sample_grid
from resque_core.data.sources import default_data_root
from resque_core.errors import DataError


def test_unknown_spec_lists_the_accepted_forms(tmp_path):
    with pytest.raises(DataError) as err:
        open_source(str(tmp_path / "nowhere"))
    message = str(err.value)
    assert "no such file or folder" in message
    for form in ("'digits'", "a folder of class sub-folders", ".zip", ".npz", "torchvision:NAME"):
        assert form in message


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    with pytest.raises(DataError, match="cannot read 'data.csv' as a dataset.*torchvision:NAME"):
        open_source(str(path))


def test_default_data_root_is_a_user_cache_dir():
    root = default_data_root()
    assert root.name == "torchvision" and "resque" in str(root).lower()


def test_sample_grid_gives_uint8_thumbnails_per_class(digits):
    grid = sample_grid(digits, per_class=2, seed=0)
    assert [name for name, _ in grid] == [str(c) for c in range(10) for _ in range(2)]
    name, thumb = grid[0]
    assert thumb.shape == (8, 8, 1) and thumb.dtype == np.uint8
    assert set(np.unique(thumb).tolist()) <= {round(v * 255 / 16) for v in range(17)}
    assert [t.tobytes() for _, t in grid] == [t.tobytes() for _, t in sample_grid(digits, 2, seed=0)]
    assert [t.tobytes() for _, t in grid] != [t.tobytes() for _, t in sample_grid(digits, 2, seed=1)]
