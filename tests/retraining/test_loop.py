"""Real retraining of a tiny CNN on the digits: targets, censoring, determinism, cancelling, bad input."""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils.data import TensorDataset

from resque_core.data import DigitsDataset, Preprocessed, Subset
from resque_core.data.base import InputSpec
from resque_core.energy.meters import ManualPowerMeter
from resque_core.errors import RetrainError
from resque_core.model.architectures import SmallCNN
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.loop import retrain
from resque_core.retraining.rule import StoppingRule
from resque_core.retraining.steps import materialize, prepare_model
from resque_core.retraining.targets import EvalPoint, noise_band, plateau_epoch, plateau_onset, threshold_epoch

SPEC = InputSpec((16, 16), 1, (0.5,), (0.5,))


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    data = Preprocessed(DigitsDataset(), SPEC)
    x, y = materialize(Subset(data, range(900)))
    return TensorDataset(x[:600], y[:600]), TensorDataset(x[600:], y[600:])


def _model(seed: int = 0) -> SmallCNN:
    torch.manual_seed(seed)
    return SmallCNN(width=8, hidden=32)


def _reachable(**kw) -> RetrainConfig:
    return RetrainConfig(target_rule="reachable", base_acc=0.95, scratch_acc=0.35, max_epochs=10, **kw)


def test_retrain_reaches_a_reachable_target_and_records_every_field(digits):
    train, val = digits
    seen = []
    meter = ManualPowerMeter(100.0, intensity_g_per_kwh=400.0)
    r = retrain(_model(), train, val, _reachable(), meter=meter, progress=seen.append)
    assert r.target_rule.describe() == "min(base-2pt, 0.97*scratch)"
    assert r.target_acc == pytest.approx(min(0.95 - 0.02, 0.97 * 0.35))
    assert r.reached and not r.censored and not r.cancelled
    assert 0 < r.epochs <= len(r.history) and r.epochs != int(r.epochs)  # fractional
    assert r.start_acc < 0.3 and r.best_val_acc >= r.target_acc
    assert r.epochs == pytest.approx(r.epochs_to(r.target_acc))
    assert list(r.history) == seen
    assert r.steps_per_epoch == math.ceil(600 / 32) and r.steps < r.steps_per_epoch * len(r.history) + 1
    changes = [h.param_change for h in r.history]
    assert changes == sorted(changes) and changes[0] > 0 and r.param_change == changes[-1]
    for h in r.history:
        assert 0 < h.fraction <= 1 and 0 <= h.train_acc <= 1 and 0 <= h.val_acc <= 1
        assert 0 < h.train_loss < 5 and 0 < h.val_loss < 5 and 0 < h.grad_norm < 100
        assert h.seconds > 0 and h.eval_seconds > 0
        assert h.energy_kwh == pytest.approx(100.0 * h.seconds / 3.6e6, rel=0.3)
        assert h.co2_kg == pytest.approx(h.energy_kwh * 0.4)
    assert r.energy_kwh == pytest.approx(sum(h.energy_kwh for h in r.history))
    assert r.seconds == pytest.approx(sum(h.seconds for h in r.history))
    assert r.energy_source == "manual" and r.kwh_per_epoch > 0
    assert r.history[-1].val_acc >= r.target_acc  # stopped at the evaluation that reached it


def test_reachable_reference_is_the_better_of_scratch_and_fine_tuned():
    from resque_core.retraining.targets import reachable_settled_acc

    failed = RetrainConfig(target_rule="reachable", base_acc=0.964, scratch_acc=0.18, finetune_acc=0.75)
    target, label = failed.resolve_target()
    assert target == pytest.approx(0.97 * 0.75) and label.describe() == "min(base-2pt, 0.97*max(scratch, finetune))"
    good = RetrainConfig(target_rule="reachable", base_acc=0.964, scratch_acc=0.90, finetune_acc=0.75)
    assert good.resolve_target()[0] == pytest.approx(0.97 * 0.90)
    both = RetrainConfig(target_rule="reachable", base_acc=0.964, scratch_acc=0.99, finetune_acc=0.99)
    assert both.resolve_target()[0] == pytest.approx(0.944)
    single, rule = RetrainConfig(target_rule="reachable", base_acc=0.964, scratch_acc=0.18).resolve_target()
    assert single == pytest.approx(0.97 * 0.18)  # a single run that knows only the from-scratch reference says so
    assert rule == StoppingRule("reachable", tolerance=0.02, scratch_frac=0.97, with_finetune=False)
    assert rule.describe() == "min(base-2pt, 0.97*scratch)"
    assert reachable_settled_acc(0.964, 0.02, 0.97) == pytest.approx(0.944 / 0.97)
    assert reachable_settled_acc(0.999, 0.0, 0.97) == 1.0
    with pytest.raises(RetrainError, match="finetune_acc"):
        RetrainConfig(target_rule="reachable", base_acc=0.9, scratch_acc=0.5, finetune_acc=1.5).validate()


