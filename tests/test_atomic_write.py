"""Every write is whole or absent: a full disk, a missing folder or a failing writer leaves the earlier file
byte for byte, no partial or temporary file, and one line saying why."""

from __future__ import annotations

import os
import stat

import pytest

from resque_core.atomic_write import replacing, write_bytes, write_text
from resque_core.errors import WriteError
from tests.full_disk import full_disk

OLD = b"run_id,epochs\nr1,3\n" * 50


def test_a_new_file_gets_the_usual_mode_and_no_temporary_file_is_left(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    assert write_text(tmp_path / "out.csv", "a,b\n1,2\n") == tmp_path / "out.csv"
    assert (tmp_path / "out.csv").read_text() == "a,b\n1,2\n"
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o666 & ~umask
    assert os.listdir(tmp_path) == ["out.csv"]


def test_a_replaced_file_keeps_its_permission_bits(tmp_path):
    target = tmp_path / "report.html"
    target.write_bytes(OLD)
    target.chmod(0o640)
    write_bytes(target, b"<html>new</html>")
    assert target.read_bytes() == b"<html>new</html>" and stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("existing", [True, False])
def test_a_full_disk_keeps_the_earlier_file_and_leaves_no_partial(tmp_path, monkeypatch, existing):
    folder = tmp_path / "disk"
    with full_disk(folder, {"old.csv": OLD} if existing else {}, monkeypatch):
        before = sorted(os.listdir(folder))
        with pytest.raises(WriteError) as caught:
            write_text(folder / "old.csv", "run_id,epochs\n" + "r2,4\n" * 5000, setting="out")
        assert sorted(os.listdir(folder)) == before  # no temporary file, no 0-byte partial
        if existing:
            assert (folder / "old.csv").read_bytes() == OLD
    kept = "the earlier file is unchanged" if existing else "nothing was written"
    assert str(caught.value) == (
        f"cannot write {folder / 'old.csv'}: no space left on device; {kept}: free some space or "
        "choose another path with --out"
    )


def test_a_missing_folder_or_a_file_for_a_folder_is_named(tmp_path):
    with pytest.raises(WriteError, match=r"the folder .*missing does not exist; nothing was written"):
        write_text(tmp_path / "missing" / "r.json", "{}")
    (tmp_path / "plain").write_text("x")
    with pytest.raises(WriteError, match=r"plain is not a folder; nothing was written: choose another path$"):
        write_text(tmp_path / "plain" / "r.json", "{}")
    assert os.listdir(tmp_path) == ["plain"]


def test_a_writer_that_fails_leaves_the_earlier_file_and_no_temporary(tmp_path):
    target = tmp_path / "model.pt"
    target.write_bytes(OLD)
    with pytest.raises(RuntimeError, match="half way"), replacing(target) as temp:
        temp.write_bytes(b"half")
        raise RuntimeError("half way")
    assert target.read_bytes() == OLD and os.listdir(tmp_path) == ["model.pt"]
