"""The Data & model page says which stem a 3x3-stem ResNet got and why (a model trained here with its
max-pool kept): the weights pre-fill "auto", both variants are measured, the kept max-pool is used."""

from __future__ import annotations

import pytest

from tests.app.conftest import errors, fresh_app, goto, texts
from tests.stem_model import train_maxpool_resnet

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stem_page")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESQUE_SERVER_PATHS", str(folder))
        yield train_maxpool_resnet(folder)


def test_the_page_says_the_max_pool_was_measured_kept(files):
    weights, data = files
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="orig_source").set_value("Server path").run()
    at.text_input(key="orig_path").input(str(data)).run()
    at.radio(key="ckpt_source").set_value("Server path").run()
    at.text_input(key="ckpt_path").input(str(weights)).run()
    assert at.selectbox(key="ckpt_stem").value == "auto"
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    shown = texts(at)
    assert "cannot tell whether the max-pool was kept: measured on 80 original images" in shown
    assert "so the stem is small-maxpool (with the max-pool)" in shown
