"""One factory turns a sweep's and a Validate run's settings into a run's ``RetrainConfig``."""

from __future__ import annotations

from resque_core.calibration.config import SweepConfig
from resque_core.calibration.validation import ValidationSettings
from resque_core.forecast.targets import Target
from resque_core.retraining.config import RetrainConfig


def test_a_sweep_run_takes_the_sweep_s_settings_and_its_own():
    cfg = SweepConfig(tolerance=0.05, scratch_frac=0.9, plateau_delta=0.03, plateau_patience=4, lr=0.01,
                      batch_size=16, device="cuda", max_epochs=12, target_rule="case")  # fmt: skip
    config = RetrainConfig.of(cfg, base_acc=0.9, scratch_acc=0.8, seed=3, head="new", target_rule="fixed")
    assert config == RetrainConfig(
        target_rule="fixed", base_acc=0.9, tolerance=0.05, scratch_acc=0.8, scratch_frac=0.9, plateau_delta=0.03,
        plateau_patience=4, max_epochs=12, lr=0.01, batch_size=16, seed=3, head="new", device="cuda",
    )  # fmt: skip


def test_a_validate_run_retrains_to_the_fixed_target_with_the_training_defaults():
    settings = ValidationSettings(target=Target.drop(0.04), max_epochs=7, base_acc=0.95, seed=2)
    assert settings.retrain_config() == RetrainConfig(
        target_rule="fixed", target_acc=0.95 - 0.04, base_acc=0.95, max_epochs=7, seed=2, head="keep", device="auto",
    )  # fmt: skip
    assert ValidationSettings(target=Target.acc(0.8), base_acc=None).retrain_config().target_acc == 0.8
