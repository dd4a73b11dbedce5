"""A stored run as the Runs page, ``python -m resque_core runs`` and its JSON show it: its settings, its
evaluations, its state in words, what is left (``remaining_of``) and how the refined forecast moved with each
evaluation (``history``)."""

from __future__ import annotations

from typing import Any

from resque_core.live.remaining import Remaining, refined_at, remaining_of
from resque_core.live.store import LiveRun, reached

__all__ = ["SILENT_AFTER_S", "history", "run_summary", "state_of"]

SILENT_AFTER_S = 15 * 60  # a running run that wrote nothing for this long is shown as silent
_MAX_HISTORY = 40  # evaluations the history recomputes at most (spread over the run)


def state_of(run: LiveRun) -> str:
    """ "running", "silent for 2.5 h (...)", "finished short of the target" or the stored status."""
    if run.status == "finished" and not reached(run.points, run.target_acc):
        return "finished short of the target"
    if run.status != "running":
        return run.status
    silent = run.silent_s
    if silent < SILENT_AFTER_S:
        return "running"
    hours = silent / 3600
    ago = f"{hours:.1f} h" if hours >= 1 else f"{silent / 60:.0f} min"
    return f"silent for {ago} (killed, or still in a long epoch): last write {run.updated_at}"


def history(run: LiveRun) -> list[dict[str, Any]]:
    """The refined epoch-at-target after each evaluation (at most ``_MAX_HISTORY`` of them, the last included),
    up to the one that reached the target (or the cap)."""
    n = len(run.points)
    m = min(n, _MAX_HISTORY)
    picks = sorted({round(i * (n - 1) / max(m - 1, 1)) for i in range(m)})
    done = [i for i in picks if _done(run, i)]
    picks = [i for i in picks if not _done(run, i)]
    out = []
    if picks:
        refined = refined_at(run, picks)
        for k, i in enumerate(picks):
            seen = run.points[i].epoch
            band = {key: float(seen + getattr(refined, key)[k]) for key in ("point", "low", "high")}
            out.append({"epoch": seen, **band, "p_never": float(refined.p_never[k])})
    for i in done[:1]:  # where the run got there (or stopped at its cap): the band closes on it
        seen = run.points[i].epoch
        never = 0.0 if _reached(run, i) else 1.0
        out.append({"epoch": seen, "point": seen, "low": seen, "high": seen, "p_never": never})
    return out


def _reached(run: LiveRun, i: int) -> bool:
    return reached(run.points[: i + 1], run.target_acc)


def _done(run: LiveRun, i: int) -> bool:
    return _reached(run, i) or run.points[i].epoch >= run.max_epochs


def run_summary(run: LiveRun, with_history: bool = False) -> dict[str, Any]:
    """Everything shown of one run, JSON-ready."""
    left: Remaining = remaining_of(run)
    out: dict[str, Any] = {
        "run_id": run.run_id, "name": run.name, "status": run.status, "state": state_of(run),
        "started_at": run.started_at, "updated_at": run.updated_at, "host": run.host, "pid": run.pid,
        "target_acc": run.target_acc, "target": run.target_label, "max_epochs": run.max_epochs,
        "prior": run.prior.to_dict() if run.prior is not None else None, "country_iso": run.country_iso,
        "intensity_g_per_kwh": run.intensity_g_per_kwh, "energy_source": run.energy_source,
        "price_per_kwh": run.price_per_kwh, "currency": run.currency, "record_id": run.record_id, "note": run.note,
        "evaluations": [{"epoch": p.epoch, "val_acc": p.val_acc, "seconds": p.seconds, "energy_kwh": p.energy_kwh,
                         "at": p.at} for p in run.points],
        "remaining": left.to_dict(),
    }  # fmt: skip
    if with_history:
        out["history"] = history(run)
    return out
