"""A grid provider's failure is said once: one line on stderr, no log line or urllib3 warning before it.

The real ``python -m resque_core schedule`` runs against a real local HTTP server (or a closed port),
since the log lines and the library warnings this guards against appear only in a fresh process.
"""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys

import pytest
from fake_grid_server import SECRET_KEY, Answer

ROOT = pathlib.Path(__file__).resolve().parents[2]
JOB = ("--duration", "3h", "--energy-kwh", "1", "--timeout", "10")


def schedule(*argv: str, env_url: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ELECTRICITYMAPS_API_KEY": SECRET_KEY}
    env.pop("ELECTRICITYMAPS_API_URL", None)
    env.update({"ELECTRICITYMAPS_API_URL": env_url} if env_url else {})
    cmd = [sys.executable, "-m", "resque_core", "schedule", *argv]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (Answer(401, {"status": "error", "message": "bad key"}), "the API key was refused"),
        (Answer(200, raw=b"garbage<<<"), "the answer is not valid JSON"),
    ],
    ids=["401", "garbage"],
)
def test_a_failing_service_is_one_line(grid, answer, said):
    grid.set("/", answer)
    proc = schedule("--provider", "electricitymaps", "--zone", "DE", "--api-url", grid.url, *JOB)
    line = one_line(proc.stderr)
    assert proc.returncode == 2 and proc.stdout == ""
    assert line.startswith("error: Electricity Maps forecast: ") and said in line and SECRET_KEY not in line


@pytest.mark.parametrize(("provider", "zone"), [("electricitymaps", "DE"), ("uk", "GB")])
def test_a_closed_port_is_one_line(provider, zone):
    proc = schedule("--provider", provider, "--zone", zone, "--api-url", closed_port_url(), *JOB)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "cannot reach" in one_line(proc.stderr)


def test_a_url_without_a_scheme_is_refused_before_urllib3_warns():
    proc = schedule("--provider", "electricitymaps", "--zone", "DE", "--api-url", "127.0.0.1:9", *JOB)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "argument --api-url: must be an http:// or https:// URL with a host" in one_line(proc.stderr)


def test_a_base_url_without_a_scheme_in_the_environment_is_one_line_naming_it():
    proc = schedule("--provider", "electricitymaps", "--zone", "DE", *JOB, env_url="127.0.0.1:9")
    assert proc.returncode == 2 and proc.stdout == ""
    line = one_line(proc.stderr)
    assert line == "error: ELECTRICITYMAPS_API_URL '127.0.0.1:9' must be an http:// or https:// URL with a host."


def test_a_fallback_is_said_in_the_plan_not_logged_too(grid):
    grid.set("/", Answer(401, {"status": "error", "message": "bad key"}))
    proc = schedule("--provider", "electricitymaps,offline", "--zone", "DE", "--api-url", grid.url, *JOB)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.count("Fell back from electricitymaps (bad-key)") == 1
