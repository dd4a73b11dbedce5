"""What ``bench/live_refinement.py --publish`` measured: the interval corrections the refinement applies, and the
benchmark's figures, for the shipped records they were measured on (``assets/live_refinement.json``)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from resque_core.assets import asset_path
from resque_core.atomic_write import write_text
from resque_core.forecast.published import shipped_records_sha256
from resque_core.jsonable import strict_json

__all__ = ["LIVE_FILE", "publish_widen", "published_live", "published_tuning"]

LIVE_FILE = "live_refinement.json"


def published_live() -> dict[str, Any] | None:
    """The published figures, or None when missing, unreadable or made on other records than those shipped."""
    try:
        data = json.loads(asset_path(LIVE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("records_sha256") != shipped_records_sha256():
        return None
    return data


def published_tuning(use_prior: bool) -> tuple[float, dict[int, float]]:
    """The blend weight and the interval corrections per stage (on log(1 + epochs)) the benchmark chose on the
    whole library, for the refinement with a prior or the curve alone; (0.5, no correction) when none is
    published (the raw quantiles, which the benchmark found too narrow for unseen shift types)."""
    data = published_live() or {}
    weight = data.get("weight", 0.5) if use_prior else 0.0
    widen = data.get("widen", {}).get("refined" if use_prior else "curve_only", {})
    try:
        return float(weight), {int(stage): float(value) for stage, value in widen.items()}
    except (TypeError, ValueError, AttributeError):
        return 0.5 if use_prior else 0.0, {}


def publish_widen(result: dict[str, Any]) -> pathlib.Path:
    """Write the benchmark's result (with its ``widen`` corrections) as the published file; returns its path."""
    path = asset_path(LIVE_FILE)
    write_text(path, strict_json(result, indent=1) + "\n")
    return path
