"""Is a Ray cluster at this address? (``check_ray_address``): one sentence within a bounded time, whatever answers.

Ray itself, pointed at a port where something else listens (a web server, a database), may block for
minutes inside its C++ client, deaf to Python's signal handling. So an address is checked first, in
three steps that share one deadline (``RESQUE_RAY_CONNECT_S`` seconds, 30 by default):

1. a TCP connection: a closed port or an unknown host is refused in seconds;
2. Ray speaks gRPC (HTTP/2): the port must answer HTTP/2's connection preface with a SETTINGS frame, so a
   web server or any other protocol is refused as soon as it answers;
3. a child process joins the cluster with ``ray.init`` and leaves: killed at the deadline (and when this
   process dies), so nothing here ever waits on Ray's own retries.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from resque_core.errors import ResqueError

__all__ = ["check_ray_address", "connect_limit_s"]

DEFAULT_CONNECT_S = 30.0  # how long checking an address may take in all, unless RESQUE_RAY_CONNECT_S says
HTTP2_HELLO = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # preface, SETTINGS
SETTINGS = 4  # an HTTP/2 frame's type byte (the 4th of its 9-byte header)
JOIN = """
import ctypes, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: end with the process that asked
except (OSError, AttributeError):
    pass
import ray
try:
    ray.init(address=sys.argv[1])
except Exception as exc:
    print(next((l.strip() for l in str(exc).splitlines() if l.strip()), type(exc).__name__)[:200])
    sys.exit(3)
ray.shutdown()
"""


def connect_limit_s() -> float:
    """Seconds an address check may take: ``$RESQUE_RAY_CONNECT_S`` (a positive number), else 30."""
    text = os.environ.get("RESQUE_RAY_CONNECT_S", "")
    try:
        value = float(text) if text else DEFAULT_CONNECT_S
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise ResqueError(f"RESQUE_RAY_CONNECT_S must be a number of seconds in (0, 86400); got {text!r}")
    return value


def check_ray_address(address: str, limit_s: float | None = None) -> None:
    """Refuse, in one sentence and within ``limit_s`` (default ``connect_limit_s()``), an address no Ray answers at.

    ``address`` is "HOST:PORT" (a cluster's GCS) or "ray://HOST:PORT" (a Ray Client server).
    """
    limit_s = connect_limit_s() if limit_s is None else limit_s
    deadline = time.monotonic() + limit_s
    host, port = _host_port(address)
    try:
        with socket.create_connection((host, port), timeout=min(5.0, limit_s)) as sock:
            _speaks_grpc(sock, address, deadline, limit_s)
    except OSError as exc:
        raise ResqueError(
            f"nothing answers at the Ray address {address} ({exc.strerror or exc}): start a cluster there with "
            "`ray start --head`, or pass --address auto on one of its nodes"
        ) from exc
    _joins(address, deadline, limit_s)


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ResqueError(f"the Ray address {address!r} is not auto, HOST:PORT or ray://HOST:PORT; check --address")
    return host.strip("[]"), int(port)


def _speaks_grpc(sock: socket.socket, address: str, deadline: float, limit_s: float) -> None:
    """The port answers HTTP/2's preface with a SETTINGS frame, as Ray's gRPC servers do."""
    sock.sendall(HTTP2_HELLO)
    header = b""
    while len(header) < 9:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            got = sock.recv(9 - len(header))
        except TimeoutError:
            raise _too_slow(address, limit_s) from None
        if not got:
            break
        header += got
    if len(header) < 9 or header[3] != SETTINGS:
        raise ResqueError(
            f"something answers at {address} but it is not Ray (it does not speak gRPC): check the port in "
            "--address (a cluster's is 6379 by default, Ray Client's ray://HOST:10001)"
        )


def _joins(address: str, deadline: float, limit_s: float) -> None:
    """A child process joins the cluster and leaves; killed at the deadline."""
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    child = subprocess.Popen(
        [sys.executable, "-c", JOIN, address], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        said, _ = child.communicate(timeout=max(0.01, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise _too_slow(address, limit_s) from None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if child.returncode != 0:
        reason = said.strip().splitlines()[-1] if said.strip() else f"exit {child.returncode}"
        raise ResqueError(f"could not join the Ray cluster at {address} ({reason}): check --address")


def _too_slow(address: str, limit_s: float) -> ResqueError:
    return ResqueError(
        f"the Ray address {address} did not answer as a Ray cluster within {limit_s:g} s: check --address "
        "(or allow a slow cluster more time with RESQUE_RAY_CONNECT_S)"
    )
