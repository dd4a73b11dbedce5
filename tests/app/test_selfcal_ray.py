"""Self-calibration on the Forecast page, its runs on Ray: the same records as one after another here.

A real local Ray of one CPU (one worker runs both cases, one after the other, as on a loaded machine a
pool of two would anyway), the demo's default model and digits, two cases of at most two epochs, a real
SQLite history in a temporary folder.
"""

from __future__ import annotations

import importlib.util
import io

import pandas as pd
import pytest

from resque_core.index.ray_cluster import UNNICED
from tests.app.conftest import demo_app, goto

# ray is imported by the tests that run, not at collection
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed"),
    pytest.mark.xdist_group("ray"),  # one local Ray at a time: with make test's -n, on one worker
]

SAME = ("index_value", "noise_floor", "target_acc", "start_acc", "epochs", "censored", "grad_norm", "param_change")


@pytest.fixture(scope="module")
def one_worker_ray():
    """A local Ray of one CPU, started before the page's wait, as the product starts one (its workers not
    niced, ``ray_cluster.UNNICED``): the sweep's pool is one worker, so on two starved cores one process
    (not two) imports torch and loads the data inside the page's 120-s run."""
    import ray
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the driver's own runs (the local sweep, the plan's timing) on one thread too
    quiet = {"log_to_driver": False, "logging_level": "WARNING"}
    ray.init(address="local", num_cpus=1, include_dashboard=False, _system_config=UNNICED, **quiet)
    yield ray
    ray.shutdown()
    torch.set_num_threads(threads)


def _records(at) -> tuple[dict, str]:
    """The records of a self-calibration run from the page, by run, and the last progress line it showed."""
    at.button(key="fc_selfcal").click().run(timeout=120)  # two cases at epoch cap 2
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    frame = pd.read_csv(io.BytesIO(at.session_state["selfcal_csv"]))
    return {(r["run_kind"], r["shift"], int(r["seed"])): r for r in frame.to_dict("records")}, at.text[-1].value


@pytest.mark.slow  # two self-calibrations of two cases, the second on Ray: about 1 min on 2 loaded cores
def test_self_calibration_on_ray_gives_the_records_of_this_machine(tmp_path, monkeypatch, one_worker_ray):
    monkeypatch.setenv("RESQUE_DB", str(tmp_path / "history.sqlite"))
    at = goto(demo_app(), "pages/forecast.py")
    at.radio(key="fc_source").set_value("Self-calibrate on my model").run()
    at.multiselect(key="fc_shifts").set_value(["gaussian_noise"]).run()
    at.multiselect(key="fc_levels").set_value([3, 5]).run()
    at.number_input(key="fc_cases").set_value(2)
    at.number_input(key="fc_selfcal_epochs").set_value(2)
    at.toggle(key="fc_meter").set_value(False).run()
    assert at.selectbox(key="fc_executor").value == "this machine (one after another)"
    here, line = _records(at)
    assert line.startswith("[4/4 runs") and "[cases:" not in line
    at.selectbox(key="fc_executor").set_value("Ray (local or cluster)").run()
    assert at.text_input(key="fc_ray_address").value == ""  # empty: the local Ray
    on_ray, line = _records(at)
    assert line.startswith("[4/4 runs") and line.endswith("[cases: 2 done, 0 running, 0 failed, 0 left]")
    assert (
        sorted(here)
        == sorted(on_ray)
        == [(kind, f"gaussian_noise:{level}", 0) for kind in ("retrain", "scratch") for level in (3, 5)]
    )
    for run, row in here.items():
        for column in SAME:
            assert on_ray[run][column] == pytest.approx(row[column], rel=1e-9, abs=1e-12, nan_ok=True), (run, column)
