"""Calibration sweeps on the embedded digits and default models, at a tiny budget."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from resque_core.calibration.campaigns import records_frame, summarize
from resque_core.calibration.case_run import run_case
from resque_core.calibration.cases import DistCases, TaskCases, class_label, stratified_split
from resque_core.calibration.config import SelfCalibration, SweepConfig
from resque_core.calibration.metadata import RecordMetadata
from resque_core.calibration.rows import cost_at
from resque_core.calibration.sweep import Job, run_sweep
from resque_core.cli import main
from resque_core.data import DigitsDataset
from resque_core.errors import RetrainError
from resque_core.forecast.records import RECORD_COLUMNS, RecordStore, load_records_csv
from resque_core.model.checkpoint import load_checkpoint
from resque_core.retraining.results import EpochRecord, RetrainResult
from resque_core.retraining.rule import StoppingRule
from resque_core.retraining.targets import noise_band

TINY = ["--max-epochs", "2", "--scratch-epochs", "2", "--seeds", "1"]
REACHABLE = "min(base-2pt, 0.97*max(scratch, finetune))"
CASE = "case(min(base-2pt, 0.97*max(scratch, finetune0-2se)))"


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_tiny_demo_writes_valid_records_and_provenance(tmp_path, capsys):
    out = tmp_path / "cal.csv"
    argv = ["calibrate", "--demo", "--types", "gaussian_noise", "--levels", "5", "--no-tasks", *TINY]
    assert main([*argv, "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["runs"] == 2 and summary["retrain_runs"] == 1 and summary["scratch_runs"] == 1
    assert list(pd.read_csv(out).columns) == list(RECORD_COLUMNS)
    frame = load_records_csv(out)
    assert sorted(frame.run_kind) == ["retrain", "scratch"]
    assert (frame.index_kind == "dist").all() and (frame["shift"] == "gaussian_noise:5").all()
    assert (frame.shift_level == 5).all() and (frame.seed == 0).all() and (frame.max_epochs == 2).all()
    assert frame.index_value.between(0.01, 1).all() and frame.noise_floor.between(0, 0.05).all()
    assert (frame.index_value > frame.noise_floor).all()
    assert frame.target_rule.iloc[0] == REACHABLE
    assert np.allclose(frame.acc_gap, frame.target_acc - frame.start_acc)
    assert (frame.energy_source.str.startswith("codecarbon")).all() and (frame.country_iso == "DEU").all()
    scratch, retrained = frame[frame.run_kind == "scratch"].iloc[0], frame[frame.run_kind == "retrain"].iloc[0]
    assert scratch.kwh > 0 and scratch.co2_kg > 0 and scratch.seconds > 0 and scratch.kwh_per_epoch > 0
    assert retrained.kwh >= 0 and (retrained.epochs == 0) == (retrained.kwh == 0)
    assert (retrained.epochs == 0) == pd.isna(retrained.grad_norm)
    assert scratch.intensity_g_per_kwh == pytest.approx(380.95, rel=1e-3)
    assert frame.versions.iloc[0].startswith("torch ") and "codecarbon" in frame.versions.iloc[0]
    assert frame.model.iloc[0] == "SmallCNN digits 0-9" and frame.hardware.iloc[0].startswith("cpu: ")
    # the model family: the 0-9 SmallCNN, its 28,106 parameters, 16x16 grey input, 75% of the 899 new-part images
    assert (frame.arch == "SmallCNN").all() and (frame.n_params == 28106).all()
    assert (frame.input_size == "16x16x1").all() and (frame.n_train == 675).all()
    prov = json.loads(out.with_suffix(".json").read_text())
    assert prov["command"].startswith(("python -m resque_core calibrate --demo", "called from Python"))
    assert prov["wall_s"] > 0 and prov["machine"]["cpus"] >= 1 and "ESTIMATES" in prov["energy"]
    assert prov["versions"] == frame.versions.iloc[0] and prov["stopped_by_budget"] is False
    assert prov["target_rule"] == [REACHABLE] and prov["sweep"]["target_rule"] == "reachable"


def test_the_demo_is_capped_at_28_minutes_unless_told_otherwise():
    from resque_core.cli import build_parser
    from resque_core.commands.calibrate_args import sweep_config_from

    parse = build_parser().parse_args
    assert sweep_config_from(parse(["calibrate", "--demo"])).max_minutes == 28.0
    assert sweep_config_from(parse(["calibrate", "--demo", "--max-minutes", "5"])).max_minutes == 5.0
    demo = sweep_config_from(parse(["calibrate", "--demo"]))
    assert len(demo.shifts) == 40 and len(demo.task_splits) == 6 and demo.seeds == (0, 1, 2)
    own = sweep_config_from(parse(["calibrate", "--checkpoint", "m.pt", "--original", "digits"]))
    assert own.max_minutes is None and own.seeds == (0, 1) and len(own.shifts) == 10
    assert own == SelfCalibration().sweep_config()  # the CLI's defaults are the settings object's (the page's too)


def test_target_rule_options_reach_the_sweep_and_bad_ones_are_refused(capsys):
    from resque_core.cli import build_parser
    from resque_core.commands.calibrate_args import sweep_config_from

    parse = build_parser().parse_args
    default = sweep_config_from(parse(["calibrate", "--demo"]))
    assert (default.target_rule, default.plateau_delta, default.plateau_patience) == ("reachable", None, 8)
    plateau = sweep_config_from(parse(["calibrate", "--demo", "--target-rule", "plateau", "--plateau-delta", "0.03"]))
    assert plateau.target_rule == "plateau" and plateau.plateau_delta == 0.03
    assert sweep_config_from(parse(["calibrate", "--demo", "--target-rule", "base-minus"])).target_rule == "base-minus"
    assert sweep_config_from(parse(["calibrate", "--demo", "--target-rule", "case"])).target_rule == "case"
    assert main(["calibrate", "--demo", "--target-rule", "plateau", "--plateau-delta", "wide"]) == 2
    assert "--plateau-delta" in capsys.readouterr().err
    assert main(["calibrate", "--demo", "--plateau-patience", "1"]) == 2


@pytest.mark.parametrize(
    ("rule", "label"),
    [("plateau", "plateau(2sex8)"), ("base-minus", "base-2pt"), ("reachable", REACHABLE), ("case", CASE)],
)
def test_each_target_rule_labels_its_records(rule, label):
    cfg = SweepConfig(max_epochs=3, scratch_epochs=3, target_rule=rule)
    cases = DistCases(load_checkpoint("default"), DigitsDataset(), cfg)
    model, case = cases.case("gaussian_noise:5", seed=0)
    rows = _rows(run_case(model, case, 0, cfg, RecordMetadata("m", "digits", "t", None), lambda: False))
    assert [r["run_kind"] for r in rows] == ["scratch", "retrain"]
    assert all(r["target_rule"] == label for r in rows)
    retrained = rows[1]
    if rule == "base-minus":
        assert retrained["target_acc"] == pytest.approx(case.facts.base_acc - 0.02)
    if retrained["censored"]:
        assert retrained["epochs"] == pytest.approx(3.0)
    else:
        assert 0 <= retrained["epochs"] < 3 and retrained["acc_gap"] == pytest.approx(
            retrained["target_acc"] - case.facts.start_acc
        )


def test_the_case_rule_gives_every_seed_of_a_case_one_target_set_by_its_first_seed():
    """The target is a property of the case: seed 0 sets it (scratch and its fine-tuned best), seed 1 aims at it."""
    cfg = SweepConfig(max_epochs=3, scratch_epochs=3, target_rule="case")
    cases = DistCases(load_checkpoint("default"), DigitsDataset(), cfg)
    labels = RecordMetadata("m", "digits", "t", None)
    rows = []
    for seed in (0, 1):
        model, case = cases.case("gaussian_noise:5", seed=seed)
        rows += _rows(run_case(model, case, seed, cfg, labels, lambda: False))
    assert [(r["run_kind"], r["seed"]) for r in rows] == [("scratch", 0), ("retrain", 0), ("retrain", 1)]
    assert {r["target_rule"] for r in rows} == {CASE}
    assert len({round(r["target_acc"], 12) for r in rows}) == 1  # one target for the whole case
    first = cases.scratch["gaussian_noise:5#finetune0"]
    margin = noise_band(first, len(case.val))  # two standard errors of the validation slice
    assert 0.01 < margin < 0.1
    reference = max(cases.scratch["gaussian_noise:5"], first - margin)
    assert rows[0]["target_acc"] == pytest.approx(min(case.facts.base_acc - 0.02, 0.97 * reference))
    second = rows[2]
    assert second["censored"] or second["epochs"] < 3  # stopped at the case's target, not trained to the cap


def test_a_failed_scratch_reference_takes_the_target_from_the_fine_tuned_best(monkeypatch):
    """contrast:5's bug: from scratch reaches 0.18, so 0.97 x 0.18 would make any shift look free."""
    import resque_core.calibration.case_run as case_run

    runs = []
    real = case_run.retrain
    monkeypatch.setattr(case_run, "retrain", lambda *a, **kw: runs.append(real(*a, **kw)) or runs[-1])
    cfg = SweepConfig(max_epochs=2, scratch_epochs=2, target_rule="reachable")
    model, case = DistCases(load_checkpoint("default"), DigitsDataset(), cfg).case("gaussian_noise:5", seed=0)
    case.scratch_cache[case.facts.shift] = 0.18  # the from-scratch reference failed
    rows = _rows(run_case(model, case, 0, cfg, RecordMetadata("m", "digits", "t", None), lambda: False))
    (finetune,) = runs  # no from-scratch run (cached), one fine-tuning run: no extra run for the reference
    assert [r["run_kind"] for r in rows] == ["retrain"] and rows[0]["target_rule"] == REACHABLE
    assert finetune.best_val_acc > 0.5  # fine-tuning does much better than the failed scratch run
    target = min(case.facts.base_acc - 0.02, 0.97 * max(0.18, finetune.best_val_acc))
    assert target == pytest.approx(0.97 * finetune.best_val_acc) and rows[0]["target_acc"] == pytest.approx(target)
    assert rows[0]["target_acc"] > 0.97 * 0.18 + 0.3 and not rows[0]["censored"]
    # trained to the cap (its best did not settle the target at base - 2pt); epochs read from its evaluations
    assert finetune.epochs == pytest.approx(2.0) and finetune.best_val_acc < (case.facts.base_acc - 0.02) / 0.97
    assert rows[0]["epochs"] == pytest.approx(finetune.epochs_to(target)) and rows[0]["epochs"] <= 2.0
    assert rows[0]["seconds"] == pytest.approx(cost_at(finetune, rows[0]["epochs"])["seconds"])
    assert rows[0]["seconds"] <= finetune.seconds  # costed up to the target, not to the cap


