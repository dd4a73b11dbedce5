"""The tracker around a loop: evaluations committed at once, what is left, the finished run as a record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from resque_core import track
from resque_core.energy.meters import ManualPowerMeter
from resque_core.errors import ResqueError
from resque_core.forecast.records import RecordStore
from resque_core.forecast.result import Interval
from resque_core.live import Prior, RunStore

pytestmark = pytest.mark.xdist_group("live")  # the refinement is fitted once per process: one worker does it

PRIOR = Prior(epochs=3.0, low=1.0, high=9.0, source="test", index=0.04, index_kind="dist")
CURVE = [(0.0, 0.70), (0.5, 0.80), (1.0, 0.86), (1.5, 0.89), (2.0, 0.91)]


def test_a_loop_is_tracked_and_becomes_a_calibration_record(tmp_path):
    db = tmp_path / "records.sqlite"
    with track("loop", target_acc=0.90, max_epochs=10, prior=PRIOR, db=db, meter=None, price_per_kwh=0.3) as run:
        lefts = []
        for epoch, acc in CURVE:
            run.energy(0.01 * epoch)
            run.evaluated(epoch, acc)
            lefts.append(run.remaining())
            if lefts[-1].reached:
                break
    first, last = lefts[1], lefts[-1]
    assert not first.reached and first.epochs.low <= first.epochs.point <= first.epochs.high
    assert first.epochs.high <= 10 - 0.5 + 1e-9  # never past the cap
    assert 0 <= first.p_never <= 1
    assert first.kwh.point == pytest.approx(first.epochs.point * 0.01 / 0.5 * 0.5, rel=1e-6)  # 0.01 kWh per epoch
    assert first.co2_kg.point == pytest.approx(first.kwh.point * 0.38095, rel=1e-6)
    assert first.money.point == pytest.approx(first.kwh.point * 0.3) and first.currency == "EUR"
    assert first.prior_at_target == Interval(3.0, 1.0, 9.0)
    assert last.reached and last.epochs.point == 0 and len(lefts) == 5
    (stored,) = RunStore(db).runs()
    assert stored.status == "finished" and stored.energy_source == "the team's meter" and len(stored.points) == 5
    records = RecordStore(db).all()
    assert records["run_id"].tolist() == [run.run_id] and stored.record_id == run.run_id
    row = records.iloc[0]
    assert row["epochs"] == pytest.approx(1.5 + 0.5 * (0.90 - 0.89) / (0.91 - 0.89))  # interpolated to the target
    assert row["censored"] == 0 and row["index_value"] == 0.04 and row["start_acc"] == 0.70
    assert len(RecordStore(db).curves([run.run_id])) == 5


def test_without_a_prior_the_curve_alone_answers_and_no_record_is_kept(tmp_path):
    db = tmp_path / "records.sqlite"
    with track("no-prior", target_acc=0.99, max_epochs=5, db=db, meter=None) as run:
        before = run.remaining()
        run.evaluated(0, 0.5)
        run.evaluated(1, 0.55)
        after = run.remaining()
    assert before.method.startswith("prior alone") and "library" in before.method
    assert after.method == "refined: the curve so far (no prior given)" and after.prior_at_target is None
    assert after.kwh is None and after.seconds.point > 0
    (stored,) = RunStore(db).runs()
    assert stored.record_id is None and "no index" in stored.note and RecordStore(db).all().empty


def test_a_meter_that_reads_mid_run_gives_the_energy_so_far(tmp_path):
    with track("metered", 0.9, 5, db=tmp_path / "r.sqlite", meter=ManualPowerMeter(1000.0), keep_record=False) as run:
        run.evaluated(0.5, 0.5)
        run.evaluated(1.0, 0.6)
    points = RunStore(tmp_path / "r.sqlite").runs()[0].points
    assert 0 < points[0].energy_kwh < points[1].energy_kwh


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda run: run.evaluated(1, 95), r"in \[0, 1\]"),
        (lambda run: run.evaluated(float("nan"), 0.5), "finite"),
        (lambda run: run.evaluated(11, 0.5), "within max_epochs"),
        (lambda run: (run.evaluated(2, 0.5), run.evaluated(1, 0.6)), "after the last evaluation"),
        (lambda run: run.evaluated("one", 0.5), "must be a number"),
        (lambda run: (run.energy(1.0), run.energy(0.5)), "cumulative"),
    ],
)
def test_bad_input_is_refused_in_one_sentence_and_the_run_is_marked_failed(tmp_path, call, message):
    db = tmp_path / "r.sqlite"
    with pytest.raises(ResqueError, match=message), track("bad", 0.9, 10, db=db, meter=None) as run:
        call(run)
    assert RunStore(db).runs()[0].status == "failed"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give the target"),
        ({"target_acc": 90}, r"in \(0, 1\]"),
        ({"target_acc": 0.9, "max_epochs": 0}, "max_epochs must be positive"),
        ({"base_acc": 0.01}, r"in \(0, 1\]"),
    ],
)
def test_a_bad_target_is_refused_before_anything_is_written(tmp_path, kwargs, message):
    with pytest.raises(ResqueError, match=message):
        track("bad", db=tmp_path / "r.sqlite", meter=None, **kwargs)
    assert not (tmp_path / "r.sqlite").exists()


def test_a_drop_target_is_read_from_the_clean_accuracy(tmp_path):
    run = track("drop", base_acc=0.95, db=tmp_path / "r.sqlite", meter=None)
    assert run.target_acc == pytest.approx(0.93)


def test_an_interrupted_loop_is_stopped_not_finished(tmp_path):
    db = tmp_path / "r.sqlite"
    with pytest.raises(KeyboardInterrupt), track("ctrl-c", 0.9, 10, prior=PRIOR, db=db, meter=None) as run:
        run.evaluated(0.5, 0.6)
        raise KeyboardInterrupt
    (stored,) = RunStore(db).runs()
    assert stored.status == "stopped" and stored.record_id is None and RecordStore(db).all().empty


def test_a_run_killed_outright_keeps_every_evaluation_it_committed(tmp_path):
    db = tmp_path / "r.sqlite"
    script = textwrap.dedent(
        f"""
        import os, signal
        from resque_core import track
        with track("killed", target_acc=0.99, max_epochs=10, db={str(db)!r}, meter=None) as run:
            for epoch in range(1, 4):
                run.evaluated(epoch, 0.5 + epoch / 100)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd(), timeout=120)
    assert done.returncode == -signal.SIGKILL
    (stored,) = RunStore(db).runs()
    assert [p.epoch for p in stored.points] == [1.0, 2.0, 3.0] and stored.status == "running"


def test_a_database_that_fails_mid_run_costs_the_training_nothing(tmp_path, caplog):
    db = tmp_path / "r.sqlite"
    with track("flaky-db", 0.99, 10, prior=PRIOR, db=db, meter=None) as run:
        run.evaluated(0, 0.5)
        saved = db.read_bytes()
        db.write_bytes(b"garbage" * 1000)  # damaged under the run (a disk error, another program)
        run.evaluated(1, 0.6)
        left = run.remaining()  # answered from the run's own evaluations
        db.write_bytes(saved)  # repaired: the next evaluation writes both
        run.evaluated(2, 0.7)
    assert left.seen == 1.0 and not left.reached
    assert "not yet saved" in caplog.text
    (stored,) = RunStore(db).runs()
    assert [p.epoch for p in stored.points] == [0.0, 1.0, 2.0] and stored.status == "finished"
