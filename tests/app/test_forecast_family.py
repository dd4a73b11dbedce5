"""The Forecast page, the ``forecast`` command and the report say the same sentence when the records are of
another model family (one ``family_note``), and the page offers self-calibration beside it."""

from __future__ import annotations

import html
import json
import re

import pytest
import torch

from resque_core.cli import main
from resque_core.data.base import InputSpec
from resque_core.model.source import ModelSource
from resque_core.reporting.export import to_csv, to_html
from tests.app.conftest import demo_app, errors, goto
from ui.plain_text import plain
from ui.results import current_scenario

RGB_32 = InputSpec(size=(32, 32), channels=3, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))


@pytest.fixture(scope="module")
def resnet_source(tmp_path_factory) -> ModelSource:
    path = tmp_path_factory.mktemp("resnet") / "resnet18.pt"
    import torchvision

    torch.save(torchvision.models.resnet18(weights=None, num_classes=10).state_dict(), path)
    return ModelSource(checkpoint=str(path), arch="resnet18", input_spec=RGB_32)


def _cli_note(
    capsys, index: float, kind: str, source: ModelSource, acc_drop: float | None = None, *flags: str
) -> str | None:
    spec = json.dumps(source.input_spec.to_dict()) if source.input_spec else None
    model = ["--checkpoint", source.checkpoint, "--data", "digits"]  # the page's original data: the demo's digits
    model += ["--arch", source.arch] if source.arch else []
    model += ["--input-spec", spec] if spec else []
    model += ["--acc-drop", repr(acc_drop)] if acc_drop is not None else []
    assert main(["forecast", "--index", repr(index), "--kind", kind, *model, *flags, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["family_note"]


def _timeless(note: str) -> str:
    """The note without its self-calibration minutes: each estimate times a few real training steps."""
    return re.sub(r"about \d+ min|--max-minutes \d+", "N", note)


def test_forecast_for_another_family_says_so_on_the_page_in_the_cli_and_in_the_report(resnet_source, capsys):
    at = goto(demo_app(), "pages/forecast.py")
    assert at.session_state["results"]["forecast"].family_note is None  # the demo's own SmallCNN: nothing to say
    assert not [w for w in at.warning if "self-calibrate" in w.value]
    at.session_state["results"]["model"] = resnet_source  # as if the Data & model page had loaded the ResNet
    at.radio(key="fc_energy").set_value("From the calibration records").run()
    at.radio(key="fc_grid").set_value("From the records").run()
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast, report = at.session_state["results"]["forecast"], at.session_state["results"]["index"]
    note = forecast.family_note
    assert note.startswith("This forecast comes from runs of SmallCNN (28.1k parameters, 16x16 grey images")
    assert "your model is resnet18 (11.2M parameters, 32x32 RGB images)" in note
    assert note.endswith("Its energy per epoch is theirs too: measure a probe of your model.")  # nothing timed yet
    assert _cli_note(capsys, report.value, report.kind, resnet_source, report.acc_drop) == note
    at.button(key="fc_advice").click().run()  # asked: the library's advice, which times a few training steps
    assert not errors(at), errors(at)
    assert at.session_state["results"]["forecast"].family_note.startswith(note)
    note = at.session_state["results"]["forecast"].family_note
    assert "Its energy per epoch is theirs too: measure a probe of your model. Your model's family is not in" in note
    # the library's advice (calibration.unknown_model): carried from its three families, on the accuracy drop
    # the page knows from the index (it held better than the index for a family left out)
    assert "come from the accuracy drop on 3 other families' runs" in note and "leave-one-family-out" in note
    assert "python -m resque_core calibrate --checkpoint " in note and " --arch resnet18 " in note
    assert [w.value for w in at.warning if "self-calibrate" in w.value] == [plain(note)]  # shown as text
    cli_note = _cli_note(capsys, report.value, report.kind, resnet_source, report.acc_drop, "--advice")
    assert _timeless(cli_note) == _timeless(note)  # given what the page knows, the command says the same
    scenario = current_scenario(at.session_state, "resnet")
    assert scenario.forecast["family_note"] == note
    assert f"<p class=note>{html.escape(note)}</p>" in to_html([scenario])
    assert note.replace('"', '""') in to_csv([scenario])  # the command's JSON input spec, quoted as CSV does
    at.button(key="fc_to_selfcal").click().run()
    assert at.radio(key="fc_source").value == "Self-calibrate on my model"
    assert at.button(key="fc_selfcal") is not None  # self-calibration's controls are shown


def test_forecast_cli_is_silent_for_the_same_family(capsys):
    assert _cli_note(capsys, 0.05, "dist", ModelSource(checkpoint="default-0-4")) is None
