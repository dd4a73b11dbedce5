"""The forecaster picks the signal set with the smallest held-out error, and says which it used."""

from __future__ import annotations

import numpy as np
import pytest

from resque_core.errors import RecordsError
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.records import RecordStore
from tests.records_fixtures import synthetic_records


def signal_records(exact: str, n: int = 48, seed: int = 0):
    """Runs whose epochs one signal gives exactly; every other signal is noise."""
    rng = np.random.default_rng(seed + 1000)  # not the fixture's draws: the signals must be independent
    frame = synthetic_records(n=n, seed=seed, noise=0.0)
    drop = rng.uniform(0.0, 0.5, n)
    conf = rng.uniform(0.4, 1.0, n)
    if exact == "acc_drop":
        frame["epochs"] = 2.0 + 40.0 * drop
        frame["index_value"] = rng.uniform(0.01, 0.1, n)
    elif exact == "mean_conf":
        frame["epochs"] = 2.0 + 30.0 * (1.0 - conf)
    frame["base_acc"], frame["acc_drop"], frame["mean_conf"] = 0.95, drop, conf
    frame["start_acc"] = 0.95 - drop
    frame["index_free"] = rng.uniform(0.01, 0.1, n)
    frame["seconds"], frame["kwh"] = frame["epochs"] * 3.0, frame["epochs"] * 2e-4
    return frame


def test_picks_the_accuracy_drop_when_it_predicts_epochs_exactly():
    fitted = Forecaster().fit(signal_records("acc_drop"))
    forecast = fitted.predict(0.05, acc_drop=0.25)
    assert forecast.signals.signals == ("acc_drop",)
    assert forecast.signals.heldout_mae_epochs < 0.1
    assert forecast.measures["epochs"].point == pytest.approx(12.0, abs=0.2)
    candidates = forecast.signals.candidates
    assert set(candidates) == {"index", "acc_drop", "index+acc_drop"}
    assert candidates["index"] > 2.0  # the index is noise here
    assert forecast.signals.sentence().startswith("forecast from the accuracy drop; held-out MAE")
    assert "on 4 shift types" in forecast.signals.sentence()


def test_picks_the_index_when_the_index_is_exact():
    fitted = Forecaster().fit(signal_records("index"))
    forecast = fitted.predict(0.05, acc_drop=0.25)
    assert forecast.signals.signals == ("index",)
    assert forecast.signals.heldout_mae_epochs < 0.5
    assert forecast.measures["epochs"].point == pytest.approx(17.0, abs=0.5)
    assert fitted.fit_report_.signal_mae_epochs["acc_drop"] > 2.0


def test_without_the_accuracy_drop_the_forecast_says_what_it_would_gain():
    fitted = Forecaster().fit(signal_records("acc_drop"))
    forecast = fitted.predict(0.05)
    assert forecast.signals.signals == ("index",)
    assert "with the accuracy drop it would be" in forecast.signals.sentence()
    assert forecast.to_dict()["signals"]["sentence"] == forecast.signals.sentence()


def test_old_records_without_the_new_columns_forecast_from_the_index_and_say_so(tmp_path):
    old = synthetic_records(n=40).drop(columns=["base_acc", "acc_drop", "mean_conf", "index_free"])
    path = tmp_path / "old.csv"
    old.to_csv(path, index=False)
    store = RecordStore(tmp_path / "records.sqlite")
    store.import_csv(path)
    fitted = Forecaster().fit(store.all())
    forecast = fitted.predict(0.05, acc_drop=0.2)
    assert forecast.signals.signals == ("index",)
    sentence = forecast.signals.sentence()
    assert sentence.startswith("forecast from the index alone; held-out MAE")
    assert sentence.endswith("(the records carry no accuracy drop)")
    assert forecast.measures["epochs"].point == pytest.approx(17.0, abs=2.0)  # 2 + 300 x 0.05
    with pytest.raises(RecordsError, match="no label-free signals"):
        fitted.predict(0.05, labels="predicted", mean_conf=0.8)


def test_label_free_forecast_picks_the_confidence_when_it_is_exact():
    fitted = Forecaster().fit(signal_records("mean_conf"))
    forecast = fitted.predict(0.05, labels="predicted", mean_conf=0.7)
    assert forecast.signals.signals == ("mean_conf",)
    assert forecast.signals.labels == "predicted"
    assert forecast.measures["epochs"].point == pytest.approx(11.0, abs=0.3)
    assert forecast.measures["epochs"].low <= 11.0 <= forecast.measures["epochs"].high
    only_index = fitted.predict(0.05, labels="predicted")
    assert only_index.signals.signals == ("index_free",)


def test_two_signals_fit_an_additive_monotone_curve():
    frame = signal_records("acc_drop")
    frame["epochs"] = 2.0 + 20.0 * frame["acc_drop"] + 200.0 * frame["index_value"]
    fitted = Forecaster().fit(frame)
    forecast = fitted.predict(0.05, acc_drop=0.25)
    assert forecast.signals.signals == ("index", "acc_drop")
    higher = fitted.predict(0.08, acc_drop=0.25)
    assert higher.measures["epochs"].point > forecast.measures["epochs"].point


def test_bad_evidence_is_refused_in_one_sentence():
    fitted = Forecaster().fit(signal_records("acc_drop"))
    with pytest.raises(RecordsError, match="needs the new data's labels"):
        fitted.predict(0.05, labels="predicted", acc_drop=0.1)
    with pytest.raises(RecordsError, match=r"acc_drop must lie in \[-1, 1\]"):
        fitted.predict(0.05, acc_drop=25.0)
    with pytest.raises(RecordsError, match="unknown labels"):
        fitted.predict(0.05, labels="none")


def test_the_report_states_the_signals_in_the_same_words():
    from resque_core.reporting.export import to_html
    from resque_core.reporting.scenario import Scenario, forecast_section

    forecast = Forecaster().fit(signal_records("acc_drop")).predict(0.05, acc_drop=0.25)
    section = forecast_section(forecast)
    assert section["signals"] == forecast.signals.sentence()
    html = to_html([Scenario(name="signals", inputs={}, index=None, forecast=section, schedule=None)])
    assert forecast.signals.sentence() in html
