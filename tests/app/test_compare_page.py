"""The Compare models page: the two shipped checkpoints compared on the session's data (Data & model, Gaussian
noise level 3), once per module; what it shows is the engine's comparison, word for word; a bad upload is one
clear error."""

from __future__ import annotations

import io
import json

import pytest
import torch

from resque_core.compare.options import Comparison
from resque_core.compare.table import comparison_rows
from resque_core.model.architectures import build_model
from tests.app.conftest import chart_specs, chart_traces, errors, fresh_app, goto, texts
from tests.app.test_numbers_for_people import SCIENTIFIC, shown
from ui.widgets import FROM_FILE


@pytest.fixture(scope="module")
def compared():
    at = goto(fresh_app(), "pages/data_model.py")
    at.slider(key="shift_level").set_value(3).run()
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    goto(at, "pages/compare.py")
    at.button(key="run_compare").click().run()
    assert not errors(at), errors(at)
    return at


def test_the_page_shows_the_engines_recommendation_table_and_chart(compared):
    at = compared
    comparison = at.session_state["compare_result"]["comparison"]
    assert [o.name for o in comparison.options][:2] == ["default model retrained", "family_digits_mlp.pt retrained"]
    shown = [s.value for s in at.success] + [w.value for w in at.warning]
    assert any(comparison.recommendation in text for text in shown), shown
    table = at.table[0].value
    rows = comparison_rows(comparison)
    assert table.index.name == "option" and list(table.index) == [row["option"] for row in rows]
    assert table.loc[rows[0]["option"], "CO2"] == rows[0]["CO2"]
    traces = chart_traces(at, "pareto_chart")
    front = [o.name for o in comparison.options if o.pareto]
    assert list(traces["on the Pareto front"]["text"]) == front
    assert "modeled" in texts(at)


def test_the_chart_turns_to_money_and_no_figure_is_in_scientific_notation(compared):
    at = compared
    comparison = at.session_state["compare_result"]["comparison"]
    at.radio(key="cmp_axis").set_value("money").run()
    spec = next(s for k, s in chart_specs(at).items() if k.endswith("pareto_chart"))
    assert spec["layout"]["xaxis"]["title"]["text"].startswith("Money (EUR)")
    off = next(t for t in spec["data"] if t["name"] == "not on the front")
    assert off["x"][0] == pytest.approx(comparison.options[0].measures["money"].point)
    found = [text for text in shown(at) if SCIENTIFIC.search(text)]
    assert not found, found[:5]


def test_the_report_download_carries_the_current_comparison_and_leaves_a_stale_one_out(compared, monkeypatch):
    import ui.cache

    asked = []
    real = ui.cache.report_html
    monkeypatch.setattr(ui.cache, "report_html", lambda s, c=None: asked.append((s, c)) or real(s, c))
    at = goto(compared, "pages/scenarios.py")
    comparison = at.session_state["compare_result"]["comparison"]
    assert at.download_button[0].label == "Download the HTML report" and asked[-1][0] == ()
    assert Comparison.from_dict(json.loads(asked[-1][1])) == comparison
    assert "The HTML report includes the model comparison made on Compare models." in texts(at)
    goto(at, "pages/compare.py")
    at.number_input(key="cmp_target_points").set_value(3.0).run()
    assert any(w.value.startswith("**Stale: compare again.**") for w in at.warning)
    goto(at, "pages/scenarios.py")
    assert not at.get("download_button") and "the candidates or the settings changed" in texts(at)
    goto(at, "pages/compare.py")
    assert at.number_input(key="cmp_target_points").value == 3.0  # kept while away
    assert any(w.value.startswith("**Stale: compare again.**") for w in at.warning)
    at.number_input(key="cmp_target_points").set_value(2.0).run()  # asked as it was made: current again
    assert not any("Stale" in w.value for w in at.warning)
    for budget, key in (("A number of epochs", "cmp_budget_epochs"), ("kWh per option", "cmp_budget_kwh")):
        at.radio(key="cmp_budget").set_value(budget).run()
        assert at.number_input(key=key).value > 0 and not errors(at), errors(at)
        assert any(w.value.startswith("**Stale: compare again.**") for w in at.warning)
    at.radio(key="cmp_budget").set_value("The calibration runs' epoch cap").run()
    assert not any("Stale" in w.value for w in at.warning)


def test_a_bad_upload_is_one_clear_error():
    at = goto(fresh_app(), "pages/compare.py")
    at.multiselect(key="cmp_picks").set_value([]).run()
    at.file_uploader(key="cmp_uploads").set_value([("broken.pt", b"not a checkpoint", "application/octet-stream")])
    at.run()
    assert at.selectbox(key=next(k for k in at.session_state if k.startswith("cmp_arch_"))).value == FROM_FILE
    at.button(key="run_compare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert error.value.startswith("Comparing the candidates failed: candidate broken.pt:"), error.value
    assert "compare_result" not in at.session_state


def test_bare_weights_read_as_recorded_in_the_file_name_this_pages_architecture_field():
    buf = io.BytesIO()
    torch.save(build_model({"name": "SmallCNN"}).state_dict(), buf)
    at = goto(fresh_app(), "pages/compare.py")
    at.multiselect(key="cmp_picks").set_value([]).run()
    at.file_uploader(key="cmp_uploads").set_value([("bare.pt", buf.getvalue(), "application/octet-stream")]).run()
    (arch,) = [s for s in at.selectbox if s.label == "Architecture of bare.pt"]
    assert arch.value == "SmallCNN"  # read from the weights
    arch.set_value(FROM_FILE).run()
    at.button(key="run_compare").click().run()
    (error,) = at.error
    assert "say which architecture they are for: pick the architecture under Architecture of the file" in error.value
