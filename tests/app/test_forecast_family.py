"""A model of a family the shipped records lack: the Forecast page, the ``forecast`` command and the report give
one answer (the headline epochs are the ones the note quotes and explains), time and energy only once a probe of
that model measured them (one click), and a self-calibration command that names the user's files, not the server's.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re

import pytest
import torch

from resque_core.cli import main
from resque_core.data.base import InputSpec
from resque_core.model.source import ModelSource
from resque_core.reporting.export import to_csv, to_html
from resque_core.reporting.scenario import scenarios_to_json
from resque_core.units import number_text
from tests.app.conftest import demo_app, errors, goto
from ui.plain_text import plain
from ui.results import current_scenario

# 8x8 images: the probe and the plan's timing train the ResNet, a sixteenth of a 32x32 step (the notes hold alike)
RGB_8 = InputSpec(size=(8, 8), channels=3, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))


@pytest.fixture(scope="module")
def resnet_source(tmp_path_factory) -> ModelSource:
    path = tmp_path_factory.mktemp("resnet") / "resnet18.pt"
    import torchvision

    torch.save(torchvision.models.resnet18(weights=None, num_classes=10).state_dict(), path)
    return ModelSource(checkpoint=str(path), arch="resnet18", input_spec=RGB_8)


def _cli(capsys, index: float, kind: str, source: ModelSource, acc_drop: float | None = None, *flags: str) -> dict:
    spec = json.dumps(source.input_spec.to_dict()) if source.input_spec else None
    model = ["--checkpoint", source.checkpoint, "--data", "digits"]  # the page's original data: the demo's digits
    model += ["--arch", source.arch] if source.arch else []
    model += ["--input-spec", spec] if spec else []
    model += ["--acc-drop", repr(acc_drop)] if acc_drop is not None else []
    assert main(["forecast", "--index", repr(index), "--kind", kind, *model, *flags, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _tiles(at) -> list[str]:
    return [m.label for m in at.metric]


def test_one_answer_for_a_resnet18_on_the_page_in_the_cli_and_in_the_report(resnet_source, capsys, tmp_path):
    at = goto(demo_app(), "pages/forecast.py")
    assert at.session_state["results"]["forecast"].family_note is None  # the demo's own SmallCNN: nothing to say
    assert not [w for w in at.warning if "calibration library lacks" in w.value]
    at.session_state["results"]["model"] = resnet_source  # as if the Data & model page had loaded the ResNet
    data = at.session_state["results"]["data"]  # random weights score at chance: used anyway, as the user chose
    at.session_state["results"]["data"] = dataclasses.replace(data, accept_low_accuracy=True)
    at.radio(key="fc_energy").set_value("From the calibration records").run()
    at.radio(key="fc_grid").set_value("From the records").run()
    at.radio(key="fc_price").set_value("None").run()  # as the CLI below: no price (the page's default is an example)
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast, report = at.session_state["results"]["forecast"], at.session_state["results"]["index"]
    epochs, note = forecast.measures["epochs"], forecast.family_note
    assert note.startswith("Your model, resnet18 (11.2M parameters, 8x8 RGB images), is of a family the calibration")
    quoted = f"({number_text(epochs.point)} epochs, 80% interval {number_text(epochs.low)}-{number_text(epochs.high)})"
    assert quoted in note  # the headline is the note's answer
    assert _tiles(at) == ["Epochs (modeled)"]  # no small-CNN seconds or mWh tiles for a ResNet-18
    assert "Time, kWh and CO2 are not shown" in note and "Measure a probe" in note
    assert [w.value for w in at.warning if "calibration library lacks" in w.value] == [plain(note)]
    assert not at.get("plotly_chart")  # no curve of the small CNN's records under the carried answer
    cli = _cli(capsys, report.value, report.kind, resnet_source, report.acc_drop)
    assert cli["family_note"] == note and cli["epochs"] == epochs.to_dict() and cli["seconds"] is None

    at.session_state["fc_probe_steps"] = 2  # a short probe: the button measures with the page's probe settings
    at.button(key="fc_probe_now").click().run()  # one click: a probe of the ResNet, then the forecast again
    assert not errors(at), errors(at)
    forecast = at.session_state["results"]["forecast"]
    probe = at.session_state["fc_probe"]
    assert forecast.measures["epochs"] == epochs  # the same answer, now priced by the model's own probe
    assert forecast.measures["seconds"].point == pytest.approx(epochs.point * probe.seconds_per_epoch)
    assert forecast.measures["kwh"].point == pytest.approx(epochs.point * probe.kwh_per_epoch)
    priced = forecast.family_note
    assert "Time and energy per epoch are your model's own: probe (" in priced and "not shown" not in priced
    assert {"Time (modeled)", "Energy (modeled)"} <= set(_tiles(at))
    assert "fc_probe_now" not in [b.key for b in at.button]  # measured: nothing left to measure

    at.button(key="fc_advice").click().run()  # asked: how long a self-calibration would take, and its command
    assert not errors(at), errors(at)
    note = at.session_state["results"]["forecast"].family_note
    command = re.search(r"python -m resque_core calibrate .*", note).group(0)
    assert command.startswith("python -m resque_core calibrate --checkpoint resnet18.pt --arch resnet18 ")
    assert "--original YOUR_DATA --accept-low-accuracy --max-minutes " in command  # never the digits nor a path
    assert str(resnet_source.checkpoint) not in note and "digits" not in command
    cli_note = _cli(capsys, report.value, report.kind, resnet_source, report.acc_drop)["family_note"]
    assert note.startswith(cli_note.split(" Time, kWh and CO2 are not shown")[0])  # the same carried answer

    scenario = current_scenario(at.session_state, "resnet")
    assert scenario.forecast["family_note"] == note and "seconds" in scenario.forecast["measures"]
    assert f"<p class=note>{html.escape(note)}</p>" in to_html([scenario])
    assert note.replace('"', '""') in to_csv([scenario])  # the command's JSON input spec, quoted as CSV does
    saved, written = tmp_path / "scenarios.json", tmp_path / "report.html"
    saved.write_text(scenarios_to_json([scenario]))
    assert main(["report", "--scenarios", str(saved), "--html", str(written)]) == 0  # the report command too
    assert f"<p class=note>{html.escape(note)}</p>" in written.read_text()
    at.button(key="fc_to_selfcal").click().run()
    assert at.radio(key="fc_source").value == "Self-calibrate on my model"
    assert at.button(key="fc_selfcal") is not None  # self-calibration's controls are shown


def test_forecast_cli_is_silent_for_the_same_family(capsys):
    assert _cli(capsys, 0.05, "dist", ModelSource(checkpoint="default-0-4"))["family_note"] is None
