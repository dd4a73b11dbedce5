from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from resque_core.data import FolderDataset, InputSpec, Preprocessed, open_source
from resque_core.errors import DataError

from .images import grey, write_tree


def test_png_tree_classes_labels_and_pixels(tmp_path):
    root = write_tree(tmp_path / "shapes", {"b": 100, "a": 10})
    ds = open_source(str(root))
    assert isinstance(ds, FolderDataset) and ds.name == "shapes"
    assert ds.class_names == ["a", "b"]  # sorted by folder name
    assert ds.targets.tolist() == [0, 0, 0, 1, 1, 1]
    x = ds.image(4)
    assert x.shape == (1, 5, 6) and x.dtype == torch.float32
    assert abs(float(x[0, 2, 2]) - 101 / 255) < 1e-6 and abs(float(x[0, 0, 0]) - 154 / 255) < 1e-6
    assert ds.problems == []


def test_jpeg_tree_reads_close_to_the_original(tmp_path):
    root = write_tree(tmp_path / "j", {"x": 50, "y": 200}, per_class=2, fmt="JPEG")
    ds = FolderDataset(root)
    assert len(ds) == 4
    assert abs(float(ds.image(2)[0, 3, 3]) - 200 / 255) < 0.03


def test_corrupt_and_non_image_files_are_skipped_and_named(tmp_path):
    root = write_tree(tmp_path / "d", {"cat": 10, "dog": 90}, per_class=2)
    (root / "cat" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    good = root / "dog" / "0.png"
    (root / "dog" / "truncated.png").write_bytes(good.read_bytes()[:40])
    (root / "dog" / "notes.txt").write_text("hello")
    (root / "README.md").write_text("top-level file")
    (root / ".DS_Store").write_bytes(b"\0")
    ds = FolderDataset(root)
    assert len(ds) == 4 and ds.class_counts() == {"cat": 2, "dog": 2}
    text = "\n".join(ds.problems)
    assert "skipped cat/broken.png: cannot be read as an image" in text
    assert "skipped dog/truncated.png: cannot be read as an image" in text
    assert "skipped dog/notes.txt: not an image file" in text
    assert "skipped README.md" in text
    assert ".DS_Store" not in text
    assert len(ds.problems) == 4


def test_problems_are_logged(tmp_path, caplog):
    root = write_tree(tmp_path / "d", {"cat": 10}, per_class=1)
    (root / "cat" / "x.jpg").write_bytes(b"garbage")
    with caplog.at_level("WARNING", logger="resque_core.data.folder"):
        FolderDataset(root)
    assert "cat/x.jpg" in caplog.text


def test_nothing_readable_left(tmp_path):
    (tmp_path / "d" / "cat").mkdir(parents=True)
    (tmp_path / "d" / "cat" / "a.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="no readable image in 'd'.*cat/a.png"):
        FolderDataset(tmp_path / "d")


def test_empty_class_folder_is_named(tmp_path):
    root = write_tree(tmp_path / "d", {"cat": 10, "dog": 90}, per_class=1)
    (root / "emu").mkdir()
    (root / "fox").mkdir()
    (root / "fox" / "bad.png").write_bytes(b"x")
    with pytest.raises(DataError, match="'emu', 'fox' in 'd' contain no readable image"):
        FolderDataset(root)


def test_folder_without_class_subfolders(tmp_path):
    root = tmp_path / "flat"
    root.mkdir()
    grey(10).save(root / "a.png")
    with pytest.raises(DataError, match="no class sub-folders .*move them into one sub-folder per class"):
        FolderDataset(root)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="'empty' has no class sub-folders"):
        FolderDataset(tmp_path / "empty")
    with pytest.raises(DataError, match="not a folder"):
        FolderDataset(root / "a.png")


def test_mixed_modes_become_rgb_and_sizes_are_unified_by_preprocessing(tmp_path):
    root = tmp_path / "mixed"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    grey(30, size=(6, 5)).save(root / "a" / "grey.png")
    Image.new("RGB", (9, 7), (255, 0, 0)).save(root / "b" / "red.png")
    Image.new("RGBA", (6, 5), (0, 0, 255, 128)).save(root / "b" / "blue.png")
    ds = FolderDataset(root)
    assert not ds.grey
    grey_img, red = ds.image(0), ds.image(ds.class_indices()[1][1])
    assert grey_img.shape == (3, 5, 6) and torch.equal(grey_img[0], grey_img[2])
    assert red.shape == (3, 7, 9) and torch.allclose(red[:, 3, 3], torch.tensor([1.0, 0.0, 0.0]))
    text = "\n".join(ds.problems)
    assert "converted images to RGB: 1 in mode L, 1 in mode RGBA" in text
    assert "alpha channel of 1 image" in text
    assert "2 sizes" in text and "9x7 (1)" in text
    pre = Preprocessed(ds, InputSpec(size=(8, 8), channels=3, mean=(0.5,) * 3, std=(0.5,) * 3))
    batch = torch.stack([pre.image(i) for i in range(len(pre))])
    assert batch.shape == (3, 3, 8, 8)
    assert float(batch.min()) >= -1.0 and float(batch.max()) <= 1.0


def test_all_grey_modes_stay_grey_including_16_bit(tmp_path):
    root = tmp_path / "g"
    (root / "a").mkdir(parents=True)
    grey(40).save(root / "a" / "l.png")
    Image.fromarray(np.full((5, 6), 65535, dtype=np.uint16)).save(root / "a" / "deep.png")
    Image.new("LA", (6, 5), (128, 10)).save(root / "a" / "la.png")
    ds = FolderDataset(root)
    assert ds.grey
    images = [ds.image(i) for i in range(3)]
    assert all(img.shape == (1, 5, 6) for img in images)
    assert float(images[0].max()) == 1.0  # 16-bit white
    assert any("converted images to grey" in p for p in ds.problems)


def test_nested_folders_inside_a_class_are_searched(tmp_path):
    root = write_tree(tmp_path / "d", {"a": 10, "b": 20}, per_class=1)
    (root / "a" / "more").mkdir()
    grey(70).save(root / "a" / "more" / "deep.png")
    assert FolderDataset(root).class_counts() == {"a": 2, "b": 1}


def test_a_file_removed_after_opening_is_a_clear_error(tmp_path):
    root = write_tree(tmp_path / "d", {"a": 10}, per_class=2)
    ds = FolderDataset(root)
    (root / "a" / "1.png").unlink()
    with pytest.raises(DataError, match="a/1.png.*did it change"):
        ds.image(1)


def test_messages_name_a_file_inside_the_dataset_never_its_server_path(tmp_path):
    root = write_tree(tmp_path / "d", {"a": 10, "c2": 20}, per_class=2)
    (root / "c2" / "bad.png").write_bytes(b"not a png")
    ds = FolderDataset(root)
    assert ds.problems == [
        "skipped c2/bad.png: cannot be read as an image "
        "(UnidentifiedImageError: cannot identify image file 'c2/bad.png')"
    ]
    (root / "a" / "1.png").unlink()
    with pytest.raises(DataError) as err:
        ds.image(1)
    assert str(err.value) == (
        "a/1.png: cannot be read as an image ([Errno 2] No such file or directory: 'a/1.png') "
        "(did it change after opening?)"
    )