def test_the_case_rule_takes_the_first_seeds_best_less_its_margin():
    case = RetrainConfig(target_rule="case", base_acc=0.964, scratch_acc=0.18, finetune_acc=0.80, reference_margin=0.04)
    target, label = case.resolve_target()
    assert (
        target == pytest.approx(0.97 * 0.76)
        and label.describe() == "case(min(base-2pt, 0.97*max(scratch, finetune0-2se)))"
    )
    settled = RetrainConfig(target_rule="case", base_acc=0.9, scratch_acc=0.99, finetune_acc=0.5, reference_margin=0.04)
    assert settled.resolve_target()[0] == pytest.approx(0.88)  # the base - 2pt cap still binds
    plain = RetrainConfig(target_rule="case", base_acc=0.964, scratch_acc=0.6, finetune_acc=0.7)
    target, label = plain.resolve_target()
    assert (
        target == pytest.approx(0.97 * 0.7) and label.describe() == "case(min(base-2pt, 0.97*max(scratch, finetune0)))"
    )
    with pytest.raises(RetrainError, match="scratch_acc"):
        RetrainConfig(target_rule="case", base_acc=0.9).validate()


def test_unreachable_target_is_censored_at_the_cap(digits):
    train, val = digits
    cfg = RetrainConfig(target_rule="fixed", target_acc=1.0, max_epochs=1, eval_every_steps=5)
    r = retrain(_model(), train, val, cfg)
    assert r.censored and not r.reached and r.epochs == 1.0 and r.max_epochs == 1
    assert len(r.history) == 1 and r.history[0].fraction == 1.0
    assert [p.epoch for p in r.evals][:3] == [0.0, 5 / 19, 10 / 19]  # sub-epoch resolution
    assert r.energy_kwh is None and r.energy_source == ""


def test_base_minus_already_met_takes_zero_epochs(digits):
    train, val = digits
    r = retrain(_model(), train, val, RetrainConfig(base_acc=0.0, tolerance=0.0))
    assert r.reached and r.epochs == 0.0 and r.history == () and r.target_rule.describe() == "base-0pt"


def _trajectory(r):
    return [(h.train_loss, h.train_acc, h.val_loss, h.val_acc, h.grad_norm, h.param_change) for h in r.history]


def test_same_seed_same_history(digits):
    train, val = digits
    cfg = RetrainConfig(target_rule="fixed", target_acc=1.0, max_epochs=2, seed=3)
    a, b = retrain(_model(), train, val, cfg), retrain(_model(), train, val, cfg)
    assert _trajectory(a) == _trajectory(b) and a.evals == b.evals
    c = retrain(_model(), train, val, RetrainConfig(target_rule="fixed", target_acc=1.0, max_epochs=2, seed=4))
    assert _trajectory(c) != _trajectory(a)


def test_from_scratch_reinitialises_seeded_and_leaves_the_model_alone():
    model = _model(0)
    original = [p.detach().clone() for p in model.parameters()]
    a = prepare_model(model, RetrainConfig(from_scratch=True, seed=1), 10)
    b = prepare_model(model, RetrainConfig(from_scratch=True, seed=1), 10)
    c = prepare_model(model, RetrainConfig(from_scratch=True, seed=2), 10)
    kept = prepare_model(model, RetrainConfig(), 10)
    pa, pb, pc = list(a.parameters()), list(b.parameters()), list(c.parameters())
    assert all(torch.equal(x, y) for x, y in zip(pa, pb, strict=True))
    assert not any(torch.equal(x, o) for x, o in zip(pa, original, strict=True) if x.numel() > 1)
    assert not torch.equal(pa[0], pc[0])
    assert all(torch.equal(x, o) for x, o in zip(kept.parameters(), original, strict=True))
    assert all(torch.equal(x, o) for x, o in zip(model.parameters(), original, strict=True))


def test_new_head_for_a_task_shift(digits):
    train, val = digits
    keep = train.tensors[1] < 5
    x, y = train.tensors[0][keep], train.tensors[1][keep]
    task = TensorDataset(x, y)
    vkeep = val.tensors[1] < 5
    vtask = TensorDataset(val.tensors[0][vkeep], val.tensors[1][vkeep])
    net = prepare_model(_model(), RetrainConfig(head="new"), 5)
    assert net.classifier.out_features == 5 and net.classifier.in_features == 32
    r = retrain(_model(), task, vtask, RetrainConfig(target_rule="fixed", target_acc=0.5, head="new", max_epochs=6))
    assert r.reached and r.head == "new" and r.model.classifier.out_features == 5


def test_labels_beyond_the_head_need_a_new_head(digits):
    train, val = digits
    five = SmallCNN(num_classes=5, width=8, hidden=32)
    with pytest.raises(RetrainError, match="head='new'"):
        retrain(five, train, val, RetrainConfig(target_rule="fixed", target_acc=0.5))


