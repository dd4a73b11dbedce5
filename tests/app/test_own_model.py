"""The Data & model page reads a user's own ResNet: fields pre-filled from the weights and the data,
the same index as the CLI, and errors that name the page's controls."""

from __future__ import annotations

import json

import pytest

from resque_core.cli import main
from resque_core.model.source import ModelSource
from tests.app.conftest import errors, fresh_app, goto, texts
from tests.own_model_fixtures import save_all

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The user's files, in a folder the operator allows as a server path."""
    folder = tmp_path_factory.mktemp("own_page")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESQUE_SERVER_PATHS", str(folder))
        yield save_all(folder)


@pytest.fixture(scope="module")
def small(saved):
    """The same files with 8x8 images, for the journey that trains the model (a sixteenth of the compute)."""
    folder = saved["data"].parent / "small"
    folder.mkdir()
    return save_all(folder, size_px=8)


def _page(saved, checkpoint: str):
    """The page with the npz as original data and ``checkpoint`` as a server path."""
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="orig_source").set_value("Server path").run()
    at.text_input(key="orig_path").input(str(saved["data"])).run()
    at.radio(key="ckpt_source").set_value("Server path").run()
    at.text_input(key="ckpt_path").input(str(saved[checkpoint])).run()
    return at


def test_state_dict_prefilled_loads_and_indexes_like_the_cli(small, capsys):
    at = _page(small, "training")
    assert (at.selectbox(key="ckpt_arch").value, at.number_input(key="ckpt_num_classes").value) == ("resnet18", 10)
    assert at.selectbox(key="ckpt_stem").value == "auto"  # conv1's 3x3 weights cannot tell whether max-pool stayed
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    model = at.session_state["results"]["model"]
    assert model == ModelSource(str(small["training"]), False, arch="resnet18", num_classes=10, stem="auto")
    shown = texts(at)
    assert "10 classes, input 3×8×8" in shown and "Input spec inferred: 8x8, 3 channel(s)" in shown
    assert "cannot tell whether the max-pool was kept: measured on 60 original images" in shown
    assert "so the stem is small (without the max-pool)" in shown
    goto(at, "pages/index.py")
    at.selectbox(key="index_device").set_value("cpu").run()
    at.button(key="compute_index").click().run()
    assert not errors(at), errors(at)
    page_value = at.session_state["results"]["index"].value
    argv = ["index", "--checkpoint", str(small["training"]), "--arch", "resnet18", "--num-classes", "10"]
    argv += ["--original", str(small["data"]), "--shift", "gaussian_noise:3", "--json"]
    capsys.readouterr()
    assert main([*argv, "--device", "cpu"]) == 0
    assert page_value == pytest.approx(json.loads(capsys.readouterr().out)["resque"], abs=1e-9)


def test_errors_name_the_page_control_not_a_flag(saved):
    at = _page(saved, "state_dict")
    at.selectbox(key="ckpt_arch").set_value("recorded in the file").run()
    at.button(key="apply_data").click().run()
    shown = " ".join(errors(at))
    assert "pick the architecture under Checkpoint > Architecture (resnet18)" in shown
    assert "--arch" not in shown
    at.selectbox(key="ckpt_arch").set_value("resnet18").run()
    at.selectbox(key="ckpt_stem").set_value("imagenet").run()
    at.button(key="apply_data").click().run()
    assert "conv1 is 3x3 in the weights" in " ".join(errors(at))
    assert "choose Checkpoint > Stem (small)" in " ".join(errors(at))


