"""The cost model's parameters per hardware profile, learned from measured training steps or defaulted.

A training step takes, for each kind of operator (``flops.OP_KINDS``: matrix products, dense and grouped
convolutions), its FLOPs per step / (peak x that kind's utilization), plus layers x seconds per layer-step
(``energy.cost_model``); FLOPs not split by kind run at the single ``utilization``. The layers counted are every
leaf module where the parameters were learned that way (``counts_leaves``), else the leaf modules with parameters.
The parameters are learned where training was measured on the hardware (``bench/cost_model.py
--write-calibration`` fits them and writes ``resque_core/assets/cost_model_calibration.json`` with its provenance)
and otherwise come from the documented default for the kind of hardware (``KIND_DEFAULTS``, ``OP_DEFAULTS``).

The fit is least squares of the measured step seconds on [ideal seconds of each kind (FLOPs / peak), layers],
each row weighted by 1 / its measured seconds (so a 5-ms step counts as much as a 500-ms one: the error fitted is
relative), with every 1 / utilization >= 1 and the per-layer time >= 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resque_core.assets import asset_path
from resque_core.atomic_write import write_text
from resque_core.errors import EnergyError

__all__ = [
    "OP_DEFAULTS",
    "CALIBRATION_PATH",
    "KIND_DEFAULTS",
    "CostParameters",
    "cost_parameters",
    "fit_cost_parameters",
    "fit_op_parameters",
    "load_cost_calibration",
    "write_cost_calibration",
]

CALIBRATION_PATH = asset_path("cost_model_calibration.json")
# Used where no training was measured on the profile: order-of-magnitude figures, labelled modeled.
KIND_DEFAULTS = {
    "gpu": {
        "utilization": 0.3,
        "seconds_per_layer_step": 30e-6,
        "source": "utilization 0.3: small CNNs in eager PyTorch reach well under half of a GPU's dense peak; "
        "30 us per layer per step: about 3 operators per layer and step (forward, backward for the input and "
        "for the weights), each a kernel launch of a few us plus about 10 us of eager PyTorch dispatch",
    },
    "cpu": {
        "utilization": 0.3,
        "seconds_per_layer_step": 30e-6,
        "source": "utilization 0.3 of the modeled vector peak; 30 us per layer per step: about 3 operators per "
        "layer and step at about 10 us of eager PyTorch dispatch each (no kernel launch on a CPU)",
    },
}
REQUIRED = ("utilization", "seconds_per_layer_step", "n_cases", "date", "command", "torch_version")
# Utilization by kind of operator where nothing was measured (modeled): grouped (depthwise) convolutions do little
# arithmetic per byte moved and reach a far smaller share of the peak (on this machine's CPU about 1/100).
OP_DEFAULTS = {"matmul": 0.3, "conv_dense": 0.3, "conv_grouped": 0.03}
OP_DEFAULTS_SOURCE = ("matrix products and dense convolutions at 0.3 of the peak, grouped (depthwise) convolutions "
                      "at 0.03: memory-bound, a tenth of the dense share")  # fmt: skip


@dataclass(frozen=True)
class CostParameters:
    """The cost model's parameters for one profile.

    Attributes:
        utilization: share of the peak FLOP/s the FLOPs part of a step reaches, in (0, 1].
        seconds_per_layer_step: fixed time per layer (``flops.layer_count``) and training step, s.
        basis: where they come from, in words ("learned from 10 measured training runs on this hardware
            (2026-12-07)" or "the documented default for a gpu (modeled)").
        learned: True where they were fitted on measured training on this profile.
        utilization_by_op: the utilization of each kind of operator (``flops.OP_KINDS``).
        counts_leaves: the per-layer time is per leaf module (every one), not per leaf module with parameters.
    """

    utilization: float
    seconds_per_layer_step: float
    basis: str
    learned: bool
    utilization_by_op: dict[str, float] | None = None
    counts_leaves: bool = False


def _number(where: str, name: str, value: Any, low: float, high: float, *, low_open: bool = True) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not (ok and (low < value if low_open else low <= value) and value <= high):
        bound = "(" if low_open else "["
        raise EnergyError(f"{where}: {name} must be a number in {bound}{low:g}, {high:g}], not {value!r}")
    return float(value)


def _checked_entry(where: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise EnergyError(f"{where} is not an object")
    missing = [k for k in REQUIRED if k not in entry]
    if missing:
        raise EnergyError(f"{where} lacks {', '.join(missing)}: rerun bench/cost_model.py --write-calibration")
    out = dict(entry)
    out["utilization"] = _number(where, "utilization", entry["utilization"], 0.0, 1.0)
    out["seconds_per_layer_step"] = _number(
        where, "seconds_per_layer_step", entry["seconds_per_layer_step"], 0.0, 1.0, low_open=False
    )
    if not (isinstance(entry["n_cases"], int) and entry["n_cases"] >= 2):
        raise EnergyError(f"{where}: n_cases must be a whole number of at least 2, not {entry['n_cases']!r}")
    by_op = entry.get("utilization_by_op")
    if by_op is not None:
        if not (isinstance(by_op, dict) and set(by_op) == set(OP_DEFAULTS)):
            raise EnergyError(f"{where}: utilization_by_op must give each of {', '.join(OP_DEFAULTS)}")
        out["utilization_by_op"] = {k: _number(where, f"utilization_by_op.{k}", v, 0.0, 1.0) for k, v in by_op.items()}
    if entry.get("per_layer_counts", "parameters") not in ("parameters", "leaf"):
        raise EnergyError(f"{where}: per_layer_counts must be 'parameters' or 'leaf'")
    return out


def load_cost_calibration(path: Path | str | None = None) -> dict[str, dict[str, Any]]:
    """The learned parameters by profile name, each checked (finite, in range); {} when no file was written.

    Raises:
        EnergyError: the file cannot be read, or an entry is missing a key or holds a figure out of range.
    """
    path = Path(path) if path is not None else CALIBRATION_PATH
    if not path.exists():
        return {}
    try:
        profiles = json.loads(path.read_text())["profiles"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EnergyError(f"cannot read the cost-model calibration {path}: {exc}") from exc
    if not isinstance(profiles, dict):
        raise EnergyError(f"the cost-model calibration {path}: 'profiles' is not an object")
    return {name: _checked_entry(f"the cost-model calibration {path}, profile {name!r}", e)
            for name, e in profiles.items()}  # fmt: skip


def cost_parameters(profile: str, kind: str, calibration: dict[str, dict] | None = None) -> CostParameters:
    """The learned parameters for ``profile`` if training was measured on it, else the default for ``kind``."""
    calibration = calibration if calibration is not None else load_cost_calibration()
    if profile in calibration:
        e = calibration[profile]
        threads = e.get("torch_threads")
        on = f", {threads} torch thread{'s' if threads != 1 else ''}" if isinstance(threads, int) else ""
        basis = f"learned from {e['n_cases']} measured training runs on this hardware ({e['date']}{on})"
        leaves = e.get("per_layer_counts") == "leaf"
        return CostParameters(e["utilization"], e["seconds_per_layer_step"], basis, True,
                              e.get("utilization_by_op"), leaves)  # fmt: skip
    if kind not in KIND_DEFAULTS:
        raise EnergyError(f"no default cost-model parameters for hardware of kind {kind!r}")
    d = KIND_DEFAULTS[kind]
    return CostParameters(d["utilization"], d["seconds_per_layer_step"], f"the documented default for a {kind} "
                          "(modeled)", False, dict(OP_DEFAULTS))  # fmt: skip


def fit_cost_parameters(rows: Sequence[tuple[float, float, float]]) -> tuple[float, float]:
    """Fit (utilization, seconds per layer-step) to rows of (FLOPs per step / peak FLOP/s, layers, measured s).

    Least squares of the relative error (each row divided by its measured seconds), with 1 / utilization >= 1
    and the per-layer time >= 0 (``scipy.optimize.lsq_linear``).

    Raises:
        EnergyError: fewer than two rows, or a figure that is not finite and positive.
    """

    inverse_utilizations, per_layer_s = _fit(rows, 1)
    return min(1.0, 1.0 / inverse_utilizations[0]), per_layer_s  # never above 1


def fit_op_parameters(rows: Sequence[Sequence[float]]) -> tuple[dict[str, float], float]:
    """Fit the utilization of each kind of operator and the seconds per layer-step to rows of (ideal seconds of
    each kind in ``OP_DEFAULTS``' order, i.e. its FLOPs per step / peak FLOP/s, layers, measured seconds), by the
    same relative least squares as ``fit_cost_parameters``. A kind no row has keeps the others' median share.

    Raises:
        EnergyError: fewer than two rows, or a figure that is not finite and positive.
    """
    import numpy as np

    inverse, per_layer_s = _fit(rows, len(OP_DEFAULTS))
    seen = np.asarray(rows, dtype=float)[:, : len(OP_DEFAULTS)].sum(axis=0) > 0
    shares = [min(1.0, 1.0 / v) for v in inverse]
    fallback = float(np.median([s for s, ok in zip(shares, seen, strict=True) if ok])) if seen.any() else 1.0
    return {k: (s if ok else fallback) for k, s, ok in zip(OP_DEFAULTS, shares, seen, strict=True)}, per_layer_s


def _fit(rows: Sequence[Sequence[float]], kinds: int) -> tuple[list[float], float]:
    """1 / utilization of each of ``kinds`` ideal-seconds columns (each >= 1) and the per-layer time (>= 0)."""
    import numpy as np
    from scipy.optimize import lsq_linear

    if len(rows) < 2:
        raise EnergyError(f"the cost model needs at least two measured steps to fit, not {len(rows)}")
    a = np.asarray(rows, dtype=float)
    if a.ndim != 2 or a.shape[1] != kinds + 2 or not np.all(np.isfinite(a)) or np.any(a[:, -1] <= 0) or np.any(a < 0):
        raise EnergyError("each measured step must be (ideal seconds >= 0, layers >= 0, measured seconds > 0)")
    design = a[:, :-1] / a[:, -1:]
    fit = lsq_linear(design, np.ones(len(a)), bounds=([1.0] * kinds + [0.0], [np.inf] * (kinds + 1)))
    return [float(v) for v in fit.x[:kinds]], float(fit.x[kinds])


def write_cost_calibration(profile: str, entry: dict[str, Any], path: Path | str | None = None) -> Path:
    """Put ``entry`` (the fitted parameters and their provenance, ``REQUIRED`` keys) under ``profile`` in the
    calibration file, keeping the other profiles', written atomically. Returns the path.

    Raises:
        EnergyError: the entry lacks a key or holds a figure out of range, or the old file is unreadable.
    """
    path = Path(path) if path is not None else CALIBRATION_PATH
    checked = _checked_entry(f"the new calibration for {profile!r}", entry)
    profiles = load_cost_calibration(path)
    profiles[profile] = checked
    about = ("The cost model's parameters learned from measured training steps, per hardware profile "
             "(resque_core/energy/cost_calibration.py); written by bench/cost_model.py "
             "--write-calibration.")  # fmt: skip
    write_text(path, json.dumps({"about": about, "profiles": profiles}, indent=2, sort_keys=True) + "\n")
    return path
