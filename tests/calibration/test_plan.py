"""Planning a self-calibration to a budget, its progress events and its one outcome message."""

from __future__ import annotations

import pytest
import torch

from resque_core.calibration.campaigns import self_calibrate
from resque_core.calibration.config import SelfCalibration
from resque_core.calibration.plan import BudgetTooSmall, plan_self_calibration, spread
from resque_core.calibration.progress import outcome
from resque_core.calibration.record import CalibrationRecord
from resque_core.calibration.sweep import SweepResult
from resque_core.cli import main
from resque_core.data import DigitsDataset
from resque_core.forecast.forecaster import MIN_RECORDS
from resque_core.model.checkpoint import load_checkpoint
from resque_core.model.source import ModelSource

TINY = SelfCalibration(
    shifts=("gaussian_noise:5", "gaussian_blur:5"),
    seeds=1,
    max_epochs=2,
    scratch_epochs=2,
    data_fraction=0.5,
    measure_energy=False,
    plan="fixed",
)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def default_model():
    return load_checkpoint("default"), DigitsDataset()


@pytest.fixture(scope="module")
def tiny_run():
    """A real self-calibration of the default model (2 shifts, cap 2), every event it reported, and how many
    training steps (batches) its runs took."""
    import resque_core.retraining.loop as loop

    torch.set_num_threads(1)
    events, steps = [], []
    real_step = loop.train_step

    def counted(*args, **kwargs):
        steps.append(1)
        return real_step(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loop, "train_step", counted)
        result = self_calibrate(ModelSource(), "digits", TINY, events.append)
    return result, events, len(steps)


def test_the_default_settings_can_reach_the_forecasters_minimum():
    defaults = SelfCalibration()
    assert defaults.plan == "auto" and len(defaults.shifts) * defaults.seeds >= MIN_RECORDS
    assert len(defaults.shifts) >= MIN_RECORDS  # even at one seed
    assert {s.split(":")[0] for s in defaults.shifts[:3]} == {"gaussian_noise", "gaussian_blur", "contrast"}


def test_a_budget_gets_a_plan_that_fits_it_and_meets_the_minimum(default_model):
    plan = plan_self_calibration(*default_model, SelfCalibration(max_minutes=2, measure_energy=False))
    s = plan.settings
    assert plan.meets_minimum and plan.cases >= MIN_RECORDS and s.plan == "fixed"
    assert plan.cases == len(s.shifts) * s.seeds and plan.scratch_runs == len(s.shifts)
    assert 0 < plan.estimated_s <= 0.85 * 120
    assert s.max_epochs <= 30 and s.seeds <= 2 and 0 < s.data_fraction <= 1
    assert s.shifts == spread(SelfCalibration().shifts)[: len(s.shifts)]  # a spread prefix of the shifts
    assert plan.sentence().startswith(f"{plan.runs} runs ({plan.cases} retraining, {plan.scratch_runs} from scratch")
    assert f"epoch cap {s.max_epochs}" in plan.sentence() and "about" in plan.sentence()
    lowered = [limit for limit in plan.limits() if limit.startswith("runs stopped at")]
    assert lowered == ([f"runs stopped at {s.max_epochs} epochs (you asked 30) to fit the time budget: the forecast "
                        f"cannot exceed {s.max_epochs} epochs; give a larger budget to keep your cap"]
                       if s.max_epochs < 30 else [])  # fmt: skip


def test_a_plan_below_the_user_s_cap_or_on_a_fraction_of_the_data_says_so():
    """The page's "Epoch cap per run: 30" lowered to 8 by the plan is never silent; a full-size plan says nothing."""
    from resque_core.calibration.plan import CalibrationPlan

    asked = SelfCalibration(max_epochs=30, max_minutes=5)
    chosen = SelfCalibration(max_epochs=8, data_fraction=0.25, plan="fixed")
    plan = CalibrationPlan(chosen, 8, 8, 200.0, "resnet18", 1120, times=None, asked=asked)
    assert plan.limits() == (
        "runs stopped at 8 epochs (you asked 30) to fit the time budget: the forecast cannot exceed 8 epochs; "
        "give a larger budget to keep your cap",
        "runs trained on 0.25 of the original data, so their epochs hold fewer images than your retraining's: "
        "their seconds and kWh are scaled to your epochs, their epoch counts are not",
    )
    assert CalibrationPlan(asked, 8, 8, 200.0, "resnet18", 1120, times=None, asked=asked).limits() == ()