def test_model_file_behind_trust_and_input_spec_fields(saved):
    at = _page(saved, "state_dict")
    at.selectbox(key="ckpt_arch").set_value("my own class (model file)").run()
    at.radio(key="ckpt_model_source").set_value("Server path").run()
    at.text_input(key="ckpt_model_file").input(f"{saved['model_file']}:Net").run()
    at.button(key="apply_data").click().run()  # not trusted: refused before anything in the file runs
    assert "switch on Checkpoint > Trust this file" in " ".join(errors(at))
    assert "model" not in at.session_state["results"]
    at.toggle(key="ckpt_trust").set_value(True).run()
    at.toggle(key="ckpt_spec_manual").set_value(True).run()
    size = (at.number_input(key="ckpt_spec_h").value, at.number_input(key="ckpt_spec_w").value)
    assert size == (32, 32) and at.selectbox(key="ckpt_spec_c").value == 3  # from the data
    assert at.text_input(key="ckpt_spec_mean").value == "0.5, 0.5, 0.5"  # no torchvision arch: 0.5
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    model = at.session_state["results"]["model"]
    assert model.model_file == f"{saved['model_file']}:Net" and model.trust
    assert model.input_spec.to_dict() == {"size": [32, 32], "channels": 3, "mean": [0.5] * 3, "std": [0.5] * 3}


def test_torchscript_says_it_is_embedded_at_the_logits(saved):
    at = _page(saved, "torchscript")
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    assert "RESQUE embeds its output, the logits" in texts(at)


@pytest.mark.slow
def test_own_model_self_calibrates_forecasts_and_validates(small):
    """The whole journey for the user's ResNet on the page: index, self-calibration within a small budget,
    a forecast from those records (its own family: no "another model" sentence), and a Validate run that
    retrains to the team's target, beside the forecast for that same target (the self-calibration's records
    carry curves), and joins the history with the family columns."""
    from resque_core.forecast.records import RecordStore

    at = _page(small, "training")
    at.button(key="apply_data").click().run()
    goto(at, "pages/index.py")
    at.button(key="compute_index").click().run()
    assert not errors(at), errors(at)

    goto(at, "pages/forecast.py")
    at.radio(key="fc_source").set_value("Self-calibrate on my model").run()
    at.number_input(key="fc_budget").set_value(6)
    at.number_input(key="fc_cases").set_value(10)  # a count bound: the minimum of 8, and 2 that may be censored
    at.number_input(key="fc_selfcal_epochs").set_value(2)
    at.toggle(key="fc_meter").set_value(False).run()
    at.button(key="fc_selfcal").click().run(timeout=120)  # 10 retraining runs of ResNet-18 on 60 8x8 images
    assert not errors(at), errors(at)
    plan = [m.value for m in at.markdown if m.value.startswith("Plan: ")]
    assert "of resnet18 on 60 images" in plan[0]  # said before the first run, and what it had to give up too
    assert all("] runs trained on " in p or "] runs stopped at " in p for p in plan[1:]), plan
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast = at.session_state["results"]["forecast"]
    assert forecast.source.records == "self-calibration" and forecast.n_records >= 8
    assert forecast.family_note is None  # the records are this model's own

    goto(at, "pages/validate.py")
    measured = at.session_state["results"]["index"].base_acc
    assert measured is not None and at.number_input(key="val_base_acc").value == pytest.approx(measured)
    at.slider(key="val_max_epochs").set_value(2).run()
    at.toggle(key="val_energy").set_value(False).run()
    at.button(key="start_validate").click().run()
    thread = at.session_state["validate_job"].thread
    thread.join(120)
    assert not thread.is_alive(), "Validate's run (epoch cap 2) took over 2 min"
    at.run()
    job = at.session_state["validate_job"]
    assert job.error is None and job.result is not None, job.error
    table = at.dataframe[-1].value
    assert table.loc[0, "measure"] == "Epochs" and table.loc[0, "measured"].replace(">= ", "") != "–"
    # the run's target is the forecast's: its own (like for like), or the records' own rule, said beside it
    assert job.forecast.target == job.settings.target.label or job.settings.target.label in job.forecast.target_note
    assert table.loc[0, "covered"] in ("yes", "no", "cannot tell (the run stopped at its cap)")
    row = RecordStore().all().iloc[-1]
    assert row["run_id"].startswith("validate-") and row["arch"] == "resnet18"
    assert row["input_size"] == "8x8x3" and row["n_params"] > 1e7