def test_a_fine_tuning_that_settles_the_target_stops_early(monkeypatch):
    import resque_core.calibration.case_run as case_run

    runs = []
    real = case_run.retrain
    monkeypatch.setattr(case_run, "retrain", lambda *a, **kw: runs.append(real(*a, **kw)) or runs[-1])
    cfg = SweepConfig(max_epochs=3, scratch_epochs=3, target_rule="reachable")
    model, case = DistCases(load_checkpoint("default"), DigitsDataset(), cfg).case("gaussian_noise:1", seed=0)
    case.scratch_cache[case.facts.shift] = 0.99  # the scratch reference alone settles the target at base - 2pt
    rows = _rows(run_case(model, case, 0, cfg, RecordMetadata("m", "digits", "t", None), lambda: False))
    assert rows[0]["target_acc"] == pytest.approx(case.facts.base_acc - 0.02) and rows[0]["target_rule"] == REACHABLE
    assert runs[0].epochs < 3 and runs[0].reached  # stopped once the target could not change any more
    assert rows[0]["epochs"] == pytest.approx(runs[0].epochs_to(case.facts.base_acc - 0.02))


def test_task_case_uses_a_new_head_and_the_task_index():
    cfg = SweepConfig(max_epochs=2, scratch_epochs=2, target_rule="reachable")
    cases = TaskCases(load_checkpoint("default-0-4"), DigitsDataset(), cfg)
    model, case = cases.case(((0, 1, 2, 3, 4), (8, 9)), seed=0)
    facts = case.facts
    assert facts.shift == "task:0-4->8,9" and case.head == "new" and facts.start_acc == 0.5
    assert 0.5 < facts.index_value <= 2 and 0 <= facts.noise_floor < 0.3 and facts.n_train == len(case.train)
    assert facts.base_acc == pytest.approx(0.9921, abs=1e-3)
    rows = _rows(run_case(model, case, 0, cfg, RecordMetadata("m", "digits", "t", None), lambda: False))
    assert [r["run_kind"] for r in rows] == ["scratch", "retrain"]
    assert all(r["index_kind"] == "task" and r["shift_level"] is None and r["kwh"] is None for r in rows)
    assert case.scratch_acc is not None and rows[0]["target_acc"] == rows[1]["target_acc"]


