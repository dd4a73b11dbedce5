from __future__ import annotations

import io
import tempfile
import zipfile

import pytest

from resque_core.data import ZipDataset, open_source
from resque_core.data import zipped as zipped_module
from resque_core.errors import DataError

from .images import grey, write_tree


@pytest.fixture(autouse=True)
def _private_tempdir(tmp_path, monkeypatch):
    """Extraction folders go under tmp_path/tmp, so the tests can see what is left behind."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))


def _left_behind(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").iterdir())


def _png_bytes(value: int) -> bytes:
    buffer = io.BytesIO()
    grey(value).save(buffer, format="PNG")
    return buffer.getvalue()


def _zip(path, entries: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def test_zip_of_a_tree_under_one_top_folder(tmp_path):
    tree = write_tree(tmp_path / "src" / "pets", {"cat": 10, "dog": 90}, per_class=2)
    path = tmp_path / "pets.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for file in sorted(tree.rglob("*.png")):
            zf.write(file, file.relative_to(tree.parent).as_posix())
    ds = open_source(str(path))
    assert isinstance(ds, ZipDataset) and ds.name == "pets"
    assert ds.class_names == ["cat", "dog"] and ds.class_counts() == {"cat": 2, "dog": 2}
    assert abs(float(ds.image(3)[0, 2, 2]) - 91 / 255) < 1e-6
    assert ds.problems == []
    workdir = ds.workdir
    assert workdir.is_dir()
    ds.close()
    assert not workdir.exists()


def test_zip_with_class_folders_at_the_top_and_bad_entries(tmp_path):
    path = _zip(
        tmp_path / "top.zip",
        {
            "a/0.png": _png_bytes(5),
            "a/1.png": _png_bytes(6),
            "b/0.png": _png_bytes(200),
            "b/corrupt.png": b"\x89PNG garbage",
            "b/readme.txt": b"text",
            "__MACOSX/a/._0.png": b"resource fork",
        },
    )
    ds = ZipDataset(path)
    assert ds.class_names == ["a", "b"] and len(ds) == 3
    text = "\n".join(ds.problems)
    assert "skipped b/corrupt.png: cannot be read" in text and "skipped b/readme.txt: not an image" in text
    assert "__MACOSX" not in text


def test_one_top_folder_beside_a_readme(tmp_path):
    entries = {"pets/cat/0.png": _png_bytes(1), "pets/dog/0.png": _png_bytes(2), "README.txt": b"about"}
    ds = ZipDataset(_zip(tmp_path / "r.zip", entries))
    assert ds.class_names == ["cat", "dog"]
    assert ds.problems == ["skipped README.txt: a file outside the class folders"]


def test_single_class_folder_at_the_top_is_one_class(tmp_path):
    ds = ZipDataset(_zip(tmp_path / "one.zip", {"only/0.png": _png_bytes(1), "only/1.png": _png_bytes(2)}))
    assert ds.class_names == ["only"] and len(ds) == 2


@pytest.mark.parametrize("evil", ["../escape.png", "a/../../escape.png", "/tmp/abs.png", "C:/win.png", "..\\win.png"])
def test_entries_escaping_the_folder_are_refused_and_nothing_is_written(tmp_path, evil):
    path = _zip(tmp_path / "evil.zip", {"a/0.png": _png_bytes(1), evil: _png_bytes(2)})
    with pytest.raises(DataError, match="outside the extraction folder") as err:
        ZipDataset(path)
    assert repr(evil) in str(err.value)
    assert _left_behind(tmp_path) == []
    assert not (tmp_path / "escape.png").exists() and not (tmp_path.parent / "escape.png").exists()


def test_size_limit_from_the_headers(tmp_path):
    path = _zip(tmp_path / "big.zip", {"a/0.png": _png_bytes(1), "a/pad.bin": b"\0" * 200_000})
    with pytest.raises(DataError, match="expands to 0.2 MiB, more than the 0.1 MiB limit"):
        ZipDataset(path, max_unzipped_bytes=100_000)
    assert _left_behind(tmp_path) == []


def test_size_limit_while_streaming_when_headers_lie(tmp_path, monkeypatch):
    path = _zip(tmp_path / "liar.zip", {"a/0.png": _png_bytes(1), "a/pad.bin": b"\0" * 3_000_000})
    monkeypatch.setattr(zipped_module, "_declared_bytes", lambda infos: 0)  # headers claim nothing
    with pytest.raises(DataError, match="more data than its headers declare"):
        ZipDataset(path, max_unzipped_bytes=1_500_000)
    assert _left_behind(tmp_path) == []  # the partial output is gone


def test_not_a_zip_at_all(tmp_path):
    path = tmp_path / "fake.zip"
    path.write_text("I am a text file")
    with pytest.raises(DataError, match="fake.zip is not a readable zip file"):
        open_source(str(path))
    assert _left_behind(tmp_path) == []


def test_zip_with_no_readable_images(tmp_path):
    path = _zip(tmp_path / "junk.zip", {"a/x.png": b"nope", "b/y.txt": b"nope"})
    with pytest.raises(DataError, match="no readable image in .junk."):
        ZipDataset(path)
    assert _left_behind(tmp_path) == []


def _with_lying_crc(path, entry: str):
    """``path`` with the CRC-32 of ``entry`` changed in both its local and central headers: the data is intact."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(entry)
    wrong = (info.CRC ^ 0xFFFFFFFF).to_bytes(4, "little")
    raw[info.header_offset + 14 : info.header_offset + 18] = wrong  # local header
    central = raw.rindex(b"PK\x01\x02")  # the last central directory entry: ``entry`` must be the zip's last
    raw[central + 16 : central + 20] = wrong
    path.write_bytes(bytes(raw))
    return path


