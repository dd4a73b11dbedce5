"""Every test session writes its calibration records to its own database, never to the user's."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _own_records_database(tmp_path_factory):
    """``$RESQUE_DB`` for the session (a test or a module may still point it elsewhere with monkeypatch)."""
    before = os.environ.get("RESQUE_DB")
    os.environ["RESQUE_DB"] = str(tmp_path_factory.mktemp("records") / "records.sqlite")
    yield
    if before is None:
        os.environ.pop("RESQUE_DB", None)
    else:
        os.environ["RESQUE_DB"] = before


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray with 2 CPUs for the module's tests (torch on one thread per process), shut down after."""
    import ray
    import torch

    from resque_core.index.ray_cluster import UNNICED  # workers at the driver's priority: not starved under load

    torch.set_num_threads(1)
    quiet = {"log_to_driver": False, "logging_level": "WARNING"}
    ray.init(address="local", num_cpus=2, include_dashboard=False, _system_config=UNNICED, **quiet)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def default_forecaster():
    """``fitted(level=0.8)``: the shipped default calibration's forecaster (dist index), from the product's own
    kept fits (``forecast.pipeline.fitted``): fitted once per process and level, shared with the page and the
    CLI run in this process. A fit is some 33,000 curve fits (seconds of CPU); ``predict`` leaves it as it is."""
    from resque_core.forecast.pipeline import FitSettings, choose_records, fitted

    return lambda level=0.8: fitted(choose_records("default"), "dist", FitSettings(level=level))
