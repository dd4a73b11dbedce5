"""AppTest helpers: a fresh app session, and page switching by file name."""

from __future__ import annotations

import json
import pathlib

import pytest
import torch
from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGES = [
    "pages/home.py",
    "pages/data_model.py",
    "pages/index.py",
    "pages/forecast.py",
    "pages/schedule.py",
    "pages/validate.py",
    "pages/runs.py",
    "pages/scenarios.py",
    "pages/compare.py",
]
TIMEOUT_S = 120


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="module")
def _navigation_only():
    """Route every AppTest run through app.py's ``st.navigation``, as a running server does.

    A server flags a ``pages/`` folder as legacy multipage only until ``st.navigation`` first runs;
    AppTest resets that flag before each run, which would run ``pages/x.py`` alone (no sidebar).
    """
    from streamlit.runtime import pages_manager

    original = pages_manager.PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        pages_manager.PagesManager.uses_pages_directory = False

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pages_manager.PagesManager, "__init__", init)
        yield


def fresh_app() -> AppTest:
    """A new session of the dashboard, run once on its landing page."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    return at


def goto(at: AppTest, page: str) -> AppTest:
    """Switch the session to ``page`` (e.g. "pages/index.py") and run it."""
    at.switch_page(page)
    at.run()
    return at


def texts(at: AppTest) -> str:
    """Everything the main area shows as text (markdown, metrics, captions, alerts), joined."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.value for e in (*at.error, *at.warning, *at.info, *at.success)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def app() -> AppTest:
    return fresh_app()


@pytest.fixture(autouse=True, scope="module")
def _records(tmp_path_factory):
    """The shipped default calibration when it exists, else the records tests' synthetic set; a private DB."""
    import resque_core.forecast.records as records

    tmp = tmp_path_factory.mktemp("records")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESQUE_DB", str(tmp / "records.sqlite"))
        if not records.DEFAULT_CSV.is_file():
            from tests.records_fixtures import synthetic_records

            synthetic_records(n=40, n_scratch=10).to_csv(tmp / "calibration_default.csv", index=False)
            mp.setattr(records, "DEFAULT_CSV", tmp / "calibration_default.csv")
        yield


@pytest.fixture(autouse=True, scope="module")
def _uploads(tmp_path_factory):
    """Uploads go under a private folder, so tests see what each session leaves there."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESQUE_UPLOAD_DIR", str(tmp_path_factory.mktemp("uploads")))
        yield


def demo_app() -> AppTest:
    """A session in which the landing page's demo has run."""
    at = fresh_app()
    at.button(key="run_demo").click().run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    return at


def metric(at: AppTest, label_start: str) -> str:
    """The value of the first metric whose label starts with ``label_start``."""
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric {label_start!r}; metrics: {[m.label for m in at.metric]}")


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error] + [e.value for e in at.exception]


def cli_plan(capsys, plan, horizon: str) -> dict:
    """``schedule --provider illustrative --json`` for the job, zone, minute and deadline a page planned."""
    from resque_core.cli import main
    from resque_core.grid.base import iso_utc

    argv = ["schedule", "--provider", "illustrative", "--zone", plan.zone, "--horizon", horizon, "--json"]
    argv += ["--duration", f"{plan.duration_s!r}s", "--energy-kwh", repr(plan.energy_kwh), "--now", iso_utc(plan.now)]
    if plan.deadline is not None:
        argv += ["--deadline", iso_utc(plan.deadline)]
    if plan.interruptible:
        argv += ["--interruptible"]
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def chart_specs(at: AppTest) -> dict[str, dict]:
    """Every plotly chart on the page as its figure JSON, by the chart's key (or its position)."""
    out = {}
    for n, chart in enumerate(at.get("plotly_chart")):
        key = chart.proto.id.rsplit("-", 1)[-1] if chart.proto.id else str(n)
        out[key] = json.loads(chart.proto.spec)
    return out


def chart_traces(at: AppTest, key: str) -> dict[str, dict]:
    """The traces of the chart whose key ends with ``key``, by trace name."""
    spec = next(s for k, s in chart_specs(at).items() if k.endswith(key))
    return {trace.get("name"): trace for trace in spec["data"]}