def test_a_zip_entry_with_corrupt_data_is_refused_as_damaged(tmp_path):
    path = _zip(tmp_path / "crc.zip", {"a/0.png": _png_bytes(1), "a/1.png": _png_bytes(2)})
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("a/1.png")
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[data_start + 5] ^= 0xFF  # corrupt the compressed bytes of the second image
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"crc\.zip: entry 'a/1\.png' .*; the archive is damaged") as raised:
        ZipDataset(path)
    assert "empty" not in str(raised.value) and "no readable image" not in str(raised.value)
    assert _left_behind(tmp_path) == []


def test_a_zip_whose_headers_lie_about_the_checksum_is_damaged_not_empty(tmp_path):
    path = _with_lying_crc(_zip(tmp_path / "lying.zip", {"a/0.png": _png_bytes(1)}), "a/0.png")
    with pytest.raises(DataError) as raised:
        ZipDataset(path)
    assert str(raised.value) == (
        "lying.zip: entry 'a/0.png' failed its checksum; the archive is damaged. Make the zip again from the "
        "original files"
    )
    assert _left_behind(tmp_path) == []


def test_a_pickled_copy_owns_its_own_extraction(tmp_path):
    import pickle

    import torch

    path = _zip(tmp_path / "p.zip", {"a/0.png": _png_bytes(1), "b/0.png": _png_bytes(2)})
    ds = ZipDataset(path)
    copy = pickle.loads(pickle.dumps(ds))
    assert copy.workdir != ds.workdir and copy.class_names == ["a", "b"]
    ds.close()
    del ds
    assert torch.equal(copy.image(1), ZipDataset(path).image(1))


FORKED_LOADER = """
import sys
from torch.utils.data import DataLoader
from resque_core.data import ZipDataset

ds = ZipDataset(sys.argv[1])
labels = [int(y) for _, y in DataLoader(ds, batch_size=1, num_workers=1, multiprocessing_context="fork", timeout=60)]
assert labels == [0, 1], labels
assert (ds.workdir / "a" / "0.png").exists(), "a forked worker removed the extraction"
print("ok")
"""


def test_forked_loader_workers_leave_the_extraction_in_place(tmp_path):
    """A DataLoader worker forked from the process that extracted the zip must not remove it when it exits.

    Run in a fresh process: forking a pytest worker that runs threads (pytest-xdist's) can deadlock.
    """
    import pathlib
    import subprocess
    import sys

    path = _zip(tmp_path / "w.zip", {"a/0.png": _png_bytes(1), "b/0.png": _png_bytes(2)})
    root = pathlib.Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", FORKED_LOADER, str(path)], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_zip_without_class_folders_names_the_zip(tmp_path):
    with pytest.raises(DataError, match="'flat' has no class sub-folders .*move them into one sub-folder per class"):
        ZipDataset(_zip(tmp_path / "flat.zip", {"0.png": _png_bytes(1), "1.png": _png_bytes(2)}))
    assert _left_behind(tmp_path) == []


def test_an_extraction_goes_where_it_is_told_a_pickled_copy_too_and_both_go_on_close(tmp_path):
    import pickle

    beside = tmp_path / "session" / "upload"
    beside.mkdir(parents=True)
    path = _zip(beside / "p.zip", {"data/a/0.png": _png_bytes(1), "data/c2/0.png": _png_bytes(2)})
    ds = ZipDataset(path, extract_to=beside)
    copy = pickle.loads(pickle.dumps(ds))
    assert ds.workdir.parent == copy.workdir.parent == beside and ds.workdir != copy.workdir
    assert ds.workdir.name.startswith("resque-zip-") and copy.class_names == ["a", "c2"]
    assert _left_behind(tmp_path) == []  # nothing in the temp folder
    ds.close(), copy.close()
    assert [p.name for p in beside.iterdir()] == ["p.zip"]


def test_an_unreadable_image_is_named_as_in_the_archive_without_the_extraction_folder(tmp_path):
    entries = {"data/a/0.png": _png_bytes(1), "data/c2/0.png": _png_bytes(2), "data/c2/bad.png": b"not a png"}
    ds = ZipDataset(_zip(tmp_path / "upload.zip", entries))
    assert ds.problems == [
        "skipped c2/bad.png: cannot be read as an image "
        "(UnidentifiedImageError: cannot identify image file 'c2/bad.png')"
    ]


def test_a_temp_folder_that_cannot_be_written_is_one_line_naming_tmpdir(tmp_path, monkeypatch):
    path = _zip(tmp_path / "p.zip", {"a/0.png": _png_bytes(1)})
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with pytest.raises(DataError) as err:
        ZipDataset(path)
    assert str(err.value) == (
        "p.zip: cannot make a folder to extract it in (No such file or directory); set TMPDIR to a writable folder"
    )
