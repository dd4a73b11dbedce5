"""Hardware profiles: board power of GPUs and CPUs you may not have, for *modeled* energy per epoch."""

from __future__ import annotations

import json
import math
from pathlib import Path

from resque_core.assets import asset_path
from resque_core.energy.probe import ProbeResult
from resque_core.errors import EnergyError
from resque_core.units import J_PER_KWH

PROFILES_PATH = asset_path("hardware_profiles.json")


def load_hardware_profiles(path: Path | str | None = None) -> dict[str, dict]:
    """Hardware profiles by name: ``{"name": {"label", "kind", "power_w", "source"}}``."""
    path = Path(path) if path is not None else PROFILES_PATH
    try:
        profiles = json.loads(path.read_text())["profiles"]
    except (OSError, ValueError, KeyError) as exc:
        raise EnergyError(f"cannot read hardware profiles from {path}: {exc}") from exc
    return {p["name"]: p for p in profiles}


def modeled_kwh_per_epoch(
    profile: str, seconds_per_epoch: float, utilization: float = 1.0, profiles: dict[str, dict] | None = None
) -> ProbeResult:
    """kWh per epoch on hardware you do not have: board power x utilization x seconds per epoch (modeled).

    Args:
        profile: a name from ``resque_core/assets/hardware_profiles.json`` (e.g. "nvidia-h100-sxm").
        seconds_per_epoch: how long one epoch takes *on that hardware*, in seconds.
        utilization: fraction of the board power drawn on average (1.0: the upper bound).
    """
    profiles = profiles if profiles is not None else load_hardware_profiles()
    if profile not in profiles:
        raise EnergyError(f"unknown hardware profile {profile!r}; known profiles: {', '.join(sorted(profiles))}")
    if not (math.isfinite(seconds_per_epoch) and seconds_per_epoch > 0):
        raise EnergyError(f"seconds per epoch must be positive, not {seconds_per_epoch!r}")
    if not 0 < utilization <= 1:
        raise EnergyError(f"utilization must be in (0, 1], not {utilization!r}")
    p = profiles[profile]
    watts = float(p["power_w"]) * utilization
    return ProbeResult(
        kwh_per_epoch=watts * seconds_per_epoch / J_PER_KWH,
        seconds_per_epoch=float(seconds_per_epoch),
        steps=0,
        source="modeled",
        estimated=True,
        note=f"modeled: {p['label']} at {p['power_w']} W board power x {utilization:g} ({p['source']})",
    )
