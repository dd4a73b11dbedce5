"""Data & model: uploads that work, and malformed ones that show a clear message and keep the previous state."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from tests.app.conftest import errors, fresh_app, goto
from ui.errors import CONTROLS


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _checkpoint(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


@pytest.fixture
def loaded_app():
    """The Data & model page after loading the defaults (digits, gaussian_noise:3, default model)."""
    at = goto(fresh_app(), "pages/data_model.py")
    at.button(key="apply_data").click().run()
    assert not errors(at) and at.session_state["results"]["data"].original == "digits"
    return at


def _upload_original(at, name: str, data: bytes):
    at.radio(key="orig_source").set_value("Upload (.zip / .npz)").run()
    at.file_uploader(key="orig_upload").set_value((name, data, "application/octet-stream")).run()
    at.button(key="apply_data").click().run()
    return at


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.zip", b"PK\x03\x04 this is not a zip archive", "broken.zip"),
        ("wrong.npz", _npz(images=np.zeros((4, 8, 8)), labels=np.arange(4)), "needs arrays 'x' (images) and 'y'"),
        ("single.npz", b"\x93NUMPY not really", "single.npz"),
    ],
)
def test_malformed_data_upload_keeps_the_previous_state(loaded_app, name, data, message):
    before = loaded_app.session_state["results"]["data"]
    at = _upload_original(loaded_app, name, data)
    shown = " ".join(errors(at))
    assert "Loading the data failed" in shown and message in shown
    assert not at.exception  # a message, never a traceback
    assert at.session_state["results"]["data"] == before


def test_non_model_checkpoint_keeps_the_previous_state(loaded_app):
    before = loaded_app.session_state["results"]["model"]
    at = loaded_app
    at.radio(key="ckpt_source").set_value("Upload").run()
    at.file_uploader(key="ckpt_upload").set_value(
        ("notes.pt", _checkpoint({"hello": [1, 2, 3]}), "application/octet-stream")
    ).run()
    at.button(key="apply_data").click().run()
    shown = " ".join(errors(at))
    assert "Loading the checkpoint failed" in shown and not at.exception
    assert at.session_state["results"]["model"] == before


def test_valid_npz_upload_shows_its_class_counts(loaded_app):
    rng = np.random.default_rng(0)
    x, y = rng.random((60, 8, 8)).astype("float32"), np.repeat(np.arange(10), 6)
    at = _upload_original(loaded_app, "mine.npz", _npz(x=x, y=y))
    assert not errors(at), errors(at)
    assert at.session_state["results"]["data"].original.endswith("mine.npz")
    counts = at.dataframe[0].value
    assert int(counts.loc["original"].sum()) + int(counts.loc["new"].sum()) > 60  # overlapping split parts
    assert list(counts.columns) == [str(c) for c in range(10)]


def test_upload_limit_is_stated():
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="orig_source").set_value("Upload (.zip / .npz)").run()
    assert "200 MB" in at.file_uploader(key="orig_upload").help


def _zip_of_class_folders(per_class: int = 6) -> bytes:
    import zipfile

    from PIL import Image

    rng = np.random.default_rng(1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("cat", "dog"):
            for i in range(per_class):
                png = io.BytesIO()
                Image.fromarray(rng.integers(0, 255, (8, 8), dtype=np.uint8)).save(png, format="PNG")
                zf.writestr(f"pets/{name}/{i}.png", png.getvalue())
    return buf.getvalue()


def test_valid_zip_upload_shows_its_classes(loaded_app):
    at = _upload_original(loaded_app, "pets.zip", _zip_of_class_folders())
    assert not errors(at), errors(at)
    counts = at.dataframe[0].value
    assert list(counts.columns) == ["cat", "dog"]
    assert at.session_state["results"]["data"].original.endswith("pets.zip")


def _engine_pair(inputs: dict, checkpoint: str):
    """The pair and index the engine computes for the page's stored inputs."""
    from resque_core.data import build_pair, open_source
    from resque_core.index.compute import compute_index
    from resque_core.index.request import IndexRequest
    from resque_core.model.checkpoint import load_checkpoint
    from resque_core.model.source import ModelSource

    fields = {k: inputs[k] for k in ("original", "new", "shift", "kind", "seed")}
    pair = build_pair(
        open_source(fields["original"]),
        kind=fields["kind"],
        shift=fields["shift"],
        seed=fields["seed"],
        model_classes=load_checkpoint(checkpoint).class_names,
    )
    report = compute_index(IndexRequest(model=ModelSource(checkpoint), device="cpu", max_points=0, **fields))
    return pair, report


def _shown_counts(at) -> tuple[dict, dict]:
    counts = at.dataframe[0].value
    return ({c: int(n) for c, n in counts.loc[row].items() if n} for row in ("original", "new"))


@pytest.mark.parametrize(
    ("mode", "checkpoint_choice", "checkpoint"),
    [("Simulated shift", None, "default"), ("New classes (task shift)", "Default: digits 0-4", "default-0-4")],
)
def test_page_shows_the_pair_the_engine_embeds(mode, checkpoint_choice, checkpoint):
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="new_mode").set_value(mode).run()
    if checkpoint_choice:
        at.radio(key="ckpt_source").set_value(checkpoint_choice).run()
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    inputs = at.session_state["results"]["data"].inputs()
    pair, report = _engine_pair(inputs, checkpoint)
    original, new = _shown_counts(at)
    assert original == pair.original.class_counts() and new == pair.new.class_counts()
    assert (report.n_original, report.n_new) == (len(pair.original), len(pair.new))
    if inputs["kind"] == "task":
        assert (sorted(original), sorted(new)) == (list("01234"), list("56789"))  # 901 and 896 samples
        assert (len(pair.original), len(pair.new)) == (901, 896)
    else:
        assert (len(pair.original), len(pair.new)) == (1258, 898)


def test_task_shift_with_no_new_classes_fails_like_the_engine():
    """The digits 0-9 model knows every digit: no silent fallback to all classes, the engine's message."""
    from resque_core.errors import ShiftError
    from resque_core.index.compute import compute_index
    from resque_core.index.request import IndexRequest

    with pytest.raises(ShiftError) as raised:
        compute_index(IndexRequest(kind="task", device="cpu"))
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="new_mode").set_value("New classes (task shift)").run()
    at.button(key="apply_data").click().run()
    assert errors(at) == [f"Loading the data failed: {raised.value.hint(CONTROLS['new'])}"]
    assert "the model already knows every class of 'digits'" in str(raised.value)
    assert "give the new task's data (--new)" in str(raised.value)  # the CLI names its flag, the page its control
    assert "give the new task's data (New data: 'Another dataset')" in errors(at)[0]
    assert "data" not in at.session_state["results"]  # nothing half-loaded
