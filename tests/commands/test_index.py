"""The ``index`` and ``layers`` commands: JSON output, summaries, and one-line errors."""

from __future__ import annotations

import json
import os
import pathlib
import pickle
import subprocess
import sys

import pytest
import torch

from resque_core.cli import main
from resque_core.index.compute import compute_index
from resque_core.index.request import IndexRequest
from resque_core.model.source import ModelSource
from tests.commands.in_process import run_main

ROOT = pathlib.Path(__file__).resolve().parents[2]
torch.set_num_threads(1)
JSON_KEYS = {"kind", "resque", "per_class", "noise_floor", "n_original", "n_new", "layer", "device", "seconds",
             "images_per_s"}  # fmt: skip


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "resque_core", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_index_json_matches_the_api(capsys):
    code, out, err = run_main(capsys, "index", "--checkpoint", "default", "--shift", "gaussian_blur:2", "--seed", "1",
                              "--json")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= JSON_KEYS
    expected = compute_index(IndexRequest(shift="gaussian_blur:2", seed=1, device="cpu", max_points=0))
    assert data["resque"] == pytest.approx(expected.value, abs=1e-6)
    assert data["noise_floor"] == pytest.approx(expected.noise_floor, abs=1e-6)
    assert data["per_class"] == pytest.approx(expected.per_class, abs=1e-6)
    assert (data["kind"], data["n_original"], data["n_new"], data["layer"]) == ("dist", 1258, 898, "classifier:input")


def test_bad_input_is_one_line_without_traceback(tmp_path):
    """A real ``python -m resque_core``: exit status 2, one line on stderr, and the pickle never ran."""
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps(_Evil(str(marker))))
    out = _cli("index", "--checkpoint", str(evil))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "refused" in out.stderr and "--trust-checkpoint" in out.stderr
    assert not marker.exists()


class _Evil:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["index", "--checkpoint", "/nonexistent.pt"], "does not exist"),
        (["index", "--layer", "nope"], "layer 'nope' does not exist; valid layers: features"),
        (["index", "--shift", "fog:9"], "unknown shift type 'fog'"),
        (["index", "--original", "/nonexistent/data"], "no such file or folder"),
        (["index", "--kind", "task"], "already knows every class"),
        (["index", "--batch-size", "0"], "argument --batch-size: must be a whole number from 1 to"),
        (["index", "--device", "tpu"], "unknown device"),
        (["index", "--input-spec", "{bad json"], "--input-spec: the inline JSON is not valid JSON"),
        (["index", "--input-spec", "missing-spec.json"], "--input-spec: no file 'missing-spec.json'"),
        (["layers", "--checkpoint", "/nonexistent.pt"], "does not exist"),
    ],
)
def test_bad_input_exits_2_with_the_reason(args, message, capsys):
    try:
        code = main(args)
    except SystemExit as refused:  # a number refused by its argparse type
        code = refused.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_text_file_and_state_dict_mismatch(tmp_path, capsys):
    text = tmp_path / "notes.pt"
    text.write_text("just some notes\n")
    assert main(["layers", "--checkpoint", str(text)]) == 2
    assert "looks like a text file" in capsys.readouterr().err
    sd = tmp_path / "sd.pt"
    torch.save({"fc.weight": torch.zeros(3, 4)}, sd)
    assert main(["layers", "--checkpoint", str(sd), "--arch", "resnet18"]) == 2
    assert "missing: conv1.weight" in capsys.readouterr().err


def test_summary_and_layers_table(capsys):
    assert main(["index", "--checkpoint", "default-0-4", "--kind", "task", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("RESQUE_task = ") and "(centroids)" in out and "noise floor" in out
    assert "original 901 images, new 896 images" in out
    assert main(["layers"]) == 0
    table = capsys.readouterr().out
    assert "* classifier:input" in table and "features.0" in table and "16x16x16" in table
    assert main(["layers", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["classifier:input"] == {"name": "classifier:input", "type": "input of Linear", "output_shape": [64],
                                        "default": True}  # fmt: skip


def test_the_task_variant_has_one_spelling_and_the_old_one_is_a_deprecated_alias(capsys):
    from resque_core.commands import index as command
    from resque_core.index.request import TASK_VARIANTS

    assert command.TASK_VARIANTS == TASK_VARIANTS and "k-means++" in TASK_VARIANTS and "kmeans++" not in TASK_VARIANTS
    args = ["index", "--checkpoint", "default-0-4", "--kind", "task", "--device", "cpu", "--json", "--variant"]
    assert main([*args, "kmeans++"]) == 0
    old = capsys.readouterr()
    assert "--variant kmeans++ is deprecated" in old.err and "use --variant k-means++" in old.err
    assert main([*args, "k-means++"]) == 0
    new = capsys.readouterr()
    assert "deprecated" not in new.err
    assert json.loads(old.out)["resque"] == json.loads(new.out)["resque"]
    model = ModelSource(checkpoint="default-0-4")
    api = compute_index(IndexRequest(model=model, kind="task", task_variant="k-means++", device="cpu"))
    assert json.loads(new.out)["resque"] == pytest.approx(api.value, abs=1e-9)
