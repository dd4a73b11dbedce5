"""Data & model refuses what would be wrong and names its own controls: a zip whose classes are out of the
model's order gets a proposed mapping applied on confirm; new data with other classes points at the task switch."""

from __future__ import annotations

import pytest

from resque_core.index import IndexRequest, compute_index
from tests.app.conftest import errors, fresh_app, goto, texts
from tests.class_order_data import WORD_MAP, write_word_folder, zip_folder

WORD_CLASS_MAP = ",".join(f"{w}={WORD_MAP[w]}" for w in sorted(WORD_MAP))


@pytest.fixture(scope="module")
def word_files(tmp_path_factory):
    """(zip bytes, npz path): 40 digits per class, the zip's classes named "eight", "five", ..., "zero"."""
    root = tmp_path_factory.mktemp("words")
    folder, npz = write_word_folder(root, per_class=40)
    return zip_folder(folder, root / "words.zip").read_bytes(), npz


def _upload(at, prefix: str, name: str, data: bytes):
    at.radio(key=f"{prefix}_source").set_value("Upload (.zip / .npz)").run()
    at.file_uploader(key=f"{prefix}_upload").set_value((name, data, "application/octet-stream")).run()
    return at


def test_out_of_order_classes_are_proposed_then_applied_on_confirm(word_files):
    at = _upload(goto(fresh_app(), "pages/data_model.py"), "orig", "words.zip", word_files[0])
    at.button(key="apply_data").click().run()
    shown = texts(at)
    assert "the data's class 'eight' looks like the model's output 8 ('8')" in shown
    assert "the 'Apply this class mapping' button" in shown and "--class-map" not in shown
    assert not errors(at) and "data" not in at.session_state["results"]  # nothing loaded yet
    table = at.dataframe[0].value
    assert dict(zip(table["data class"], table["model output"], strict=True)) == WORD_MAP

    at.button(key="apply_class_map").click().run()
    assert not errors(at), errors(at)
    data = at.session_state["results"]["data"]
    assert data.class_map == WORD_CLASS_MAP
    assert list(at.dataframe[0].value.columns) == [str(d) for d in range(10)]
    assert "relabeled as the model's outputs" in texts(at)

    goto(at, "pages/index.py").button(key="compute_index").click().run()
    assert not errors(at), errors(at)
    page = at.session_state["results"]["index"]
    ordered = compute_index(IndexRequest(original=str(word_files[1]), shift=data.shift, seed=data.seed, max_points=0))
    assert page.value == pytest.approx(ordered.value, rel=1e-6)

    _upload(goto(at, "pages/data_model.py"), "orig", "words.zip", word_files[0])
    at.button(key="apply_data").click().run()  # the same data and model again: the confirmed map is kept
    assert not errors(at) and at.session_state["results"]["data"].class_map == WORD_CLASS_MAP


def test_new_data_with_other_classes_points_at_the_task_switch(word_files):
    at = _upload(goto(fresh_app(), "pages/data_model.py"), "orig", "digits.npz", word_files[1].read_bytes())
    at.radio(key="new_mode").set_value("Another dataset").run()
    _upload(at, "new", "words.zip", word_files[0]).button(key="apply_data").click().run()
    shown = " ".join(errors(at))
    assert "these look like new classes" in shown and "'It has new classes (task shift)' switch" in shown
    assert "--kind" not in shown
