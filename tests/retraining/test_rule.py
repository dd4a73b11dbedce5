"""The stopping rule as fields: ``describe`` writes the labels records carry, ``from_label`` reads them back."""

from __future__ import annotations

import pytest

from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.rule import StoppingRule


@pytest.mark.parametrize(
    ("config", "rule", "label"),
    [
        (RetrainConfig(target_rule="plateau", plateau_delta=None, plateau_patience=8),
         StoppingRule("plateau", plateau_delta=None, plateau_patience=8), "plateau(2sex8)"),
        (RetrainConfig(target_rule="plateau", plateau_delta=0.01, plateau_patience=6),
         StoppingRule("plateau", plateau_delta=0.01, plateau_patience=6), "plateau(0.01x6)"),
        (RetrainConfig(target_rule="base-minus", tolerance=0.035), StoppingRule("base-minus", tolerance=0.035),
         "base-3.5pt"),
        (RetrainConfig(target_rule="fixed", target_acc=0.9), StoppingRule("fixed", fixed_acc=0.9), "fixed(0.9)"),
        (RetrainConfig(target_rule="reachable", finetune_acc=0.5),
         StoppingRule("reachable", 0.02, 0.97, with_finetune=True), "min(base-2pt, 0.97*max(scratch, finetune))"),
        (RetrainConfig(target_rule="reachable", tolerance=0.05, scratch_frac=0.9),
         StoppingRule("reachable", 0.05, 0.9), "min(base-5pt, 0.9*scratch)"),
        (RetrainConfig(target_rule="case", reference_margin=0.03),
         StoppingRule("case", 0.02, 0.97, with_finetune=True, margin_2se=True),
         "case(min(base-2pt, 0.97*max(scratch, finetune0-2se)))"),
    ],
)  # fmt: skip
def test_each_rule_s_fields_give_its_label_and_back(config, rule, label):
    assert config.stopping_rule() == rule
    assert rule.describe() == label
    assert StoppingRule.from_label(label) == rule


def test_labels_this_version_does_not_write_are_kept_as_read():
    assert StoppingRule.from_label("") is None and StoppingRule.from_label(None) is None
    bare = StoppingRule.from_label("plateau")
    assert (bare.name, bare.plateau_patience, bare.describe()) == ("plateau", None, "plateau")
    odd = StoppingRule.from_label("min(base-2pt, something new)")
    assert (odd.name, odd.tolerance, odd.describe()) == ("reachable", None, "min(base-2pt, something new)")
    assert StoppingRule.from_label("other") == StoppingRule(None, label="other")
