"""What a page keeps while the user works: its settings open, its widgets showing the loaded choice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from resque_core.model.source import ModelSource
from tests.app.conftest import demo_app, errors, goto
from ui.restore import data_widgets, model_widgets
from ui.settings import DataChoice
from ui.uploads import upload_root
from ui.widgets import short_caption

MODES = ("Simulated shift", "New classes (task shift)", "Another dataset")


def test_settings_stay_open_while_the_user_edits():
    at = demo_app()
    at = goto(at, "pages/forecast.py")
    settings = lambda: [e.proto.expanded for e in at.expander if e.label.startswith("Settings")]  # noqa: E731
    assert settings() == [False]  # a result is shown: settings folded on arrival
    at.session_state["fc_settings"] = True  # the user opens them
    at.run()
    at.radio(key="fc_energy").set_value("Type watts").run()
    at.button(key="run_forecast").click().run()
    at.number_input(key="fc_watts").set_value(200.0).run()
    assert not errors(at) and settings() == [True]


def test_data_and_model_widgets_show_the_loaded_choice_on_return():
    at = demo_app()
    at = goto(at, "pages/data_model.py")
    assert at.slider(key="shift_level").value == 5  # the demo's level, not the widget's default 3
    at.radio(key="new_mode").set_value(MODES[0]).run()
    at.selectbox(key="shift_type").set_value("contrast").run()
    at.slider(key="shift_level").set_value(2).run()
    at.number_input(key="shift_seed").set_value(7).run()
    at.radio(key="ckpt_source").set_value("Default: digits 0-9").run()
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    at = goto(goto(at, "pages/index.py"), "pages/data_model.py")
    assert at.selectbox(key="shift_type").value == "contrast" and at.slider(key="shift_level").value == 2
    assert at.number_input(key="shift_seed").value == 7 and at.radio(key="new_mode").value == MODES[0]
    assert at.radio(key="ckpt_source").value == "Default: digits 0-9"


@pytest.mark.parametrize(
    "data",
    [
        DataChoice(),
        DataChoice(new="torchvision:CIFAR10:test", shift=None, kind="task", seed=3),
        DataChoice(original="{uploads}/ab/cd/train.zip", new="/data/new.npz", shift="contrast:2"),
        DataChoice(shift=None, kind="task"),
    ],
)
def test_widget_values_give_the_choice_back(data):
    """The values ``restore`` sets rebuild the same DataChoice the page would build from them; an upload
    comes back as the upload it was, never as a server path."""
    data = replace(data, original=data.original.format(uploads=upload_root()))
    values = data_widgets(data, MODES)
    mode = values["new_mode"]
    assert mode == (MODES[2] if data.new else MODES[1] if data.kind == "task" else MODES[0])
    sources = {"Embedded digits": "digits", "Server path": values.get("orig_path")}
    sources["Upload (.zip / .npz)"] = values.get("orig_upload_restored")
    source = sources.get(values["orig_source"])
    assert source == data.original and values["shift_seed"] == data.seed
    if data.shift:
        assert f"{values['shift_type']}:{values['shift_level']}" == data.shift
    if data.new:
        new = values.get("new_path") or f"torchvision:{values.get('new_tv')}"
        assert new == data.new and values["new_is_task"] == (data.kind == "task")


def test_model_widgets_name_a_default_checkpoint_or_its_path():
    assert model_widgets(ModelSource("default-0-4")) == {"ckpt_trust": False, "ckpt_source": "Default: digits 0-4"}
    assert model_widgets(ModelSource("/m/resnet.pt", trust=True)) == {
        "ckpt_trust": True,
        "ckpt_source": "Server path",
        "ckpt_path": "/m/resnet.pt",
    }


def test_thumbnail_captions_are_whole_words_or_cut_with_an_ellipsis():
    assert short_caption("3") == "3" and short_caption("airplane") == "airplane"
    assert short_caption("automobile") == "automob…" and len(short_caption("a" * 40)) == 8


def test_tables_and_lines_write_figures_as_the_tiles_do():
    """Not "4.223e-06 kWh" beside a tile that says "4.223 mWh"."""
    from resque_core.units import co2_text, energy_text
    from tests.app.conftest import metric, texts

    at = goto(demo_app(), "pages/forecast.py")
    tile = metric(at, "Energy")
    assert at.dataframe[0].value.loc["Energy", "retraining (modeled)"] == tile
    at = goto(at, "pages/schedule.py")
    plan = at.session_state["results"]["schedule"][0]
    assert energy_text(plan.energy_kwh) == tile and f"**{tile}**" in texts(at)
    assert f"{co2_text(plan.co2_now_kg)} CO2" in texts(at)
    windows = at.dataframe[0].value
    assert "kg CO2" not in windows.columns and windows["CO2"].iloc[0].split()[-1] in ("t", "kg", "g", "mg", "µg")
