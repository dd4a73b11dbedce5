"""Candidates as ``CKPT[:ARCH]`` and the settings a comparison shares, checked at the edge."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from resque_core.commands.compare import THIS_MACHINE as PARSER_DEFAULT
from resque_core.compare.candidates import (
    THIS_MACHINE,
    CompareSettings,
    budget_epochs,
    candidates_from,
    parse_candidate,
    team_target,
)
from resque_core.errors import InputError, ResqueError
from resque_core.model.source import ModelSource


def test_ckpt_and_arch_are_split_at_the_last_colon():
    c = parse_candidate("models/net.pt:resnet18", ModelSource(trust=True, stem="small"))
    assert (c.model.checkpoint, c.model.arch, c.model.trust, c.model.stem) == (
        "models/net.pt",
        "resnet18",
        True,
        "small",
    )
    assert c.name == "net.pt"


def test_a_path_that_exists_with_a_colon_is_taken_whole(tmp_path):
    odd = tmp_path / "run:3.pt"
    odd.write_bytes(b"x")
    c = parse_candidate(str(odd))
    assert c.model.checkpoint == str(odd) and c.model.arch is None


def test_names_are_made_unique_and_the_shipped_ones_named():
    names = [c.name for c in candidates_from(["a/m.pt", "b/m.pt", "default", "default-0-4"])]
    assert names == ["m.pt", "m.pt (2)", "default model", "default 0-4 model"]


@pytest.mark.parametrize("spec", ["", "  ", ":resnet18", "model.pt:"])
def test_malformed_candidates_are_refused(spec):
    with pytest.raises(InputError, match="CKPT"):
        parse_candidate(spec)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget_epochs": 5, "budget_kwh": 1.0}, "not both"),
        ({"budget_epochs": 0}, "budget_epochs must be a positive number"),
        ({"budget_kwh": math.nan}, "budget_kwh must be a positive number"),
        ({"devices": 0}, "devices must be a whole number from 1 to 4096"),
        ({"devices": 2.5}, "devices must be a whole number"),
        ({"level": 1.0}, "level must be a share in"),
        ({"min_p_reach": 0}, "min_p_reach must be a share"),
        ({"precision": "int8"}, "precision must be fp32 or mixed"),
        ({"profile": "tpu-v9"}, "unknown hardware profile 'tpu-v9'"),
        ({"target_acc": 1.2}, "target accuracy must be in"),
        ({"target_drop": -0.1}, "target drop must be a share"),
    ],
)
def test_bad_settings_are_refused_with_the_setting_named(kwargs, message):
    with pytest.raises(ResqueError, match=message):
        CompareSettings(**kwargs)


def test_the_team_target_is_given_or_a_drop_below_the_best_candidate():
    assert team_target(CompareSettings(target_acc=0.9), [0.99, 0.7])[0] == 0.9
    target, words = team_target(CompareSettings(target_drop=0.05), [0.97, 0.7])
    assert target == pytest.approx(0.92)
    assert words == "accuracy 0.92 on the new data (5 points below the best candidate's clean accuracy, 0.97)"


def test_the_budget_is_epochs_kwh_bought_or_the_runs_cap():
    runs = pd.DataFrame({"max_epochs": [20.0, 30.0], "epochs": [3.0, 30.0]})
    assert budget_epochs(CompareSettings(budget_epochs=7), 1.0, runs) == 7
    assert budget_epochs(CompareSettings(budget_kwh=2.0), 0.5, runs) == 4
    assert budget_epochs(CompareSettings(), 0.5, runs) == 30


def test_the_parser_default_profile_is_the_engines():
    assert PARSER_DEFAULT == THIS_MACHINE == CompareSettings().profile
