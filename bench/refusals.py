"""Benchmark: how fast, and with how much memory, the CLI refuses what it must refuse (issue "Hardening II").

Each case runs ``python -m resque_core ...`` as a fresh process, as a user would, and records its wall
seconds, its peak resident memory, its exit code and its stderr lines (each must be exit 2 and one line):

- ``index --address`` at a web server on 127.0.0.1 (Ray's port must answer like gRPC), at a port that
  accepts and says nothing (bounded by ``RESQUE_RAY_CONNECT_S``, 30 s by default: ``--silent-s`` sets it
  here), and at a closed port; ``calibrate --demo --address`` at the web server;
- ``report --scenarios`` on ``/dev/zero`` (read up to the 16 MiB bound, never further), on a file nested
  100,000 levels deep, and on non-UTF-8 bytes;
- ``schedule --energy-kwh 1e308`` and ``forecast --index -0.5`` (argparse's types: no import of torch).

    .venv/bin/python bench/refusals.py [--silent-s 30] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "resque_core"]


def _measured(argv: list[str], env: dict[str, str]) -> dict:
    """Wall seconds, peak RSS (MiB, ``wait4``: the largest of the process and the children it waited for,
    e.g. the Ray probe), exit code and stderr lines."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    err = child.stderr.read() if child.stderr else ""
    child.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in err.splitlines() if line.strip()]
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "exit": child.returncode,
        "stderr_lines": len(lines),
        "message": lines[-1][:160] if lines else "",
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # the probe's gRPC preface is logged as a bad request
        pass


@contextlib.contextmanager
def _web_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


@contextlib.contextmanager
def _silent_port():
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        for conn in held:
            conn.close()
        listener.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _files(folder: pathlib.Path) -> dict[str, pathlib.Path]:
    deep, latin = folder / "deep.json", folder / "latin1.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    latin.write_bytes('{"scenarios": [{"name": "caf\xe9"}]}'.encode("latin-1"))
    return {"deep": deep, "latin": latin}


def cases(silent_s: float) -> dict[str, dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RESQUE_RAY_CONNECT_S": str(silent_s), "RAY_AUTH_MODE": "disabled"}
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp, _web_server() as web, _silent_port() as silent:
        files, html = _files(pathlib.Path(tmp)), str(pathlib.Path(tmp) / "r.html")
        runs = {
            "index --address <web server>": ["index", "--executor", "ray", "--address", f"127.0.0.1:{web}"],
            "calibrate --demo --address <web server>": [
                "calibrate", "--demo", "--executor", "ray", "--address", f"127.0.0.1:{web}"
            ],
            "index --address <silent port>": ["index", "--executor", "ray", "--address", f"127.0.0.1:{silent}"],
            "index --address <closed port>": ["index", "--executor", "ray", "--address", f"127.0.0.1:{_closed_port()}"],
            "report --scenarios /dev/zero": ["report", "--scenarios", "/dev/zero", "--html", html],
            "report --scenarios <100,000 levels deep>": ["report", "--scenarios", str(files["deep"]), "--html", html],
            "report --scenarios <latin-1 bytes>": ["report", "--scenarios", str(files["latin"]), "--html", html],
            "schedule --energy-kwh 1e308": ["schedule", "--energy-kwh", "1e308"],
            "forecast --index -0.5": ["forecast", "--index", "-0.5"],
        }  # fmt: skip
        for name, argv in runs.items():
            results[name] = _measured([*CLI, *argv], env)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--silent-s", type=float, default=30.0, help="RESQUE_RAY_CONNECT_S for the run (default 30)")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args()
    results = cases(args.silent_s)
    for name, row in results.items():
        print(f"{name:44s} {row['wall_s']:7.2f} s {row['peak_rss_mib']:8.1f} MiB  exit {row['exit']}  "
              f"{row['stderr_lines']} line(s): {row['message']}")  # fmt: skip
    if args.json:
        load = os.getloadavg()
        print(json.dumps({"cases": results, "silent_s": args.silent_s, "load_avg": [round(x, 2) for x in load]}))


if __name__ == "__main__":
    main()
