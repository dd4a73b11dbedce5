"""A user's own model in a real browser: upload a ResNet-18 training checkpoint and an .npz, compute the
index, forecast with a probe of that model, read that the default calibration is another model family's,
self-calibrate on the model within a small budget, forecast from those runs, and validate to the same target.

The training is kept small so that each wait ends within 2 minutes on a loaded 2-core machine: 8x8 images (a
sixteenth of a 32x32 step), 2 probe steps per round, a count budget of 10 cases at an epoch cap of 2, and a
Validate cap of 2."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from resque_core.cli import main
from resque_core.data import SHIFT_TYPES
from tests.e2e.conftest import new_page
from tests.own_model_fixtures import save_all

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.xdist_group("browser"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]
STEP_TIMEOUT_MS = 120_000  # a ceiling per step on a loaded 2-core machine; each wait ends when its text shows


def _metric(page, label: str) -> str:
    card = page.locator("[data-testid=stMetric]").filter(has_text=label).first
    return card.locator("[data-testid=stMetricValue]").inner_text().strip()


def _no_error(page) -> None:
    error = page.locator("[data-testid=stAlertContentError]")
    if error.count():
        pytest.fail(f"the page shows an error: {error.first.inner_text()}")


def _upload(page, radio_option: str, group: int, path) -> None:
    """Pick ``radio_option`` in the ``group``-th radio that offers it, then give the file to the new uploader."""
    uploader = page.locator("[data-testid=stFileUploaderDropzoneInput]")
    before = uploader.count()  # counted before the click: the rerun it starts may add the uploader at once
    page.get_by_text(radio_option, exact=True).nth(group).click()
    expect(uploader).to_have_count(before + 1, timeout=STEP_TIMEOUT_MS)
    uploader.last.set_input_files(str(path))
    expect(page.get_by_text(path.name).first).to_be_visible(timeout=STEP_TIMEOUT_MS)


def _type(page, label: str, value: str) -> None:
    """Type ``value`` into the number input labelled ``label`` and commit it (Enter reruns the page)."""
    box = page.get_by_role("spinbutton", name=label)  # not the help button beside it ("Help for LABEL")
    box.fill(value)
    box.press("Enter")
    expect(box).to_have_value(value, timeout=STEP_TIMEOUT_MS)


def _slide_to(page, label: str, value: int) -> None:
    """Move the slider labelled ``label`` down to ``value`` with the keyboard, as a user can."""
    slider = page.locator("[data-testid=stSlider]").filter(has_text=label).first
    shown = slider.get_by_test_id("stSliderThumbValue")
    thumb = slider.get_by_role("slider")
    thumb.focus()
    for _ in range(int(shown.inner_text()) - value):
        thumb.press("ArrowLeft")
    expect(shown).to_have_text(str(value), timeout=STEP_TIMEOUT_MS)


def test_own_checkpoint_from_upload_to_self_calibration_and_validate(browser, server_url, tmp_path, capsys):
    saved = save_all(tmp_path, size_px=8)
    page = new_page(browser)
    page.goto(server_url)
    page.get_by_role("link", name="Data & model").first.click()
    page.get_by_text("Source of the original data").wait_for(timeout=STEP_TIMEOUT_MS)
    _upload(page, "Upload (.zip / .npz)", 0, saved["data"])
    _upload(page, "Upload", 0, saved["training"])
    # the architecture, classes and stem are read from the weights
    expect(page.get_by_text("resnet18").first).to_be_visible(timeout=STEP_TIMEOUT_MS)
    page.get_by_role("button", name="Use this data and model").click()
    page.get_by_text("Data and model loaded").or_(page.locator("[data-testid=stAlertContentError]")).first.wait_for(
        timeout=STEP_TIMEOUT_MS
    )
    _no_error(page)

    page.get_by_role("link", name="Index").first.click()
    page.get_by_role("button", name="Compute the index").click()
    page.locator("[data-testid=stMetric]").filter(has_text="RESQUE_dist").or_(
        page.locator("[data-testid=stAlertContentError]")
    ).first.wait_for(timeout=STEP_TIMEOUT_MS)
    _no_error(page)
    shown = float(_metric(page, "RESQUE_dist"))

    argv = ["index", "--checkpoint", str(saved["training"]), "--arch", "resnet18", "--stem", "small"]
    assert main([*argv, "--original", str(saved["data"]), "--shift", f"{SHIFT_TYPES[0]}:3", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)["resque"]
    assert shown == pytest.approx(cli, rel=1e-3)  # the tile shows 4 significant digits

    page.get_by_role("link", name="Forecast").first.click()
    page.get_by_text("Measure a probe here").click()
    _type(page, "Probe: training steps per round", "2")
    page.get_by_role("button", name="Forecast", exact=True).click()
    page.get_by_text("your model, resnet18").or_(page.locator("[data-testid=stAlertContentError]")).first.wait_for(
        timeout=STEP_TIMEOUT_MS
    )
    _no_error(page)
    assert "self-calibrate" in page.content()

    # the offer beside the family sentence picks self-calibration; a small budget, no meter
    page.get_by_role("button", name="Self-calibrate on my model").click()
    page.get_by_role("spinbutton", name="Time budget (minutes)").wait_for(timeout=STEP_TIMEOUT_MS)
    _type(page, "Time budget (minutes)", "6")
    _type(page, "At most this many cases", "10")  # the minimum of 8, and 2 that may be censored
    _type(page, "Epoch cap per run", "2")
    page.get_by_text("Measure energy with codecarbon (an estimate without power counters)").click()
    page.get_by_role("button", name="Run self-calibration").click()
    page.get_by_text("Plan: ").first.wait_for(timeout=STEP_TIMEOUT_MS)  # said before the first run
    page.get_by_text("the forecaster can use them").or_(
        page.locator("[data-testid=stAlertContentError]")
    ).first.wait_for(timeout=STEP_TIMEOUT_MS)
    _no_error(page)
    page.get_by_role("button", name="Forecast", exact=True).click()
    page.get_by_text("runs)").filter(has_text="self-calibration").or_(
        page.locator("[data-testid=stAlertContentError]")
    ).first.wait_for(timeout=STEP_TIMEOUT_MS)
    _no_error(page)
    expect(page.get_by_text("your model, resnet18")).to_have_count(0)  # the records are its own now

    page.get_by_role("link", name="Validate").first.click()
    # the run retrains to the team's target, the one the forecast beside it is for
    expect(page.get_by_text("the forecast beside the run is for the same target").first).to_be_visible(
        timeout=STEP_TIMEOUT_MS
    )
    _slide_to(page, "Epoch cap", 2)
    page.get_by_role("button", name="Start retraining").click()
    page.get_by_text("Added to the calibration history").or_(
        page.locator("[data-testid=stAlertContentError]")
    ).first.wait_for(timeout=STEP_TIMEOUT_MS)
    _no_error(page)
    # the comparison table is drawn on a canvas; the line above it names the target of both sides
    expect(page.get_by_text("Retrained to the target: accuracy").first).to_be_visible()
    page.context.close()
