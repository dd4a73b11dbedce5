"""The Index page's "My new data has no labels" switch, and the Forecast page's sentence on the signals it used."""

from __future__ import annotations

from resque_core.index.compute import compute_index
from resque_core.index.request import IndexRequest
from resque_core.model.source import ModelSource
from tests.app.conftest import errors, fresh_app, goto, metric
from ui.plain_text import plain
from ui.settings import DataChoice


def test_unlabelled_switch_computes_the_label_free_index_and_the_forecast_says_what_it_can_use():
    at = goto(fresh_app(), "pages/index.py")
    at.button(key="index_defaults").click().run()
    at.toggle(key="index_unlabelled").set_value(True).run()
    at.button(key="compute_index").click().run()
    assert not errors(at), errors(at)
    expected = compute_index(IndexRequest(model=ModelSource(), **DataChoice().inputs(), labels="predicted"))
    report = at.session_state["results"]["index"]
    assert report.labels == "predicted" and report.value == expected.value
    assert metric(at, "RESQUE_dist") == f"{expected.value:.4g}"
    captions = " ".join(c.value for c in at.main.caption)
    assert "label-free" in captions and f"mean confidence {expected.mean_conf:.4f}" in captions
    assert "accuracy drop" not in captions
    goto(at, "pages/forecast.py")
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)  # the shipped records carry the label-free signals (backfilled)
    forecast = at.session_state["results"]["forecast"]
    assert forecast.signals.labels == "predicted" and set(forecast.signals.signals) <= {"index_free", "mean_conf"}
    assert forecast.signals.sentence().startswith("forecast from the old model's confidence")


def test_labelled_forecast_names_its_signals_and_their_held_out_error():
    at = goto(fresh_app(), "pages/index.py")
    at.button(key="index_defaults").click().run()
    at.button(key="compute_index").click().run()
    captions = " ".join(c.value for c in at.main.caption)
    report = at.session_state["results"]["index"]
    assert f"accuracy drop {report.acc_drop:.4f}" in captions
    goto(at, "pages/forecast.py")
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast = at.session_state["results"]["forecast"]
    sentence = forecast.signals.sentence()
    assert sentence.startswith("forecast from the index alone (shift type gaussian_noise's own curves)")
    assert "(the shift type is known, and for a new level of a known type its own index curve" in sentence
    panel = next(e for e in at.expander if e.label.startswith("How good is this forecast?"))
    assert any(c.value == plain(sentence.capitalize() + ".") for c in panel.caption)
