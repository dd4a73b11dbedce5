"""New images of another size than the model's input are resized, and the CLI, the page's report and the
HTML report say so (32x32 digits with the 16x16 digits model); same-size data carries no such note."""

from __future__ import annotations

import html
import json

import numpy as np
import pytest
import torch

from resque_core.index import IndexRequest, compute_index
from resque_core.reporting.export import to_html
from resque_core.reporting.scenario import Scenario, index_section
from tests.class_order_data import digit_pixels
from tests.commands.in_process import run_main

RESIZED = "the new images are 32x32 (the original ones 8x8): resized to the model's input 16x16"


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def big_digits(tmp_path_factory):
    """The digits at four times their size (32x32; the model takes 16x16), with their labels, as an npz."""
    x, y = digit_pixels(per_class=30)
    path = tmp_path_factory.mktemp("big") / "digits32.npz"
    np.savez(path, x=np.kron(x, np.ones((1, 4, 4), dtype=np.uint8)), y=y)
    return path


def test_the_report_notes_the_resize_and_the_html_shows_it(big_digits):
    report = compute_index(IndexRequest(new=str(big_digits), max_points=0))
    resized = [n for n in report.notes if "resized" in n]
    assert resized == [RESIZED + " (antialiased bilinear) before the model sees them"]
    section = index_section(report)
    assert any(RESIZED in n for n in section["notes"])
    assert html.escape(RESIZED) in to_html([Scenario(name="big", index=section)])
    same = compute_index(IndexRequest(shift="gaussian_noise:3", max_points=0))
    assert not [n for n in same.notes if "resized" in n]


def test_the_cli_says_it(big_digits, capsys):
    code, out, _ = run_main(capsys, "index", "--new", str(big_digits))
    assert code == 0 and f"note: {RESIZED}" in out
    code, out, _ = run_main(capsys, "index", "--new", str(big_digits), "--json")
    assert code == 0 and any(RESIZED in n for n in json.loads(out)["notes"])
