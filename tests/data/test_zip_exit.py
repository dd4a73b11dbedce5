"""The CLI extracts a zip into a private folder of the temp folder and removes it when it exits, on Ctrl-C too."""

from __future__ import annotations

import io
import os
import pathlib
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
POLLS = 1200  # 0.1 s apart: the extraction shows up long before this on a loaded 2-core machine


def _digits_zip(path: pathlib.Path, per_class: int = 40) -> pathlib.Path:
    rng = np.random.default_rng(4)
    with zipfile.ZipFile(path, "w") as zf:
        for label in range(10):
            for i in range(per_class):
                png = io.BytesIO()
                Image.fromarray(rng.integers(0, 255, (8, 8), dtype=np.uint8)).save(png, format="PNG")
                zf.writestr(f"digits/{label}/{i}.png", png.getvalue())
    return path


def _index(zip_path: pathlib.Path, temp: pathlib.Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(temp), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "resque_core", "index", "--original", str(zip_path), "--shift", "gaussian_noise:3"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_cli_removes_its_extraction_when_it_ends_and_when_interrupted(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    zip_path = _digits_zip(tmp_path / "digits.zip")
    done = _index(zip_path, temp)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0 and "RESQUE_dist" in out, err
    assert list(temp.iterdir()) == []

    interrupted, seen = _index(zip_path, temp), False
    for _ in range(POLLS):
        seen = bool(list(temp.glob("resque-zip-*")))
        if seen or interrupted.poll() is not None:
            break
        time.sleep(0.1)
    assert seen, "the CLI extracts into its temp folder (TMPDIR)"
    interrupted.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = interrupted.communicate(timeout=120)
    assert interrupted.returncode in (0, 130), err
    assert list(temp.iterdir()) == []