def test_budget_stops_cleanly_and_an_empty_sweep_is_refused():
    def never():
        raise AssertionError("no case may start once the budget is spent")

    cfg = SweepConfig(max_minutes=1e-9)
    result = run_sweep([Job(never, 0, RecordMetadata("m", "d", "p", None), "x")], cfg)
    assert result.stopped_by_budget and result.runs_done == 0 and result.rows == ()
    assert "budget" in result.notes[0]
    with pytest.raises(RetrainError, match="no records"):
        records_frame(result)


def _rows(records) -> list[dict]:
    """Records as the rows a store takes (the stopping rule as its label)."""
    return [record.to_row() for record in records]


def _result(history: list[EpochRecord], energy: float | None) -> RetrainResult:
    return RetrainResult(
        epochs=2.0, reached=False, censored=True, cancelled=False, target_rule=StoppingRule("fixed", fixed_acc=1.0),
        target_acc=1.0, start_acc=0.1, best_val_acc=0.9, final_val_acc=0.9, max_epochs=2, steps=20, steps_per_epoch=10,
        grad_norm=2.0, param_change=0.2, seconds=sum(h.seconds for h in history), energy_kwh=energy, co2_kg=energy,
        energy_source="manual", history=tuple(history), evals=(), from_scratch=True, head="keep",
    )  # fmt: skip


