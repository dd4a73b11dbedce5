"""Stale is not empty: a price leaves the schedule done, a stale result stays shown with a re-run, the sidebar
is never behind the page."""

from __future__ import annotations

import pytest

from tests.app.conftest import demo_app, errors, goto
from ui.state import pipeline_status


def sidebar(at) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


@pytest.fixture(scope="module")
def demo():
    return demo_app()


def forecast_again(at, radios: dict, numbers: dict | None = None):
    """Forecast again on the Forecast page with these radio and number fields set."""
    at = goto(at, "pages/forecast.py")
    at.session_state["fc_settings"] = True
    at.run()
    for key, value in radios.items():
        at.radio(key=key).set_value(value).run()
    for key, value in (numbers or {}).items():
        at.number_input(key=key).set_value(value).run()
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    return at


def test_the_sidebar_is_never_behind_the_page(monkeypatch):
    """The sidebar is drawn again as soon as the demo stores its results: it already says done while the page
    still builds what comes after them (the report), not only once the page has finished."""
    import ui.results
    import ui.sidebar

    drawn, seen_by_report = [], []
    draw, report = ui.sidebar.render_sidebar, ui.results.report_download

    def render_sidebar(state):
        drawn.append(set(pipeline_status(state).values()))
        draw(state)

    def report_download(state, key, scenarios=None):
        seen_by_report.append(drawn[-1])
        report(state, key, scenarios)

    monkeypatch.setattr(ui.sidebar, "render_sidebar", render_sidebar)
    monkeypatch.setattr(ui.results, "report_download", report_download)
    at = demo_app()
    assert seen_by_report == [{"done"}]
    assert "missing" not in sidebar(at) and sidebar(at).count(":green[done]") == 5


def test_a_price_leaves_the_schedule_done_and_start_full(demo):
    plan, demo_measures = (
        demo.session_state["results"]["schedule"],
        dict(demo.session_state["results"]["forecast"].measures),
    )
    at = forecast_again(demo, {"fc_price": "Per kWh"}, {"fc_price_kwh": 0.77})
    money = at.session_state["results"]["forecast"].measures["money"].point
    assert money > 0 and ("money" not in demo_measures or demo_measures["money"].point != pytest.approx(money))
    assert pipeline_status(at.session_state)["schedule"] == "done"
    at = goto(at, "pages/home.py")
    assert not at.warning or not any("Stale" in w.value for w in at.warning)
    labels = [m.label for m in at.metric]
    assert any(label.startswith("Best start") for label in labels) and any("(modeled)" in lb for lb in labels)
    assert at.session_state["results"]["schedule"] is plan and "missing" not in sidebar(at)


def test_a_new_job_leaves_start_showing_its_results_marked_stale_with_a_rerun(demo):
    at = forecast_again(demo, {"fc_energy": "Type watts"})  # another energy basis: another job (kWh)
    assert pipeline_status(at.session_state)["schedule"] == "stale"
    at = goto(at, "pages/home.py")
    warning = " ".join(w.value for w in at.warning)
    assert "Stale: re-run" in warning and "the schedule: the forecast's job changed (kwh" in warning
    assert any(m.label.startswith("Best start") for m in at.metric)  # still shown, as last computed
    assert not at.get("download_button"), "the report waits for current results"
    assert "Schedule: :orange[stale" in sidebar(at)
    at.button(key="home_rerun").click().run()
    assert not errors(at), errors(at)
    assert set(pipeline_status(at.session_state).values()) == {"done"}
    assert at.session_state["inputs"]["schedule"]["zone"] == "DE"  # its last settings
    assert "stale" not in sidebar(at) and not any("Stale" in w.value for w in at.warning)
    assert at.get("download_button")


def test_validate_offers_to_rerun_a_stale_index(demo):
    at = goto(demo, "pages/data_model.py")
    at.slider(key="shift_level").set_value(4).run()
    at.button(key="apply_data").click().run()
    at = goto(at, "pages/validate.py")
    warning = " ".join(w.value for w in at.warning)
    assert (
        "Stale: re-run" in warning
        and "the index: the data changed (shift gaussian_noise:5 → gaussian_noise:4)" in warning
    )
    at.button(key="val_rerun").click().run()
    assert not errors(at), errors(at)
    status = pipeline_status(at.session_state)
    assert status["index"] == "done" and status["forecast"] == "stale"  # only what the page needs
    assert at.session_state["results"]["data"].shift == "gaussian_noise:4"


def test_a_rerun_reaches_the_stale_stages_a_result_is_made_from():
    from ui.stale import upstream_of

    assert upstream_of("schedule") == {"forecast", "index", "data", "model"} and upstream_of("data") == set()
