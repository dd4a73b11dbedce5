"""Fixtures for the grid tests: a real local HTTP server standing in for the carbon-intensity APIs."""

from __future__ import annotations

import pytest
from fake_grid_server import FakeGrid


@pytest.fixture
def grid():
    server = FakeGrid().start()
    yield server
    server.stop()
