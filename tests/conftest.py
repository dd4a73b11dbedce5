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

    torch.set_num_threads(1)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def default_forecaster():
    """``fitted(level=0.8)``: the shipped default calibration's forecaster (dist index), fitted once per session
    and level. A fit is some 33,000 curve fits (seconds of CPU); ``predict`` leaves the fitted state as it is."""
    from resque_core.forecast.forecaster import Forecaster
    from resque_core.forecast.records import default_records

    fits = {}

    def fitted(level: float = 0.8) -> Forecaster:
        if level not in fits:
            fits[level] = Forecaster(level=level).fit(default_records(), "dist", source="default")
        return fits[level]

    return fitted