def test_an_impossible_budget_is_refused_with_the_budget_that_would_do(default_model):
    with pytest.raises(BudgetTooSmall, match=r"give it \d+ min") as refused:
        plan_self_calibration(*default_model, SelfCalibration(max_minutes=0.001, measure_energy=False))
    needed = refused.value.needed_minutes
    assert needed >= 1 and f"give it {needed} min" in str(refused.value) and "8 retraining runs" in str(refused.value)
    plan = plan_self_calibration(*default_model, SelfCalibration(max_minutes=needed, measure_energy=False))
    assert plan.meets_minimum


def test_the_cli_names_its_flag_when_it_refuses(capsys):
    argv = ["calibrate", "--checkpoint", "default", "--original", "digits", "--max-minutes", "0.001", "--no-energy"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("error: ") == 1 and "timing a few training steps" in err
    assert "give it" in err and "(--max-minutes " in err


def test_a_count_budget_under_the_minimum_runs_as_given_and_says_so(default_model):
    settings = SelfCalibration(max_cases=2, max_minutes=60, measure_energy=False)
    plan = plan_self_calibration(*default_model, settings)
    assert plan.cases == 2 and not plan.meets_minimum and plan.settings.shifts == settings.shifts
    assert "fewer than the 8 the forecaster needs" in plan.sentence()


def test_the_estimate_counts_the_training_steps_the_real_run_takes(default_model, tiny_run, monkeypatch):
    """Counts, not wall clock: with a training step costing 1 s and nothing else, the estimate is the training
    steps the plan expects (every run to its cap), and the real run takes no more, nor fewer than its
    from-scratch runs alone (they always run to their cap)."""
    import resque_core.calibration.plan as planning

    monkeypatch.setattr(planning, "measure_step_times", lambda *_: planning.StepTimes(1.0, 0.0, 0.0))
    plan = plan_self_calibration(*default_model, TINY)
    assert plan.settings == TINY and (plan.cases, plan.scratch_runs) == (2, 2)
    epochs_planned = plan.cases * TINY.max_epochs + plan.scratch_runs * TINY.scratch_epochs
    steps_per_epoch = plan.estimated_s / epochs_planned
    assert steps_per_epoch == int(steps_per_epoch) and steps_per_epoch > 1
    result, events, steps = tiny_run
    assert result.runs_done == 4 and len(result.rows) == 4
    scratch_epochs = [e for e in events if e.kind == "epoch" and e.run_kind == "scratch"]
    assert len(scratch_epochs) == plan.scratch_runs * TINY.scratch_epochs
    assert len(scratch_epochs) * steps_per_epoch <= steps <= plan.estimated_s


def test_progress_arrives_from_the_first_second_and_counts_every_run(tiny_run):
    result, events, _ = tiny_run
    kinds = [e.kind for e in events]
    assert kinds[:3] == ["start", "start", "plan"] and kinds.index("plan") < kinds.index("case")
    assert events[2].message.startswith("4 runs (2 retraining, 2 from scratch") and "epoch cap 2" in events[2].message
    epochs = [e for e in events if e.kind == "epoch"]
    assert [(e.run_kind, e.epoch) for e in epochs[:2]] == [("scratch", 1), ("scratch", 2)]
    assert all(e.max_epochs == 2 and e.runs_planned == 4 for e in epochs)
    runs = [e for e in events if e.kind == "run"]
    assert [e.runs_done for e in runs] == [2, 4]  # no repeated counter
    done = [e.runs_done for e in events]
    assert done == sorted(done) and events[-1].runs_done == 4 and events[-1].fraction == 1.0
    assert [e.elapsed_s for e in events] == sorted(e.elapsed_s for e in events)
    assert events[-1].line().startswith("[4/4 runs, ") and result.notes[0].startswith("plan: 4 runs")


def test_a_self_calibration_on_half_the_data_prices_full_epochs_and_says_so(tiny_run):
    """TINY trains on half the digits: each record's seconds are scaled to an epoch of the full data's size."""
    result, events, _ = tiny_run
    fraction_note = "runs trained on 0.5 of the original data, so their epochs hold fewer images than your retraining's"
    assert any(e.kind == "plan" and e.message.startswith(fraction_note) for e in events)  # said before the runs
    assert result.notes[1].startswith(fraction_note)
    scaled = result.notes[2]
    measured = int(scaled.split("data, ")[1].split(" images")[0].replace(",", ""))
    assert scaled.startswith("runs trained on 0.5 of the data") and "scaled x2 to " in scaled
    assert {record.n_train for record in result.rows} == {round(measured / 0.5)}  # the images its costs are for


def _rows(usable: int, censored: int = 0, scratch: int = 0) -> tuple[CalibrationRecord, ...]:
    def record(run_kind: str, censored: bool) -> CalibrationRecord:
        return CalibrationRecord(run_kind=run_kind, index_kind="dist", index_value=0.1, epochs=1.0, censored=censored,
                                 kwh=1e-3)  # fmt: skip

    kinds = [("retrain", False)] * usable + [("retrain", True)] * censored + [("scratch", True)] * scratch
    return tuple(record(*kind) for kind in kinds)


def test_one_outcome_message_for_success_partial_and_short():
    ok = SweepResult(_rows(8, scratch=4), 12, 12, False, 522.0, energy_kwh=0.0125, energy_estimated=True)
    done = outcome(ok, 8)
    assert done.usable and done.message == "12 runs in 8.7 min: the forecaster can use them; energy 12.5 Wh (estimated)"
    cut = SweepResult(_rows(3, scratch=2), 12, 5, True, 900.0, budget="time budget")
    partial = outcome(cut, 8)
    assert not partial.usable and partial.usable_records == 3 and partial.records == 5
    assert partial.message == (
        "the time budget ran out after 5 of 12 runs: 3 retraining records, the forecaster needs 8 (5 records saved)"
    )
    short = outcome(SweepResult(_rows(6, censored=2), 8, 8, False, 60.0), 8)
    assert not short.usable and short.message.startswith("8 runs in 1.0 min, but 6 retraining records")


@pytest.mark.parametrize(
    ("per_class", "most", "expected"),
    [(3, 1.0, 1.0), (6, 1.0, 0.5), (12, 1.0, 0.25), (200, 0.5, 0.25), (2, 1.0, None), (6, 0.25, None)],
)
def test_the_data_fraction_keeps_images_to_retrain_and_validate_on(per_class, most, expected):
    """The smallest usable fraction leaves each class >= 1 image to retrain on and >= 1 to validate on in the
    new half of the split; a class too small even at ``most`` is refused with its size, before any training."""
    import numpy as np

    from resque_core.calibration.plan import usable_fraction
    from resque_core.errors import DataError

    targets = np.repeat(np.arange(10), per_class)
    if expected is None:
        with pytest.raises(DataError, match=rf"smallest class of the original data has {per_class} image"):
            usable_fraction(targets, 0.25, most)
    else:
        assert usable_fraction(targets, 0.25, most) == expected


def test_a_tiny_dataset_is_refused_in_one_line_not_a_traceback(tmp_path, capsys):
    """Two images per class: the planner says so before any run (it used to divide by zero mid-sweep)."""
    import numpy as np

    x = np.random.default_rng(0).random((20, 8, 8)).astype("float32")
    np.savez(tmp_path / "tiny.npz", x=x, y=np.repeat(np.arange(10), 2))
    argv = ["calibrate", "--checkpoint", "default", "--original", str(tmp_path / "tiny.npz"), "--no-energy"]
    assert main([*argv, "--max-minutes", "5"]) == 2
    err = capsys.readouterr().err
    assert "smallest class of the original data has 2 image(s)" in err and "Traceback" not in err