def test_cost_at_prorates_a_run_that_trained_past_its_target():
    hist = [EpochRecord(1, 1.0, 1, 0.5, 1, 0.5, 1.0, 0.1, 10.0), EpochRecord(2, 1.0, 1, 0.5, 1, 0.5, 3.0, 0.2, 10.0)]
    cost = cost_at(_result(hist, 4.0), 1.5)
    assert cost["seconds"] == pytest.approx(15.0) and cost["kwh"] == pytest.approx(3.0)
    assert cost["grad_norm"] == pytest.approx((1.0 * 1 + 3.0 * 0.5) / 1.5) and cost["param_change"] == 0.2
    assert cost_at(_result(hist, None), 0.0) == {
        "seconds": 0.0, "kwh": None, "co2_kg": None, "grad_norm": None, "param_change": 0.0,
    }  # fmt: skip


def test_helpers():
    assert class_label((0, 1, 2, 3, 4)) == "0-4" and class_label((8, 9)) == "8,9" and class_label((0, 2)) == "0,2"
    targets = np.repeat(np.arange(3), 10)
    rest, part = stratified_split(targets, 0.2, seed=0)
    assert len(part) == 6 and sorted(np.bincount(targets[part])) == [2, 2, 2]
    assert set(rest) | set(part) == set(range(30)) and not set(rest) & set(part)


def test_summarize_compares_scratch_with_retraining():
    rows = [
        {"run_kind": "retrain", "shift": "a:1", "shift_type": "a", "index_value": 0.1, "epochs": 1.0, "kwh": 1.0},
        {"run_kind": "retrain", "shift": "a:1", "shift_type": "a", "index_value": 0.2, "epochs": 3.0, "kwh": 3.0},
        {"run_kind": "scratch", "shift": "a:1", "shift_type": "a", "index_value": 0.1, "epochs": 5.0, "kwh": 5.0},
    ]
    frame = pd.DataFrame([{**r, "censored": 0} for r in rows])
    s = summarize(frame)
    assert s["per_type"]["a"] == {"runs": 2, "censored": 0, "index": [0.1, 0.2], "epochs": [1.0, 3.0]}
    assert s["scratch_costlier"] == "1 of 1 shifts" and s["scratch_not_costlier"] == []


