"""A team's training script written as the README shows, then ``python -m resque_core runs`` lists its run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from resque_core.cli import main

pytestmark = pytest.mark.xdist_group("live")  # the refinement is fitted once per process: one worker does it

SCRIPT = """
import torch
from torch import nn
from resque_core import Evidence, IndexRequest, choose_records, compute_index, make_forecast, track
from resque_core.data.digits import DigitsDataset

report = compute_index(IndexRequest(shift="gaussian_noise:3"))
forecast = make_forecast(Evidence.of(report), choose_records("default"))
data = DigitsDataset()
x = torch.stack([data[i][0] for i in range(len(data))]).flatten(1).float()
y = torch.tensor([int(data[i][1]) for i in range(len(data))])
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

def evaluate():
    with torch.inference_mode():
        return float((model(x[1400:]).argmax(1) == y[1400:]).float().mean())

with track("digits-mlp-script", target_acc=0.9, max_epochs=30, prior=forecast, country_iso="DEU", db=DB) as run:
    run.evaluated(0, evaluate())
    for epoch in range(30):
        for batch in torch.randperm(1400).split(32):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
        run.evaluated(epoch + 1, evaluate())
        left = run.remaining()
        if left.reached:
            break
"""


def test_a_tracked_training_script_is_listed_with_its_evaluations_and_what_is_left(tmp_path, capsys):
    db = tmp_path / "records.sqlite"
    script = f"DB = {str(db)!r}\n" + textwrap.dedent(SCRIPT)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert main(["runs", "--db", str(db), "--json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert run["name"] == "digits-mlp-script" and run["status"] == "finished" and run["target_acc"] == 0.9
    assert run["evaluations"][0]["epoch"] == 0 and len(run["evaluations"]) >= 2
    assert run["evaluations"][-1]["val_acc"] >= 0.9 and run["remaining"]["reached"] is True
    assert run["energy_source"].startswith("codecarbon") and run["evaluations"][-1]["energy_kwh"] > 0
    assert run["prior"]["index_kind"] == "dist" and run["record_id"] == run["run_id"]
    history = run["history"]  # the refined forecast of the epoch at the target after each evaluation
    assert [h["epoch"] for h in history] == [e["epoch"] for e in run["evaluations"]]
    assert all(h["low"] <= h["point"] <= h["high"] for h in history) and history[-1]["p_never"] == 0.0
    assert main(["runs", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "digits-mlp-script [finished]" in text and "target reached after" in text


def test_a_run_still_running_is_listed_with_a_refined_remaining_forecast(tmp_path, capsys):
    from resque_core import track
    from resque_core.live import Prior

    db = tmp_path / "records.sqlite"
    prior = Prior(epochs=6.0, low=2.0, high=20.0, index=0.05, index_kind="dist")
    with track("halfway", target_acc=0.95, max_epochs=20, prior=prior, db=db, meter=None) as run:
        for epoch, acc in [(0, 0.6), (0.5, 0.7), (1, 0.76)]:
            run.evaluated(epoch, acc)
        assert main(["runs", "--db", str(db), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["runs"]
    left = listed["remaining"]
    assert listed["state"] == "running" and left["reached"] is False
    assert left["method"] == "refined: the curve so far and the prior"
    assert 0 < left["epochs"]["low"] <= left["epochs"]["point"] <= left["epochs"]["high"] <= 19
    assert left["at_target"]["point"] == pytest.approx(1 + left["epochs"]["point"])


def test_no_runs_and_bad_flags_say_so(tmp_path, capsys):
    db = tmp_path / "records.sqlite"
    assert main(["runs", "--db", str(db)]) == 0
    assert "no tracked runs" in capsys.readouterr().out
    assert main(["runs", "--db", str(db), "--run", "nope"]) == 2
    assert "no run 'nope'" in capsys.readouterr().err
    assert main(["runs", "--db", str(db), "--last", "0"]) == 2
    assert main(["runs", "--db", str(db), "--watch", "0"]) == 2
    foreign = tmp_path / "foreign.sqlite"
    foreign.write_bytes(b"not a database at all" * 100)
    assert main(["runs", "--db", str(foreign)]) == 2
    assert "damaged or not an SQLite file" in capsys.readouterr().err
