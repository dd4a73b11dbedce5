"""A quick CLI: heavy libraries are imported only by the commands that need them, only when they run.

Each case runs ``python -m resque_core ...`` in a fresh process through a small wrapper that prints,
at exit, which heavy modules ended up in ``sys.modules``. No timing is asserted (bench/cli_startup.py
measures it); what is asserted is what gets imported.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from resque_core.cli import COMMANDS

ROOT = pathlib.Path(__file__).resolve().parents[1]
HEAVY = ("torch", "torchvision", "pandas", "scipy", "sklearn", "codecarbon", "plotly", "streamlit")
WRAPPER = """
import atexit, json, runpy, sys
heavy = {heavy!r}
report = lambda: print("IMPORTED " + json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
atexit.register(report)
sys.argv = ["resque_core", *{argv!r}]
runpy.run_module("resque_core", run_name="__main__", alter_sys=True)
"""


def imported(*argv: str, code: int = 0) -> tuple[set[str], str]:
    """The heavy modules ``python -m resque_core ARGV`` imported, and what it printed."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER.format(heavy=HEAVY, argv=list(argv))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == code, done.stderr
    line = [x for x in done.stderr.splitlines() if x.startswith("IMPORTED ")][-1]
    return set(json.loads(line.removeprefix("IMPORTED "))), done.stdout


def test_the_wrapper_sees_an_import():
    modules, _ = imported("layers", "--json")
    assert "torch" in modules


@pytest.mark.parametrize("argv", [["--help"], *([name, "--help"] for name in COMMANDS)], ids=" ".join)
def test_help_imports_nothing_heavy(argv):
    modules, out = imported(*argv)
    assert modules == set() and out.startswith("usage: python -m resque_core")


def test_a_usage_error_imports_nothing_heavy():
    modules, _ = imported("index", "--precision", "fp64", code=2)
    assert modules == set()


def test_forecast_fits_without_torch():
    modules, out = imported("forecast", "--index", "0.05", "--json")
    assert "torch" not in modules and "pandas" in modules  # the isotonic fit is our own (conformal.pava)
    assert json.loads(out)["epochs"]["point"] > 0


def test_schedule_needs_neither_torch_nor_pandas():
    argv = ["--provider", "illustrative", "--zone", "DE", "--duration", "2h", "--energy-kwh", "1", "--json"]
    modules, out = imported("schedule", *argv, "--now", "2026-11-24T00:00Z")
    assert modules == set() and json.loads(out)["zone"] == "DE"


def test_index_on_the_default_imports_torch_but_no_scientific_stack():
    modules, out = imported("index", "--json")
    assert modules == {"torch"}  # the digits come from their file, not through sklearn (scipy, pandas)
    assert json.loads(out)["n_original"] == 1258


def test_report_imports_plotly_only_for_the_html(tmp_path):
    from resque_core.reporting.scenario import Scenario, scenarios_to_json

    scenarios = tmp_path / "scenarios.json"
    scenarios.write_text(scenarios_to_json([Scenario(name="one", index={"kind": "dist", "value": 0.04})]))
    modules, _ = imported("report", "--scenarios", str(scenarios), "--json", str(tmp_path / "out.json"))
    assert modules == set() and (tmp_path / "out.json").is_file()
    modules, _ = imported("report", "--scenarios", str(scenarios), "--html", str(tmp_path / "out.html"))
    assert modules == {"plotly"} and "<html" in (tmp_path / "out.html").read_text()