def test_self_calibration_on_a_checkpoint_stores_records(tmp_path, capsys):
    db, out = tmp_path / "r.sqlite", tmp_path / "self.csv"
    argv = ["calibrate", "--checkpoint", "resque_core/assets/default_digits_0-9.pt", "--original", "digits"]
    shifts = "gaussian_blur:4,gaussian_noise:2,contrast:3"
    opts = ["--shifts", shifts, "--data-fraction", "0.5", "--no-energy", "--db", str(db), "--out", str(out)]
    opts += ["--epoch-images", "1000"]  # the user's real retraining: 1,000 images an epoch
    assert main([*argv, *opts, "--max-cases", "1", *TINY]) == 1  # a count budget: one case of three, too few
    captured = capsys.readouterr()
    assert "error: the self-calibration kept 1 usable retraining records and the forecaster needs 8: run it " in (
        captured.err
    )
    assert "with a larger --max-minutes or --max-cases, or more --shifts or --seeds" in captured.err
    printed, events = captured.out, captured.err.splitlines()
    assert "2 records" in printed and "count budget of 1 cases reached after 1 of 3 cases" in printed
    assert printed.rstrip().endswith(
        "the count budget stopped the sweep after 2 runs: 1 retraining record, the forecaster needs 8 (2 records saved)"
    )
    assert events[0].startswith("sweep sweep-")
    assert events[0].endswith("(the command that continues it follows its plan)")
    assert events[1].startswith("[0.0 min] loading the model") and any("2 runs (1 retraining" in e for e in events)
    assert sum(" runs, " in e and "from scratch, epoch" in e for e in events) == 2  # each epoch, as it ends
    assert events[-2].startswith("[2/2 runs, ") and events[-1].startswith("error: the self-calibration kept")
    stored = RecordStore(db).all()
    assert len(stored) == 2 and set(stored.run_kind) == {"retrain", "scratch"}
    assert stored.model.iloc[0].endswith("default_digits_0-9.pt") and stored.run_id.str.startswith("self-").all()
    assert stored.kwh.isna().all() and (stored["shift"] == "gaussian_blur:4").all()
    assert (stored.arch == "SmallCNN").all() and (stored.n_params == 28106).all()
    assert (stored.input_size == "16x16x1").all() and (stored.n_train == 1000).all()  # costs priced per 1,000 images
    scaled = next(line for line in printed.splitlines() if "images per epoch: their seconds and kWh are scaled" in line)
    assert "runs trained on 0.5 of the data" in scaled and "to 1,000 images per epoch, your real retraining's" in scaled
    assert any(
        "runs trained on 0.5 of the original data" in n
        for n in json.loads(out.with_suffix(".json").read_text())["notes"]
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--demo", "--checkpoint", "x.pt"], "either --demo"),
        ([], "either --demo"),
        (["--checkpoint", "x.pt"], "both --checkpoint"),
        (["--demo", "--levels", "one"], "--levels"),
        (["--demo", "--types", "fog"], "unknown shift type"),
        (["--demo", "--levels", "0-2"], "level"),
        (["--demo", "--seeds", "0"], "--seeds"),
        (["--demo", "--max-minutes", "0"], "--max-minutes"),
        (["--demo", "--max-cases", "0"], "--max-cases"),
        (["--demo", "--threads", "0"], "--threads"),
        (["--demo", "--data-fraction", "1.5"], "--data-fraction"),
        (
            ["--demo", "--types", "jpeg", "--levels", "1", "--country", "Germany", "--out", "IGNORED"],
            "ISO country code",
        ),
        (["--checkpoint", "x.pt", "--original", "digits", "--shifts", "blur"], "TYPE:LEVEL"),
        (["--checkpoint", "missing.pt", "--original", "digits", "--db", "IGNORED"], "does not exist"),
    ],
)
def test_bad_arguments_fail_with_one_line(argv, message, capsys, tmp_path):
    argv = [a if a != "IGNORED" else str(tmp_path / "db") for a in argv]
    assert main(["calibrate", *argv]) == 2
    err = capsys.readouterr().err  # progress lines may come first (the loading); the error is one line, the last
    assert message in err and err.count("error: ") == 1 and err.splitlines()[-1].startswith("error: ")
