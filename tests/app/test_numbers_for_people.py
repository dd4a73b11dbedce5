"""Numbers for people on every page: no scientific notation in any text, table cell or chart text after the demo
and after a priced forecast; the Forecast page's cost table, how-sure sentence and engineering details; budget
totals that say which scenarios they cover."""

from __future__ import annotations

import re

import pytest

from resque_core.reporting.export import to_html
from resque_core.units import BUDGET_MEASURES, measure_label, measure_text, number_text, range_text
from tests.app.conftest import PAGES, chart_specs, demo_app, errors, goto, texts

SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][-+]\d")  # 1.341e-06, 2E+03


def _strings(node, out: list[str]) -> list[str]:
    """Every string in a chart's JSON (names, hover templates, titles, annotations, tick texts)."""
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in ("uid", "id"):
                _strings(value, out)
    elif isinstance(node, list):
        for value in node:
            _strings(value, out)
    return out


def shown(at) -> list[str]:
    """What the page writes: texts, every table and data frame cell with its headers, every chart's text."""
    parts = texts(at).splitlines() + [e.label for e in at.expander]
    for frame in [d.value for d in at.dataframe] + [t.value for t in at.table]:
        parts += [str(v) for v in frame.to_numpy().ravel()] + [str(v) for v in (*frame.index, *frame.columns)]
    for spec in chart_specs(at).values():
        parts += _strings(spec, [])
    return parts


def no_scientific_notation(at, when: str) -> None:
    for page in PAGES:
        goto(at, page)
        assert not errors(at), (page, errors(at))
        found = [text for text in shown(at) if SCIENTIFIC.search(text)]
        assert not found, f"{when}, {page}: {found[:5]}"


def save(at, name: str) -> None:
    goto(at, "pages/scenarios.py")
    at.text_input(key="scenario_name_input").set_value(name).run()
    at.button(key="save_scenario").click().run()
    assert not errors(at), errors(at)


@pytest.fixture(scope="module")
def demo():
    at = demo_app()
    save(at, "demo")
    return at


def test_the_cost_table_keeps_budget_measures_and_marks_what_it_writes(demo):
    at = goto(demo, "pages/forecast.py")
    forecast = at.session_state["results"]["forecast"]
    table = at.dataframe[0].value
    assert list(table.index) == [measure_label(m) for m in BUDGET_MEASURES if m in forecast.measures]
    iv = forecast.measures["kwh"]
    assert table.loc["Energy", "interval"] == range_text("kwh", iv.low, iv.high)
    bound = forecast.scratch_capped_share > 0
    scratch = measure_text("kwh", forecast.scratch["kwh"].point, at_least=bound)
    assert table.loc["Energy", "from scratch (modeled)"] == scratch and scratch.startswith(">= ") == bound
    sure = next(i.value for i in at.info if i.value.startswith("How sure:"))  # one plain sentence leads
    mae = number_text(forecast.signals.heldout_mae_epochs, 2)
    assert f"off by about {mae} epochs on average" in sure
    assert f"this one says {number_text(forecast.measures['epochs'].point)} epochs" in sure
    panel = next(e for e in at.expander if e.label.startswith("How good is this forecast?"))
    assert panel.markdown[0].value.startswith(f"**{mae} epochs**: the average error")  # each figure said in words
    if forecast.benchmark:
        assert panel.markdown[1].value.startswith("**The published benchmark**: the same kind of check")


def test_no_scientific_notation_after_the_demo_and_after_a_priced_forecast(demo):
    no_scientific_notation(demo, "after the demo")
    at = goto(demo, "pages/forecast.py")
    at.radio(key="fc_price").set_value("Per kWh").run()
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    money = at.session_state["results"]["forecast"].measures["money"]
    assert at.dataframe[0].value.loc["Money", "retraining (modeled)"] == measure_text("money", money.point, "EUR")
    save(at, "priced")
    no_scientific_notation(at, "after a priced forecast")
    report = re.sub(r"<script.*?</script>", "", to_html(list(at.session_state["scenarios"].values())), flags=re.S)
    report = re.sub(r"<[^>]*>", " ", report)  # what the report reads: its text, not charts' code nor tags' ids
    assert not SCIENTIFIC.findall(report), SCIENTIFIC.findall(report)[:5]
    at = goto(at, "pages/forecast.py")
    at.radio(key="fc_price").set_value("None").run()
    at.button(key="run_forecast").click().run()
    assert "money" not in at.session_state["results"]["forecast"].measures
    save(at, "unpriced")
    at = goto(at, "pages/scenarios.py")  # the demo (example price) and "priced" have money, "unpriced" has none
    totals = at.table[1].value
    assert totals.loc["Money", "covers"] == "total of 2 of 3 scenarios (the others have no price)"
    assert totals.loc["Epochs", "covers"] == "all 3 scenarios"
    assert totals.loc["Money", "total"].endswith(" EUR")
