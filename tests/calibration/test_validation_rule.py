"""Validate stops by the rule of the records the forecast was fitted on, where one run can."""

from __future__ import annotations

import pandas as pd
import pytest

from resque_core.calibration.validation import ValidationSettings, records_rule, rule_name
from resque_core.forecast.records import default_records


def frame(*labels: str) -> pd.DataFrame:
    return pd.DataFrame({"run_kind": ["retrain"] * len(labels) + ["scratch"], "target_rule": [*labels, "other"]})


@pytest.mark.parametrize(
    ("label", "name"),
    [("plateau(2sex8)", "plateau"), ("base-2pt", "base-minus"), ("min(base-2pt, 0.97*scratch)", "reachable")],
)
def test_rule_name_reads_the_labels_records_carry(label, name):
    assert rule_name(label) == name


@pytest.mark.parametrize("label", ["plateau(2sex8)", "plateau(0.01x6)", "base-3pt"])
def test_a_validation_run_reproduces_the_records_rule(label):
    rule = records_rule(frame(label))
    assert rule.reproducible
    settings = rule.settings_for(ValidationSettings(target_rule=rule.name, base_acc=0.9, tolerance=rule.tolerance or 0))
    assert settings.retrain_config().resolve_target()[1] == label  # the label the run's result will carry
    assert rule.same_as(label)


def test_the_reachable_rule_and_mixed_rules_are_not_reproducible():
    shipped = records_rule(default_records(), "dist")
    assert shipped.name == "reachable" and not shipped.reproducible
    assert not shipped.same_as("plateau(0.01x6)")
    mixed = records_rule(frame("plateau(2sex8)", "base-2pt"))
    assert mixed.name is None and not mixed.reproducible and not mixed.same_as("base-2pt")
