"""A Ray address is checked before any model loads, in one sentence within a bounded time, whatever answers.

Real servers on 127.0.0.1 stand at the ``--address`` port: a web server (``http.server``) and one that
accepts and never says a word. ``index`` and ``calibrate`` run as the user runs them, in a child
process, with a hook that says on stderr whenever a model is loaded.
"""

from __future__ import annotations

import http.server
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading

import pytest

from resque_core.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOOKED = """
import sys
from resque_core.model.source import ModelSource
load = ModelSource.load
def counted(*args, **kwargs):
    print("hook: a model was loaded", file=sys.stderr, flush=True)
    return load(*args, **kwargs)
ModelSource.load = counted
from resque_core.cli import main
sys.exit(main(sys.argv[1:]))
"""
INDEX = ["index", "--executor", "ray"]
CALIBRATE = [
    "calibrate", "--checkpoint", "resque_core/assets/default_digits_0-9.pt", "--original", "digits",
    "--shifts", "gaussian_noise:3", "--plan", "fixed", "--seeds", "1", "--max-epochs", "1", "--executor", "ray",
]  # fmt: skip


def _cli(argv: list[str], tmp_path: pathlib.Path, **env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RESQUE_DB": str(tmp_path / "r.sqlite"), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", HOOKED, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def web_server():
    """An HTTP server on 127.0.0.1: its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


class SilentServer(threading.Thread):
    """Accepts connections on 127.0.0.1 and never answers; ``accepted`` is set at the first one."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port, self.accepted, self.held = self.sock.getsockname()[1], threading.Event(), []

    def run(self) -> None:
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return
            self.accepted.set()


@pytest.fixture
def silent_server():
    server = SilentServer()
    server.start()
    yield server
    server.sock.close()
    for conn in server.held:
        conn.close()


@pytest.mark.parametrize("command", [INDEX, CALIBRATE], ids=["index", "calibrate"])
@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_a_web_server_at_the_address_is_one_sentence_before_any_model_loads(command, scheme, web_server, tmp_path):
    address = f"{scheme}127.0.0.1:{web_server}"
    done = _cli([*command, "--address", address], tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"error: something answers at {address} but it is not Ray (it does not speak gRPC): check the port in "
        "--address (a cluster's is 6379 by default, Ray Client's ray://HOST:10001)"
    ]  # one line: no model loaded (the hook says nothing), no traceback, no "Ray Client requires pip package"


def test_a_port_that_accepts_and_says_nothing_is_refused_at_the_configured_bound(silent_server, tmp_path):
    address = f"127.0.0.1:{silent_server.port}"
    done = _cli([*CALIBRATE, "--address", address], tmp_path, RESQUE_RAY_CONNECT_S="2")
    assert done.returncode == 2 and silent_server.accepted.is_set()
    assert done.stderr.strip().splitlines() == [
        f"error: the Ray address {address} did not answer as a Ray cluster within 2 s: check --address "
        "(or allow a slow cluster more time with RESQUE_RAY_CONNECT_S)"
    ]
    done = _cli([*INDEX, "--address", address], tmp_path, RESQUE_RAY_CONNECT_S="soon")
    assert done.stderr.strip().splitlines() == [
        "error: RESQUE_RAY_CONNECT_S must be a number of seconds in (0, 86400); got 'soon'"
    ]


def test_sigterm_while_the_address_is_checked_ends_the_command(silent_server, tmp_path):
    env = {**os.environ, "RESQUE_RAY_CONNECT_S": "100", "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", HOOKED, *INDEX, "--address", f"127.0.0.1:{silent_server.port}"]
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert silent_server.accepted.wait(timeout=120)  # it is checking the address
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) in (-signal.SIGTERM, 128 + signal.SIGTERM)  # killed, or ended as the CLI does
    finally:
        child.kill()
        child.communicate(timeout=60)


def test_a_closed_port_and_a_garbage_address_stay_one_sentence(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main([*INDEX, "--address", f"ray://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: nothing answers at the Ray address ray://127.0.0.1:{port} (")
    assert main([*INDEX, "--address", "ray://head:99999"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: the Ray address 'ray://head:99999' is not auto, HOST:PORT or ray://HOST:PORT; check --address"
    )


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_per_run_share_that_is_not_a_finite_number_is_refused_before_ray_starts(value, capsys):
    import ray

    base = ["calibrate", "--demo", "--no-tasks", "--types", "gaussian_noise", "--levels", "1", "--no-energy"]
    assert main([*base, "--executor", "ray", "--cpus-per-run", value]) == 2
    assert capsys.readouterr().err.strip() == f"error: --cpus-per-run must be a number in (0, 1024]; got {value}"
    assert main([*base, "--executor", "ray", "--gpus-per-run", value]) == 2
    assert capsys.readouterr().err.strip() == f"error: --gpus-per-run must be a number in [0, 1024]; got {value}"
    assert main([*INDEX, "--gpus-per-run", value]) == 2
    assert capsys.readouterr().err.strip() == f"error: --gpus-per-run must be a number in [0, 1024]; got {value}"
    assert not ray.is_initialized()
