"""Accessibility and a quiet, offline tour: axe-core on every page after the demo, light and dark, and on the report.

One demo run per theme, then a tour of every page through the sidebar. On each page axe-core (installed
with npm: ``npm ci``; ``node_modules/axe-core``) checks WCAG 2.1 A and AA; a critical or serious
violation fails. The same tour collects requests to other hosts, failed requests, console errors and
what the server logs. Without node_modules/axe-core the tests skip, unless RESQUE_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from resque_core.forecast.records import DEFAULT_CSV
from tests.e2e.conftest import ROOT, elsewhere, go_to, log_since, new_page, require_file, run_demo_in, settled

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not DEFAULT_CSV.is_file(), reason=f"the demo needs the default calibration {DEFAULT_CSV}"),
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
# best-practice rules the review found broken (h1 -> h3, an empty table header): checked whatever their impact
PRACTICE = ["heading-order", "empty-table-header"]
PAGES = ("Data & model", "Index", "Forecast", "Schedule", "Validate", "Runs", "Scenarios & report", "Compare models")


def _require_axe() -> None:
    require_file(AXE_JS, "run `npm ci` (package.json) to check accessibility")


def blocking_violations(page) -> list[dict]:
    """axe-core's critical and serious WCAG 2.1 AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate("tags => axe.run(document, {runOnly: tags})", WCAG_AA)["violations"]
    return [v for v in found if v["impact"] in BLOCKING]


def practice_violations(page) -> list[dict]:
    """axe-core's findings for the ``PRACTICE`` rules (axe files them under best practice, not WCAG A/AA)."""
    return page.evaluate("rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})", PRACTICE)["violations"]


def described(by_page: dict[str, list[dict]]) -> str:
    """Each violation as page, rule, impact, node count and a few targets with axe's reason."""
    lines = []
    for where, violations in by_page.items():
        for v in violations:
            nodes = v["nodes"]
            lines.append(f"{where}: {v['id']} ({v['impact']}, {len(nodes)} nodes): {v['help']}")
            for node in nodes[:3]:
                reason = node["failureSummary"].splitlines()[1:2]
                lines.append(f"    {node['target'][-1][-90:]} | {node['html'][:70]} | {''.join(reason).strip()[:140]}")
    return "\n".join(lines)


SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][-+]\d")  # 1.341e-06, 2E+03


def scientific_on(page) -> list[str]:
    """Figures in scientific notation in what the page shows (its text, tables and charts' drawn text)."""
    return SCIENTIFIC.findall(page.locator("[data-testid=stMain]").inner_text())


@dataclass
class Tour:
    theme: str
    violations: dict[str, list[dict]] = field(default_factory=dict)
    outside: list[str] = field(default_factory=list)  # requests to another host
    failed: list[str] = field(default_factory=list)  # responses >= 400
    console: list[str] = field(default_factory=list)  # console errors and uncaught page errors
    announced: str | None = None
    scientific: dict[str, list[str]] = field(default_factory=dict)  # page -> figures in scientific notation
    practice: dict[str, list[dict]] = field(default_factory=dict)  # page -> PRACTICE rule violations
    report: Path | None = None
    server_log: str = ""


def _listen(page, tour: Tour) -> None:
    page.on("request", lambda r: tour.outside.append(r.url) if elsewhere(r.url) else None)
    page.on("response", lambda r: tour.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: tour.console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tour.console.append(f"uncaught: {e}"))


_TOURS: dict[str, Tour] = {}  # theme -> its tour, taken once per process whatever order the tests run in


@pytest.fixture(params=["light", "dark"])
def tour(request, browser, server_url, server_log, tmp_path_factory) -> Tour:
    """The theme's tour (a module-scoped parametrized fixture was set up again when xdist interleaved themes)."""
    _require_axe()
    if request.param not in _TOURS:
        _TOURS[request.param] = take_tour(request.param, browser, server_url, server_log, tmp_path_factory)
    return _TOURS[request.param]


def take_tour(theme: str, browser, server_url: str, server_log: Path, tmp_path_factory) -> Tour:
    """The demo, then every page: axe on each, with what the browser and the server said meanwhile."""
    offset = server_log.stat().st_size
    tour = Tour(theme)
    page = new_page(browser, theme)
    _listen(page, tour)
    run_demo_in(page, server_url)
    settled(page)
    tour.announced = page.locator("#resque-announce").text_content()
    tour.violations["Start"] = blocking_violations(page)
    tour.scientific["Start"] = scientific_on(page)
    tour.practice["Start"] = practice_violations(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the HTML report").click()
    tour.report = tmp_path_factory.mktemp("report") / "resque-report.html"
    download.value.save_as(tour.report)
    for title in PAGES:
        go_to(page, title)
        tour.violations[title] = blocking_violations(page)
        tour.scientific[title] = scientific_on(page)
        tour.practice[title] = practice_violations(page)
    tour.server_log = log_since(server_log, offset)
    page.context.close()
    return tour


def test_every_page_has_no_critical_or_serious_violation(tour):
    assert set(tour.violations) == {"Start", *PAGES}
    found = {where: v for where, v in tour.violations.items() if v}
    assert not found, f"axe-core, {tour.theme} theme:\n{described(found)}"


def test_headings_run_in_order_and_table_headers_have_text(tour):
    found = {where: v for where, v in tour.practice.items() if v}
    assert not found, f"axe-core best practice, {tour.theme} theme:\n{described(found)}"


def test_the_report_has_no_critical_or_serious_violation(tour, browser):
    """The report downloaded in each tour (one look whatever the theme: checking both costs a second, while
    narrowing this test to one theme would start a third tour)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    report = context.new_page()
    report.goto(tour.report.as_uri())
    report.locator(".plotly .main-svg").first.wait_for(timeout=30_000)
    found = blocking_violations(report) + practice_violations(report)
    context.close()
    assert not found, f"axe-core on the report:\n{described({'report': found})}"


def test_the_results_are_announced_to_screen_readers(tour):
    """A polite live region (role=status) says the results are ready: focus stays on the button otherwise."""
    assert tour.announced is not None and tour.announced.startswith("Results ready"), tour.announced


def test_the_tour_fetches_nothing_outside_and_logs_nothing(tour):
    """Offline clean: no other host, no failed request, no console error, no warning in the server log."""
    assert tour.outside == [], tour.outside
    assert tour.failed == [], tour.failed
    assert tour.console == [], tour.console
    assert tour.server_log.strip() == "", f"the server logged during the {tour.theme} tour:\n{tour.server_log[:3000]}"


def test_no_page_writes_a_figure_in_scientific_notation(tour):
    """Numbers for people: after the demo (priced at its example price) no page shows 1.3e-06 or 2e+03."""
    assert set(tour.scientific) == {"Start", *PAGES}
    found = {where: figures for where, figures in tour.scientific.items() if figures}
    assert not found, f"scientific notation, {tour.theme} theme: {found}"
