"""Shared fixtures for the data tests: the digits are loaded once per session (they are read-only)."""

from __future__ import annotations

import pytest
import torch

from resque_core.data import DigitsDataset


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def digits() -> DigitsDataset:
    return DigitsDataset()