def test_cancel_returns_a_partial_result(digits):
    train, val = digits
    calls = iter(range(100))
    r = retrain(_model(), train, val, _reachable(), should_stop=lambda: next(calls) >= 4)
    assert r.cancelled and not r.censored and not r.reached
    assert r.steps == 4 and r.epochs == pytest.approx(4 / 19) and len(r.history) == 1


def test_plateau_rule_stops_when_accuracy_settles(digits):
    train, val = digits
    cfg = RetrainConfig(target_rule="plateau", plateau_delta=1.0, plateau_patience=3, max_epochs=5)
    r = retrain(_model(), train, val, cfg)
    # any band holds, but a window at chance (the untrained start) is not convergence
    chance_band = 0.1 + 2 * math.sqrt(0.1 * 0.9 / len(val))
    first = next(i for i in range(len(r.evals) - 2) if sum(p.val_acc for p in r.evals[i : i + 3]) / 3 > chance_band)
    assert r.reached and r.target_rule.describe() == "plateau(1x3)" and r.epochs == r.evals[first].epoch > 0
    assert r.target_acc == pytest.approx(sum(p.val_acc for p in r.evals[first : first + 3]) / 3)
    noisy = RetrainConfig(target_rule="plateau", plateau_delta=None, plateau_patience=8, max_epochs=1)
    assert noisy.resolve_target() == (None, StoppingRule("plateau", plateau_delta=None, plateau_patience=8))
    assert noisy.stopping_rule().describe() == "plateau(2sex8)"


def test_noise_band_and_plateau_onset():
    assert noise_band(0.95, 225) == pytest.approx(2 * math.sqrt(0.95 * 0.05 / 225))
    assert noise_band(1.0, 200) == pytest.approx(1 / 200)  # never below one sample
    flat_at_chance = [EvalPoint(i / 4, 0.1, 2.3) for i in range(4)]
    learned = [EvalPoint(1 + i / 4, a, 1.0) for i, a in enumerate((0.5, 0.8, 0.9, 0.91, 0.9, 0.905))]
    evals = flat_at_chance + learned
    assert plateau_onset(evals, 0.02, 3) == (0.0, pytest.approx(0.1))  # without a chance floor
    assert plateau_onset(evals, 0.02, 3, n_val=225, chance=0.1) == (1.5, pytest.approx(0.9033, abs=1e-3))
    assert plateau_onset(evals, None, 3, n_val=225, chance=0.1)[0] == 1.5  # 2 s.e. at 0.9 is 0.04
    assert plateau_onset(evals[:6], 0.02, 3, n_val=225, chance=0.1) is None


def test_threshold_and_plateau_helpers():
    evals = [EvalPoint(0.0, 0.2, 2.0), EvalPoint(0.5, 0.4, 1.5), EvalPoint(1.0, 0.8, 1.0)]
    assert threshold_epoch(evals, 0.6) == pytest.approx(0.75)
    assert threshold_epoch(evals, 0.1) == 0.0
    assert threshold_epoch(evals, 0.9) is None
    assert plateau_epoch(evals, 0.5, 2) == (0.5, pytest.approx(0.6))
    assert plateau_epoch(evals, 0.1, 2) is None and plateau_epoch(evals, 1.0, 4) is None


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (RetrainConfig(), "base_acc"),
        (RetrainConfig(base_acc=1.5), "base_acc"),
        (RetrainConfig(target_rule="reachable", base_acc=0.9), "scratch_acc"),
        (RetrainConfig(target_rule="fixed"), "target_acc"),
        (RetrainConfig(target_rule="soon", base_acc=0.9), "unknown target rule"),
        (RetrainConfig(base_acc=0.9, max_epochs=0), "max_epochs"),
        (RetrainConfig(base_acc=0.9, batch_size=0), "batch_size"),
        (RetrainConfig(base_acc=0.9, lr=0), "lr"),
        (RetrainConfig(base_acc=0.9, head="fresh"), "head"),
        (RetrainConfig(base_acc=0.9, eval_every_steps=0), "eval_every_steps"),
        (RetrainConfig(base_acc=0.9, tolerance=-0.1), "tolerance"),
        (RetrainConfig(base_acc=0.9, device="tpu"), "device"),
        (RetrainConfig(target_rule="plateau", plateau_patience=1), "plateau_patience"),
    ],
)
def test_bad_config(digits, config, message):
    with pytest.raises(RetrainError, match=message):
        retrain(_model(), *digits, config)


def test_empty_dataset_is_refused(digits):
    with pytest.raises(RetrainError, match="empty"):
        retrain(_model(), Subset(DigitsDataset(), []), digits[1], RetrainConfig(base_acc=0.9))


def test_data_the_model_cannot_take_is_refused(digits):
    rgb = TensorDataset(torch.rand(40, 3, 16, 16), torch.randint(0, 10, (40,)))
    with pytest.raises(RetrainError, match="input size and channels"):
        retrain(_model(), rgb, rgb, RetrainConfig(base_acc=0.9))
