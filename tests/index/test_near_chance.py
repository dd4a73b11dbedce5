"""A model that scores near chance on its own original data (the shipped digits model on rendered letters)
is refused with the likely causes and the option that accepts it; the digits themselves pass."""

from __future__ import annotations

import json

import pytest
import torch

from resque_core.data import open_source
from resque_core.errors import DataError
from resque_core.index import IndexRequest, compute_index
from resque_core.index.class_check import check_class_order
from resque_core.model.checkpoint import load_checkpoint
from tests.commands.in_process import run_main
from tests.letters_data import write_letters


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    return write_letters(tmp_path_factory.mktemp("letters"), per_class=30)


def test_the_digits_model_on_letters_is_near_chance_and_the_digits_are_not(letters):
    model = load_checkpoint("default")
    on_letters = check_class_order(model, open_source(str(letters)))
    assert on_letters.accuracy < 0.15 and on_letters.proposal is None and on_letters.near_chance
    assert on_letters.min_per_class == 30
    on_digits = check_class_order(model, open_source("digits"))
    assert on_digits.accuracy > 0.9 and not on_digits.near_chance


def test_the_index_refuses_it_naming_the_causes_and_the_option(letters):
    with pytest.raises(DataError) as info:
        compute_index(IndexRequest(original=str(letters), max_points=0))
    message = str(info.value)
    assert info.value.setting == "accept_low_accuracy" and "--accept-low-accuracy" in message
    assert "scores 10% on a sample of 300 images" in message and "chance 10%" in message
    assert "wrong checkpoint" in message and "input spec" in message and "stem" in message


def test_the_cli_refuses_with_exit_2_then_runs_when_the_user_accepts(letters, capsys):
    code, out, err = run_main(capsys, "index", "--original", str(letters), "--json")
    assert code == 2 and out == "" and "--accept-low-accuracy" in err and "Traceback" not in err
    code, out, _ = run_main(capsys, "index", "--original", str(letters), "--accept-low-accuracy", "--json")
    assert code == 0 and 0 <= json.loads(out)["resque"] <= 1


def test_an_accepted_model_gets_its_clean_accuracy_from_the_data_given_not_its_checkpoint(letters):
    report = compute_index(IndexRequest(original=str(letters), accept_low_accuracy=True, max_points=0))
    assert report.base_acc < 0.2 and report.base_acc_source.startswith("original data given")
    assert "the checkpoint's recorded 9" in report.base_acc_source and abs(report.acc_drop) < 0.2
    digits = compute_index(IndexRequest(shift="gaussian_noise:3", max_points=0))
    assert digits.base_acc_source == "checkpoint"


def test_the_probe_refuses_it_too_and_takes_the_same_option(letters, capsys):
    argv = ["forecast", "--index", "0.05", "--probe", "--probe-steps", "5", "--data", str(letters)]
    code, out, err = run_main(capsys, *argv)
    assert code == 2 and "--accept-low-accuracy" in err and "probe: round" not in err


def test_the_refusal_is_said_once(letters, capsys):
    code, _, err = run_main(capsys, "index", "--original", str(letters))
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error: the model scores 10%")
