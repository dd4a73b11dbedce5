"""Validate stops by the rule of the records the forecast was fitted on, where one run can."""

from __future__ import annotations

import pandas as pd
import pytest

from resque_core.calibration.validation import ValidationSettings, records_rule
from resque_core.forecast.records import default_records
from resque_core.retraining.rule import StoppingRule


def frame(*labels: str) -> pd.DataFrame:
    return pd.DataFrame({"run_kind": ["retrain"] * len(labels) + ["scratch"], "target_rule": [*labels, "other"]})


@pytest.mark.parametrize(
    ("label", "name"),
    [("plateau(2sex8)", "plateau"), ("base-2pt", "base-minus"), ("min(base-2pt, 0.97*scratch)", "reachable")],
)
def test_the_rule_name_is_read_from_the_labels_records_carry(label, name):
    assert records_rule(frame(label)).name == name


@pytest.mark.parametrize("label", ["plateau(2sex8)", "plateau(0.01x6)", "base-3pt"])
def test_a_validation_run_reproduces_the_records_rule(label):
    rule = records_rule(frame(label))
    assert rule.reproducible
    settings = rule.settings_for(ValidationSettings(target_rule=rule.name, base_acc=0.9, tolerance=rule.tolerance or 0))
    run_rule = settings.retrain_config().resolve_target()[1]  # the rule the run's result will carry
    assert run_rule.describe() == label and run_rule == rule.stopping
    assert rule.same_as(run_rule)


def test_the_reachable_rule_and_mixed_rules_are_not_reproducible():
    shipped = records_rule(default_records(), "dist")
    assert shipped.name == "reachable" and not shipped.reproducible
    assert not shipped.same_as(StoppingRule("plateau", plateau_delta=0.01, plateau_patience=6))
    mixed = records_rule(frame("plateau(2sex8)", "base-2pt"))
    assert (
        mixed.name is None and not mixed.reproducible and not mixed.same_as(StoppingRule("base-minus", tolerance=0.02))
    )
