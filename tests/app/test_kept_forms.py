"""Forms keep what the user entered across pages (every Data & model field, the input spec included), and a
model's own class file can be uploaded behind "Trust this file"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import errors, fresh_app, goto
from tests.own_model_fixtures import MODEL_FILE_SOURCE, save_all
from ui.model_file_input import REFUSED
from ui.uploads import upload_root

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
OWN_CLASS = "my own class (model file)"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The user's files, in a folder the operator allows as a server path."""
    folder = tmp_path_factory.mktemp("kept_forms")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESQUE_SERVER_PATHS", str(folder))
        yield save_all(folder, size_px=8)


FIELDS = {  # widget kind, key, value the user enters (in this order: later fields appear after earlier ones)
    "shift": [("selectbox", "shift_type", "contrast"), ("slider", "shift_level", 2), ("number_input", "shift_seed", 7)],
    "model": [
        ("selectbox", "ckpt_arch", "resnet18"),
        ("number_input", "ckpt_num_classes", 10),
        ("selectbox", "ckpt_stem", "small"),
        ("toggle", "ckpt_spec_manual", True),
        ("number_input", "ckpt_spec_h", 8),
        ("number_input", "ckpt_spec_w", 8),
        ("text_input", "ckpt_spec_mean", "0.4"),
        ("text_input", "ckpt_spec_std", "0.3"),
    ],
}


def widget(at, kind: str, key: str):
    return getattr(at, kind)(key=key)


def test_every_data_and_model_field_is_kept_across_pages_and_loads_first_time(saved):
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="orig_source").set_value("Server path").run()
    at.text_input(key="orig_path").input(str(saved["data"])).run()
    at.radio(key="ckpt_source").set_value("Server path").run()
    at.text_input(key="ckpt_path").input(str(saved["state_dict"])).run()
    entered = [*FIELDS["shift"], *FIELDS["model"]]
    for kind, key, value in entered:
        widget(at, kind, key).set_value(value).run()
    at = goto(goto(at, "pages/forecast.py"), "pages/data_model.py")
    at = goto(goto(at, "pages/schedule.py"), "pages/data_model.py")
    kept = {key: widget(at, kind, key).value for kind, key, _ in entered}
    assert kept == {key: value for _, key, value in entered}
    assert at.text_input(key="ckpt_path").value == str(saved["state_dict"])
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    model, data = at.session_state["results"]["model"], at.session_state["results"]["data"]
    assert (model.arch, model.num_classes, model.stem) == ("resnet18", 10, "small")
    assert model.input_spec.to_dict() == {"size": [8, 8], "channels": 3, "mean": [0.4] * 3, "std": [0.3] * 3}
    assert (data.original, data.shift, data.seed) == (str(saved["data"]), "contrast:2", 7)


def test_forecast_settings_are_kept_across_pages():
    at = goto(fresh_app(), "pages/index.py")
    at.button(key="index_defaults").click().run()
    at.button(key="compute_index").click().run()
    at = goto(at, "pages/forecast.py")
    at.radio(key="fc_price").set_value("Per kWh").run()
    at.number_input(key="fc_price_kwh").set_value(0.42).run()
    at.slider(key="fc_level").set_value(0.9).run()
    at = goto(goto(at, "pages/home.py"), "pages/forecast.py")
    assert at.radio(key="fc_price").value == "Per kWh" and at.number_input(key="fc_price_kwh").value == 0.42
    assert at.slider(key="fc_level").value == 0.9


def _own_class_page(saved, marker: Path):
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="orig_source").set_value("Server path").run()
    at.text_input(key="orig_path").input(str(saved["data"])).run()
    at.radio(key="ckpt_source").set_value("Server path").run()
    at.text_input(key="ckpt_path").input(str(saved["state_dict"])).run()
    at.selectbox(key="ckpt_arch").set_value(OWN_CLASS).run()
    source = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n{MODEL_FILE_SOURCE}"
    at.file_uploader(key="ckpt_model_upload").set_value(("net.py", source.encode(), "text/x-python")).run()
    return at


def test_a_model_class_file_is_uploaded_only_behind_trust(saved, tmp_path):
    marker = tmp_path / "imported"
    at = _own_class_page(saved, marker)
    assert REFUSED in errors(at)
    assert not list(upload_root().rglob("net.py")) and not marker.exists()  # not stored, not run
    at.button(key="apply_data").click().run()
    assert "model" not in at.session_state["results"] and not marker.exists()  # still nothing run
    at.toggle(key="ckpt_trust").set_value(True).run()
    at.text_input(key="ckpt_model_class").input("Net").run()
    assert not errors(at), errors(at)
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    model = at.session_state["results"]["model"]
    file, _, name = model.model_file.rpartition(":")
    assert name == "Net" and model.trust and Path(file).is_relative_to(upload_root()) and Path(file).name == "net.py"
    assert marker.read_text() == "ran"
