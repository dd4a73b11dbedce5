"""No copy of an upload outlives its session: an uploaded zip is extracted inside the session's folder, so
ending the session removes it; the start-up sweep removes old extraction folders anywhere; no server path
reaches a session's files or an extraction folder, whatever the operator allows."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from tests.app.conftest import errors, fresh_app, goto
from tests.zip_fixtures import digits_zip_bytes
from ui.uploads import remove_stale, upload_root

REFUSED = "The path is outside the folders the operator allows on this server; pick a file inside one"


@pytest.fixture
def temp(tmp_path, monkeypatch) -> Path:
    """The process's temp folder, private to this test (as TMPDIR would make it), so leftovers are this test's."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _digits_zip(per_class: int = 4) -> bytes:
    return digits_zip_bytes(per_class, size_px=8, seed=3)


def _loaded_zip(name: str = "mine.zip"):
    """A session that uploaded ``name`` and loaded it (which extracts it); returns (app, zip path)."""
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="orig_source").set_value("Upload (.zip / .npz)").run()
    at.file_uploader(key="orig_upload").set_value((name, _digits_zip(), "application/zip")).run()
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    return at, Path(at.session_state["results"]["data"].original)


def _extracted(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("resque-zip-*"))


def test_a_zip_extracted_in_a_session_goes_when_the_session_ends(temp):
    """What the runtime does when a browser session disconnects: release its session-scoped resources."""
    from streamlit.runtime.caching import clear_session_resource_cache

    _, upload = _loaded_zip()
    session = upload_root() / upload.relative_to(upload_root()).parts[0]
    (copy,) = _extracted(temp, upload_root())
    assert copy.parent == upload.parent and sorted(p.name for p in (copy / "digits").iterdir()) == list("0123456789")
    clear_session_resource_cache("test session id")  # AppTest's session id
    assert not session.exists() and _extracted(temp, upload_root()) == []
    assert list(temp.iterdir()) == []


def test_old_extraction_folders_in_the_temp_folder_are_swept_and_fresh_ones_kept(temp):
    old, fresh = temp / "resque-zip-old1", temp / "resque-zip-fresh1"
    for folder in (old, fresh):
        (folder / "data" / "c2").mkdir(parents=True)
        (folder / "data" / "c2" / "0.png").write_bytes(b"png")
    two_days_ago = time.time() - 48 * 3600
    for path in (old, old / "data"):
        os.utime(path, (two_days_ago, two_days_ago))
    (temp / "unrelated").mkdir()
    os.utime(temp / "unrelated", (two_days_ago, two_days_ago))
    remove_stale()
    assert sorted(p.name for p in temp.iterdir()) == ["resque-zip-fresh1", "unrelated"]


def test_no_server_path_reaches_an_extracted_copy_even_where_the_temp_folder_is_allowed(temp, monkeypatch):
    _, upload = _loaded_zip("private.zip")
    (copy,) = _extracted(temp, upload_root())
    elsewhere = temp / "resque-zip-of-a-cli-run"  # a copy the CLI (or an earlier version) extracted
    (elsewhere / "c2").mkdir(parents=True)
    (elsewhere / "c2" / "0.png").write_bytes(b"png")
    (temp / "link").symlink_to(copy)
    allowed = [str(Path(tempfile.gettempdir()).parent), str(temp), str(upload_root().parent), "/"]
    monkeypatch.setenv("RESQUE_SERVER_PATHS", os.pathsep.join(allowed))
    intruder = goto(fresh_app(), "pages/data_model.py")
    intruder.radio(key="orig_source").set_value("Server path").run()
    attempts = [copy, copy / "digits", upload.parent, elsewhere, elsewhere / "c2", temp / "link" / "digits"]
    attempts += [temp / "x" / ".." / elsewhere.name]
    for attempt in attempts:
        intruder.text_input(key="orig_path").input(str(attempt)).run()
        assert [e.value for e in intruder.error] == [REFUSED], attempt
        assert intruder.button(key="apply_data").disabled and "data" not in intruder.session_state["results"]


@pytest.mark.slow
def test_self_calibration_on_an_uploaded_zip_reads_the_sessions_copy(temp, monkeypatch):
    """Self-calibration trains on the dataset the page opened: no second extraction, none in the temp folder."""
    import streamlit as st

    from resque_core.data import zipped

    places = []

    def extract(path, dest, limit):
        places.append(Path(dest).parent)
        return real(path, dest, limit)

    real = zipped.extract_zip
    monkeypatch.setattr(zipped, "extract_zip", extract)
    st.cache_resource.clear()  # the shared caches start empty: every extraction is this test's
    at, upload = _loaded_zip("selfcal.zip")
    at = goto(at, "pages/index.py")
    at.button(key="compute_index").click().run()
    at = goto(at, "pages/forecast.py")
    at.radio(key="fc_source").set_value("Self-calibrate on my model").run()
    at.number_input(key="fc_cases").set_value(8)
    at.number_input(key="fc_selfcal_epochs").set_value(1)
    at.toggle(key="fc_meter").set_value(False).run()
    at.button(key="fc_selfcal").click().run(timeout=120)
    assert not errors(at), errors(at)
    assert [m.value for m in at.markdown if m.value.startswith("Plan: ")]  # it ran
    assert places == [upload.parent] and list(temp.glob("resque-zip-*")) == []
