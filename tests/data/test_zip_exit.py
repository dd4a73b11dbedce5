"""The CLI extracts a zip into a private folder of the temp folder and removes it on exit, Ctrl-C and SIGTERM."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

from tests.zip_fixtures import digits_zip_bytes

ROOT = pathlib.Path(__file__).resolve().parents[2]
POLLS = 1200  # 0.1 s apart: the extraction shows up long before this on a loaded 2-core machine


def _digits_zip(path: pathlib.Path, per_class: int = 40) -> pathlib.Path:
    path.write_bytes(digits_zip_bytes(per_class, size_px=8, seed=4))
    return path


def _index(zip_path: pathlib.Path, temp: pathlib.Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(temp), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "resque_core", "index", "--original", str(zip_path), "--shift", "gaussian_noise:3"]
    cmd.append("--accept-low-accuracy")  # random pixels: the model is at chance on them, by design
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop_once_extracted(zip_path: pathlib.Path, temp: pathlib.Path, signum: int) -> tuple[int, str]:
    """Start an index, send ``signum`` once its extraction folder exists; its exit code and stderr."""
    running, seen = _index(zip_path, temp), False
    for _ in range(POLLS):
        seen = bool(list(temp.glob("resque-zip-*")))
        if seen or running.poll() is not None:
            break
        time.sleep(0.1)
    assert seen, "the CLI extracts into its temp folder (TMPDIR)"
    running.send_signal(signum)
    _, err = running.communicate(timeout=120)
    return running.returncode, err


def test_the_cli_removes_its_extraction_when_it_ends_and_when_interrupted(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    zip_path = _digits_zip(tmp_path / "digits.zip")
    done = _index(zip_path, temp)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0 and "RESQUE_dist" in out, err
    assert list(temp.iterdir()) == []

    code, err = _stop_once_extracted(zip_path, temp, signal.SIGINT)  # Ctrl-C
    assert code in (0, 130), err
    assert list(temp.iterdir()) == []


def test_the_cli_removes_its_extraction_when_terminated(tmp_path):
    """SIGTERM (a service manager's stop, ``kill``) cleans up as Ctrl-C does: exit 143 or done, nothing left."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    code, err = _stop_once_extracted(_digits_zip(tmp_path / "digits.zip"), temp, signal.SIGTERM)
    assert code in (0, 143), err
    assert "Traceback" not in err
    assert list(temp.iterdir()) == []
