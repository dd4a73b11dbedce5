"""Joining Ray for the index's passes and the calibration's sweeps: a cluster at an address, or a local Ray.

``connect`` first checks an address (``ray_probe``: one sentence within a bounded time, whatever answers
there; Ray itself would retry for minutes);
``fitting_workers`` says how many workers of a given size a cluster's resources fit.
Ray is imported only when ``connect`` is called.
"""

from __future__ import annotations

import os

from resque_core.errors import ResqueError
from resque_core.index.ray_probe import check_ray_address

__all__ = ["connect", "fitting_workers"]

# Ray starts its workers at niceness 15: behind any other load on this machine they get a few percent of a
# core (a two-case sweep that takes 13 s took over 120 s beside two busy processes). A local Ray's workers
# do this command's work, so they run at the driver's priority.
UNNICED = {"worker_niceness": 0}


def fitting_workers(have: dict, cpus: float, gpus: float) -> int:
    """How many workers of ``cpus`` CPUs and ``gpus`` GPUs each a cluster with resources ``have`` fits."""
    fits = int(have.get("CPU", 1) // cpus)
    return min(fits, int(have.get("GPU", 0) // gpus)) if gpus else fits


def connect(address: str | None):
    """Ray, joined to ``address`` ("auto", "HOST:PORT", "ray://HOST:PORT") or a new local Ray (None).

    Returns ``(ray, owned)``: ``owned`` when this call started it (the caller shuts it down). A Ray this
    process already started is used as it is.
    """
    try:
        import ray
    except ImportError as exc:
        raise ResqueError("the Ray executor needs the ray package: pip install -r requirements.txt") from exc
    if address and address != "auto":
        check_ray_address(address)  # one sentence within a bounded time, whatever answers there
    if ray.is_initialized():
        return ray, False
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}}
    quiet = {"log_to_driver": False, "logging_level": "WARNING", "runtime_env": env}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            # "local": never a stale `ray start` cluster; its workers at the driver's priority (UNNICED)
            ray.init(address="local", include_dashboard=False, _system_config=UNNICED, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise ResqueError(
            f"could not start or join {where} ({str(exc).splitlines()[0]}): start one with `ray start --head` "
            "and pass --address auto, or check the address"
        ) from exc
    return ray, True
