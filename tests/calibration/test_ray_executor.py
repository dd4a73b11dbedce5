"""Calibration sweeps on Ray: the same records as the local executor, a dead worker retried or reported
failed, a killed driver resumed with nothing lost and nothing done twice.

A real local Ray (``ray.init(num_cpus=2)``, or a ``ray start --head --block`` subprocess on 127.0.0.1
that the test stops), the embedded digits, real SIGKILLs and a real SQLite file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from types import SimpleNamespace

import pandas as pd
import psutil
import pytest

from resque_core.calibration.campaigns import demo_sweep
from resque_core.calibration.config import SweepConfig
from resque_core.calibration.executors import make_executor
from resque_core.calibration.ray_executor import RayExecutor
from resque_core.calibration.resume import resumed
from resque_core.calibration.sweep import interleave, record_shift
from resque_core.cli import main
from resque_core.errors import RetrainError
from resque_core.forecast.records import RecordStore
from resque_core.index.ray_probe import check_ray_address

# ray is imported by the tests that run, not at collection
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed"),
    pytest.mark.xdist_group("ray"),  # one local Ray at a time: with make test's -n, on one worker
]

ROOT = pathlib.Path(__file__).resolve().parents[2]
TINY = {"max_epochs": 2, "scratch_epochs": 2, "data_fraction": 1.0}
SAME = ("index_value", "noise_floor", "target_acc", "start_acc", "epochs", "censored", "grad_norm", "param_change")


def _by_run(records) -> dict:
    return {(r.run_kind, r.shift, r.seed): r.to_row() for r in records}


@pytest.mark.slow
def test_local_and_ray_give_the_same_records_run_by_run(local_ray):
    cfg = SweepConfig(
        shifts=("gaussian_noise:3", "gaussian_blur:4"), task_splits=(((0, 1, 2, 3, 4), (8, 9)),), seeds=(0, 1), **TINY
    )
    local = demo_sweep(cfg, None)
    events = []
    on_ray = demo_sweep(cfg, None, events.append, executor=RayExecutor(workers=5))  # the 2 CPUs fit 2
    assert len(local.rows) == 9 and on_ray.notes == local.notes == ()
    mine, theirs = _by_run(local.rows), _by_run(on_ray.rows)
    assert sorted(mine) == sorted(theirs)  # a from-scratch run per shift (first seed), a retraining run per case
    for run, row in mine.items():
        for column in SAME:
            assert theirs[run][column] == pytest.approx(row[column], rel=1e-9, abs=1e-12, nan_ok=True), (run, column)
    started = [e.message for e in events if e.kind == "case"]
    assert len(started) == 6 and all(
        re.search(r"started on \S+ pid \d+ \[cases: \d+ done, \d+ running", m) for m in started
    )
    assert len({re.search(r"pid (\d+)", m).group(1) for m in started}) == 2  # a pool of two workers
    last = [e for e in events if e.kind == "run"][-1]
    assert last.runs_done == 9 and last.message.endswith("[cases: 6 done, 0 running, 0 failed, 0 left]")
    # a later seed of a shift waits for its first (which makes the shift's from-scratch reference)
    order = [m.split(" started")[0] for m in started]
    assert order.index("gaussian_noise:3 seed 1") > order.index("gaussian_noise:3 seed 0")


@pytest.mark.slow
def test_a_killed_worker_is_retried_and_one_that_keeps_dying_is_reported_failed(local_ray):
    cfg = SweepConfig(shifts=("gaussian_noise:3", "gaussian_blur:4"), task_splits=(), seeds=(0,), **TINY)
    kills: list[str] = []

    def kill_worker(event) -> None:  # SIGKILL the worker a run just started on: noise once, blur every time
        match = re.match(r"(\S+) seed 0 started on \S+ pid (\d+)", event.message)
        if match and (match.group(1) == "gaussian_blur:4" or "gaussian_noise:3" not in kills):
            kills.append(match.group(1))
            os.kill(int(match.group(2)), signal.SIGKILL)

    result = demo_sweep(cfg, None, kill_worker, executor=RayExecutor(workers=2, retries=1))
    assert kills.count("gaussian_noise:3") == 1 and kills.count("gaussian_blur:4") == 2
    assert sorted((r.run_kind, r.shift) for r in result.rows) == [
        ("retrain", "gaussian_noise:3"),
        ("scratch", "gaussian_noise:3"),
    ]  # the retried run finished, the other was given up
    assert len(result.notes) == 1 and not result.interrupted and not result.stopped_by_budget
    assert re.fullmatch(r"gaussian_blur:4 seed 0 failed: its worker died 2 times \(.+\)", result.notes[0])


class _WorkerKiller(threading.Thread):
    """kill -9 the sweep worker running a case once ``db`` holds ``after`` records, then every worker that
    starts in its place (found by Ray's process titles, "ray::SweepWorker.run" / ".__init__") until ``stop``."""

    def __init__(self, db: pathlib.Path, after: int) -> None:
        super().__init__(daemon=True)
        self.db, self.after, self.stop = db, after, threading.Event()
        self.killed: list[str] = []  # the title each killed worker had

    def run(self) -> None:
        seen: set[int] = set()
        while not self.stop.is_set():
            for pid, title in _own_workers():
                if pid in seen:
                    continue
                seen.add(pid)
                if self.killed or (title.startswith("ray::SweepWorker.run") and _stored(self.db) >= self.after):
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(title.split()[0])
                else:
                    seen.discard(pid)  # not yet: look at it again
            self.stop.wait(0.01)  # a polling interval: the condition is the process titles


def _own_workers() -> list[tuple[int, str]]:
    """(pid, title) of the sweep workers of this process's own local Ray (its descendants): never another
    test's cluster that runs beside it."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            title = " ".join(proc.cmdline())
        except psutil.Error:  # it ended meanwhile
            continue
        if title.startswith("ray::SweepWorker"):
            found.append((proc.pid, title))
    return found


@pytest.mark.slow
def test_workers_killed_mid_case_and_while_starting_fail_the_rest_with_a_reason_and_keep_what_finished(
    tmp_path, capsys, local_ray
):
    out, db = tmp_path / "records.csv", tmp_path / "records.sqlite"
    argv = ["calibrate", "--demo", "--no-tasks", "--types", "gaussian_noise", "--levels", "1,3,5", "--seeds", "1"]
    argv += ["--max-epochs", "2", "--scratch-epochs", "2", "--no-energy", "--executor", "ray", "--workers", "1"]
    killer = _WorkerKiller(db, after=2)  # the first case (a retraining and a from-scratch run) committed
    killer.start()
    try:
        code = main([*argv, "--out", str(out), "--db", str(db), "--json"])
    finally:
        killer.stop.set()
        killer.join(timeout=60)
    shown = capsys.readouterr()
    assert code == 0 and "Traceback" not in shown.err, shown.err
    # mid-case, then each replacement while it starts: 3 tries at a time (2 retries), twice, then given up
    assert killer.killed == ["ray::SweepWorker.run"] + ["ray::SweepWorker.__init__"] * 6
    frame = pd.read_csv(out)
    assert sorted(zip(frame["run_kind"], frame["shift"], strict=True)) == [
        ("retrain", "gaussian_noise:1"),
        ("scratch", "gaussian_noise:1"),
    ]  # what finished is in --out and the database
    assert len(RecordStore(db).all()) == 2
    notes = json.loads(shown.out.strip().splitlines()[-1])["notes"]
    assert len(notes) == 2 and all(
        re.fullmatch(rf"gaussian_noise:{level} seed 0 failed: no Ray worker could start \(a worker died while "
                     r"starting \(.+\)\)", note)
        for level, note in zip((3, 5), notes, strict=True)
    ), notes  # fmt: skip


def test_a_resumed_sweep_keeps_its_stored_cases_and_recovers_each_shift_reference_once():
    class Builder:  # stands in for DistCases / TaskCases: only its identity matters here
        def case(self, item, seed):
            raise AssertionError("resuming plans; it builds no case")

    split = ((0, 1, 2, 3, 4), (8, 9))
    jobs = interleave((0, 1, 2), [(Builder(), ("gaussian_noise:3", "contrast:2"), None), (Builder(), (split,), None)])
    stored = [
        {"run_kind": "scratch", "shift": "gaussian_noise:3", "seed": 0.0},
        {"run_kind": "retrain", "shift": "gaussian_noise:3", "seed": 0.0},
        {"run_kind": "retrain", "shift": "gaussian_noise:3", "seed": 2.0},
        {"run_kind": "scratch", "shift": "task:0-4->8,9", "seed": 0.0},
        {"run_kind": "retrain", "shift": "task:0-4->8,9", "seed": 0.0},
    ]
    plan = [(record_shift(j.shift), j.seed, kept, j.prime_seed) for j, kept in resumed(jobs, stored)]
    assert plan == [
        ("gaussian_noise:3", 0, True, None),
        ("contrast:2", 0, False, None),  # never started: it makes its own reference
        ("task:0-4->8,9", 0, True, None),
        ("gaussian_noise:3", 1, False, 0),  # the first left of its shift recovers the seed-0 reference
        ("contrast:2", 1, False, None),
        ("task:0-4->8,9", 1, False, 0),
        ("gaussian_noise:3", 2, True, None),
        ("contrast:2", 2, False, None),
        ("task:0-4->8,9", 2, False, None),  # by then the reference is known
    ]


def test_bad_executor_settings_are_one_sentence(tmp_path, capsys):
    with pytest.raises(RetrainError, match="unknown executor 'slurm'"):
        make_executor("slurm")
    with pytest.raises(RetrainError, match=r"--cpus-per-run must be a number in \(0, 1024\]; got 0"):
        RayExecutor(cpus_per_run=0)
    base = ["calibrate", "--demo", "--no-tasks", "--types", "gaussian_noise", "--levels", "1", "--no-energy"]
    assert main([*base, "--resume", "sweep-abc"]) == 2
    assert capsys.readouterr().err.strip() == "error: --resume needs --db PATH: the records database the sweep wrote to"
    db = tmp_path / "r.sqlite"
    assert main([*base, "--resume", "sweep-abc", "--db", str(db)]) == 2
    assert f"{db} holds no runs of sweep sweep-abc: check the id" in capsys.readouterr().err
    assert main([*base, "--workers", "2"]) == 2
    assert capsys.readouterr().err.strip() == "error: --address and --workers go with --executor ray"
    # nothing answers at the address: one sentence in seconds (Ray alone retries for minutes), before any run
    assert main([*base, "--executor", "ray", "--address", f"127.0.0.1:{_free_port()}"]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # after the sweep's id line: one error line, no traceback
    assert last.startswith("error: nothing answers at the Ray address 127.0.0.1:") and "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head():
    """A one-node cluster, ``ray start --head --block`` on 127.0.0.1 (stopped by terminating that process):
    its ``address`` and its Ray Client server's (``client``, ray://), once both accept connections. One for
    the module's tests (a start and a stop cost some 8 s): each joins it as a new driver, whose actors end
    with it."""
    port, client = _free_port(), _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_AUTH_MODE": "disabled"}  # a test cluster: no token
    # the client server gives a new client's own server 30 s to answer by default: on a busy 2-core machine its
    # start (a Python process importing Ray) took longer, and the join failed "Initialization failure from server"
    env["RAY_CLIENT_SERVER_CHECK_CHANNEL_TIMEOUT_S"] = "90"
    cmd = [pathlib.Path(sys.executable).parent / "ray", "start", "--head", "--block", "--node-ip-address=127.0.0.1"]
    cmd += [f"--port={port}", f"--ray-client-server-port={client}", "--num-cpus=2", "--include-dashboard=false"]
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short (socket paths); keeps /tmp/ray's address file as it is
    cmd += ["--disable-usage-stats", f"--temp-dir={temp}"]
    head = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(1200):  # a count of 0.1-s looks: the head starts its client server last
        if _accepts(client) or head.poll() is not None:
            break
        time.sleep(0.1)
    yield SimpleNamespace(address=f"127.0.0.1:{port}", client=f"ray://127.0.0.1:{client}")
    head.send_signal(signal.SIGTERM)
    head.communicate(timeout=120)
    shutil.rmtree(temp, ignore_errors=True)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
def test_a_cluster_address_passes_the_address_check(ray_head, monkeypatch):
    """A cluster's GCS address joins as installed."""
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    check_ray_address(ray_head.address, limit_s=100)


@pytest.mark.slow
@pytest.mark.skipif(
    "PYTEST_XDIST_WORKER" in os.environ,
    reason="run it alone (pytest tests/calibration/test_ray_executor.py, about 20-45 s): beside another xdist "
    "worker on 2 cores, the Ray client server's per-client server took over 100 s to start in 3 of 5 full runs "
    "on 2026-12-07",
)
def test_a_ray_client_server_passes_the_address_check(ray_head, monkeypatch):
    """ray:// joins as installed: it needs ray[client] (else "Ray Client requires pip package")."""
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    check_ray_address(ray_head.client, limit_s=100)


SWEEP = [
    sys.executable, "-m", "resque_core", "calibrate", "--checkpoint", "resque_core/assets/default_digits_0-9.pt",
    "--original", "digits", "--shifts", "gaussian_noise:3,gaussian_blur:4,contrast:3", "--plan", "fixed",
    "--seeds", "2", "--max-epochs", "2", "--scratch-epochs", "2", "--data-fraction", "0.5",
    "--executor", "ray", "--workers", "2", "--json",
]  # fmt: skip
PLANNED = 3 * 2 + 3  # a retraining run per case, a from-scratch run per shift


def _stored(db: pathlib.Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM records").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_a_killed_driver_resumes_with_nothing_lost_and_nothing_twice(tmp_path, ray_head):
    db = tmp_path / "records.sqlite"
    argv = [*SWEEP, "--address", ray_head.address, "--db", str(db)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "RAY_AUTH_MODE": "disabled"}
    driver = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sweep_id = re.match(r"sweep (sweep-[0-9a-f]{12}) ", driver.stderr.readline()).group(1)
    deadline = time.monotonic() + 600
    while _stored(db) < 3 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # a polling interval: the condition is the committed cases
    driver.kill()  # mid-sweep: some cases committed, others running on the cluster
    driver.communicate(timeout=60)
    before = RecordStore(db).all()
    assert 3 <= len(before) < PLANNED and (before["sweep_id"] == sweep_id).all()

    again = subprocess.run([*argv, "--resume", sweep_id], cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 1, again.stderr  # finished: 6 retraining records, too few for the forecaster
    assert re.match(
        rf"sweep {sweep_id} \(continue it with: python -m resque_core calibrate .* --resume {sweep_id}\), "
        rf"resuming: {len(before)} runs",
        again.stderr,
    )
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    after = RecordStore(db).all()
    assert len(after) == PLANNED and summary["runs"] == PLANNED - len(before) and summary["sweep_id"] == sweep_id
    assert after.groupby(["run_kind", "shift", "seed"]).size().max() == 1  # nothing done twice
    assert set(before["run_id"]) <= set(after["run_id"]) and (after["sweep_id"] == sweep_id).all()
    assert sorted(after[after.run_kind == "scratch"]["seed"]) == [0, 0, 0]  # one reference per shift, at seed 0
    (node,) = summary["nodes"].values()  # one node made every new run, each metering itself
    new = after[~after["run_id"].isin(before["run_id"])]
    # the records' seconds and kWh are priced for the user's whole data (calibration.cost_scale), the node's as run
    assert node["runs"] == PLANNED - len(before) and node["kwh"] > 0 and new["kwh"].sum() > 0
    assert node["busy_s"] > 0 and new["seconds"].sum() > 0


def test_runs_given_a_gpu_train_on_cuda_and_others_on_the_cpu():
    """--gpus-per-run > 0 makes every run's RetrainConfig ask for CUDA; the local executor keeps the CPU."""
    from resque_core.calibration.case_run import _config
    from resque_core.calibration.config import SweepConfig

    class Case:
        facts, scratch_acc, head = SimpleNamespace(base_acc=0.9), None, "keep"

    assert _config(Case(), 0, SweepConfig()).device == "cpu"
    assert _config(Case(), 0, SweepConfig(device="cuda")).device == "cuda"
