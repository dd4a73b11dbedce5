"""The report's "Model comparison" section, and a comparison read back from ``compare --json``'s file with every
number checked at the edge (``report --comparison``)."""

from __future__ import annotations

import html
import json

import pytest

from resque_core.compare.options import Comparison
from resque_core.compare.table import comparison_rows
from resque_core.errors import ReportError
from resque_core.jsonable import strict_json
from resque_core.reporting.compare_section import comparison_from_json
from resque_core.reporting.export import to_html
from tests.commands.in_process import run_main
from tests.comparison_fixture import made_comparison
from tests.report_fixtures import make_scenario


def _section(page: str) -> str:
    start = page.index("<h2>Model comparison")
    return page[start : page.index("</section>", start)]


def test_the_section_holds_the_recommendation_the_table_both_charts_and_the_notes():
    comparison = made_comparison()
    page = to_html([make_scenario("noise 3")], comparison=comparison)
    section = html.unescape(_section(page))
    assert "Model comparison <span class=tag>modeled</span>" in section
    assert f"<b>Recommended:</b> {comparison.recommendation}" in section
    for row in comparison_rows(comparison):  # the page's and the command's rows, cell for cell
        assert "".join(f"<td>{cell}</td>" for cell in row.values()) in section
    assert section.count('class="plotly-graph-div"') == 2  # CO2 and money: it is priced
    assert page.count("plotly.js v") == 1  # plotly.js inline once, with the scenarios' first chart
    assert comparison.notes[0] in section and "Hardware: 2 CPU threads, fp32 (modeled)" in section


def test_a_comparison_alone_makes_a_report_and_says_why_money_is_not_drawn():
    unpriced = made_comparison(priced=False, recommended=None)
    page = to_html([], comparison=unpriced)
    assert page.count("plotly.js v") == 1 and _section(page).count('class="plotly-graph-div"') == 1
    assert "No chart of money: the comparison is not priced" in page
    assert "<b>No option meets the target.</b>" in page
    with pytest.raises(ReportError, match="no scenario"):
        to_html([])


def test_a_comparison_reads_back_from_its_json_unchanged():
    comparison = made_comparison()
    assert comparison_from_json(strict_json(comparison.to_dict())) == comparison


def _doc() -> dict:
    return json.loads(strict_json(made_comparison().to_dict()))


def _set(path: str, value):
    def edit(doc: dict) -> None:
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node["options"][int(part[8:-1])] if part.startswith("options[") else node[part]
        node[last] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "place"),
    [
        (_set("options[1].co2_kg.low", -1), "options[1].co2_kg.low must be a finite number >= 0, not -1"),
        (_set("options[0].expected_acc.point", 1.5), "options[0].expected_acc.accuracy.point must be a finite number"),
        (_set("options[2].p_reach_target", "0.8"), "options[2].expected_acc.p_reach_target must be a finite number"),
        (_set("options[0].kwh.low", 1.0), "options[0].kwh must be an interval with low <= high"),
        (_set("target_acc", True), "target_acc must be a finite number from 0 to 1, not True"),
        (_set("recommended", "a model nobody compared"), "recommended must be the name of one of the options"),
        (_set("options", []), "options must be a list of at least one option"),
        (_set("options[3].pareto", "yes"), "options[3].pareto must be true or false"),
    ],
)
def test_a_comparison_file_with_a_bad_value_is_refused_naming_its_place(edit, place):
    doc = _doc()
    edit(doc)
    with pytest.raises(ReportError) as refused:
        Comparison.from_dict(doc)
    assert place in str(refused.value) and str(refused.value).startswith("--comparison: ")


def test_a_non_finite_number_in_the_file_is_refused():
    text = strict_json(made_comparison().to_dict()).replace('"target_acc": 0.948', '"target_acc": NaN')
    with pytest.raises(ReportError, match="target_acc must be a finite number"):
        comparison_from_json(text)


def test_report_writes_a_comparison_from_the_command_line(tmp_path, capsys):
    comparison = made_comparison()
    file = tmp_path / "comparison.json"
    file.write_text(strict_json(comparison.to_dict(), indent=2))
    code, out, err = run_main(capsys, "report", "--comparison", str(file), "--html", str(tmp_path / "r.html"))
    assert code == 0, err
    assert "(a model comparison)" in out and f"model comparison: {comparison.recommendation}" in out
    assert _section((tmp_path / "r.html").read_text()).count('class="plotly-graph-div"') == 2
    code, _, err = run_main(capsys, "report", "--comparison", str(file), "--csv", str(tmp_path / "r.csv"))
    assert code == 2 and "give --scenarios FILE.json" in err and not (tmp_path / "r.csv").exists()
    code, _, err = run_main(capsys, "report", "--html", str(tmp_path / "r.html"))
    assert code == 2 and "--scenarios FILE.json and/or --comparison FILE.json" in err
