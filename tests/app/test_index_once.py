"""The dashboard computes an index from an uploaded zip with one extraction, one class check and one model
load (``ui.cache.prepared``), however many widgets show the data, the classes and the index."""

from __future__ import annotations

import pytest
import streamlit as st

from resque_core.data import zipped
from resque_core.index import class_check
from resque_core.model.source import ModelSource
from tests.app.conftest import errors, fresh_app, goto
from tests.zip_fixtures import digits_zip_bytes


def _digit_folders_zip(per_class: int = 8) -> bytes:
    return digits_zip_bytes(per_class, size_px=16, seed=2)


@pytest.fixture
def counts(monkeypatch) -> dict[str, int]:
    """How often the engine extracts a zip, checks class order and loads a model (the real calls, counted)."""
    seen = {"extract": 0, "class check": 0, "model load": 0}

    def counting(name, real):
        def call(*args, **kwargs):
            seen[name] += 1
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(zipped, "extract_zip", counting("extract", zipped.extract_zip))
    monkeypatch.setattr(class_check, "check_class_order", counting("class check", class_check.check_class_order))
    monkeypatch.setattr(ModelSource, "load", counting("model load", ModelSource.load))
    st.cache_resource.clear()  # the shared caches start empty: every count is this test's
    st.cache_data.clear()
    return seen


def test_an_index_from_an_uploaded_zip_extracts_checks_and_loads_once(counts):
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="orig_source").set_value("Upload (.zip / .npz)").run()
    at.file_uploader(key="orig_upload").set_value(("mine.zip", _digit_folders_zip(), "application/zip")).run()
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    at = goto(at, "pages/index.py")
    at.button(key="compute_index").click().run()
    assert not errors(at), errors(at)
    report = at.session_state["results"]["index"]
    assert 0.0 <= report.value <= 1.0 and report.kind == "dist"
    assert counts == {"extract": 1, "class check": 1, "model load": 1}
    at = goto(at, "pages/data_model.py")  # showing the data again recomputes nothing
    at = goto(at, "pages/index.py")
    assert counts == {"extract": 1, "class check": 1, "model load": 1}


def test_self_calibration_on_the_page_starts_from_the_commands_defaults():
    from resque_core.calibration.config import SelfCalibration
    from tests.app.conftest import demo_app

    at = goto(demo_app(), "pages/forecast.py")
    at.radio(key="fc_source").set_value("Self-calibrate on my model").run()
    defaults = SelfCalibration()
    assert at.multiselect(key="fc_shifts").value == list(dict.fromkeys(s.split(":")[0] for s in defaults.shifts))
    assert at.multiselect(key="fc_levels").value == sorted({int(s.split(":")[1]) for s in defaults.shifts})
    assert at.number_input(key="fc_cases").value == len(defaults.shifts)
    assert at.number_input(key="fc_selfcal_epochs").value == defaults.max_epochs
