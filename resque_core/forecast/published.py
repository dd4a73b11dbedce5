"""What the published benchmark says of forecasts from the shipped calibration, in plain words.

``bench/forecast_fidelity.py --publish`` writes its headline figures and the issue's targets to
``resque_core/assets/forecast_fidelity.json``. A forecast fitted on the shipped calibration carries
these sentences (``Forecast.benchmark``), so the Forecast page, the ``forecast`` command and the
exported report say the same thing, missed targets included. A forecast from the user's own records
carries none: the benchmark speaks for the shipped records only.
"""

from __future__ import annotations

import json
from typing import Any

from resque_core.assets import asset_path
from resque_core.forecast.family import UNIT_LABELS

__all__ = [
    "FIDELITY_FILE",
    "TARGET_WORDS",
    "benchmark_sentences",
    "published_fidelity",
]

FIDELITY_FILE = "forecast_fidelity.json"

# target key -> (figure key, how the target reads, how the figure is written)
TARGET_WORDS: dict[str, tuple[str, str, str]] = {
    "n_families_ge_3": ("n_families", "at least 3 model families", "{:.0f} families"),
    "n_types_ge_12": ("n_types", "at least 12 shift types", "{:.0f} types"),
    "not_worse_than_acc_drop": (
        "paired_diff_vs_acc_drop_ci",
        "never significantly worse than the accuracy drop (upper end of the paired difference <= 0.3 epochs)",
        "upper end {:+.2f} epochs",
    ),
    "spearman_case_means_ge_0_9": ("spearman_case_means", "Spearman on case means >= 0.9", "{:.3f}"),
    "coverage_80_in_0_75_0_85": ("coverage_80", "80% intervals covering 75-85% of held-out runs", "{:.1%}"),
    "lofo_coverage_80_in_0_70_0_90": (
        "lofo_coverage_80",
        "80% intervals covering 70-90% of a left-out family's runs",
        "{:.1%}",
    ),
}


def published_fidelity() -> dict[str, Any] | None:
    """The published summary (None when the benchmark has not been published or the file is unreadable)."""
    path = asset_path(FIDELITY_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "targets" in data else None


def benchmark_sentences(summary: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The benchmark in words: the held-out error against the accuracy drop, coverage, and every missed target."""
    s = summary if summary is not None else published_fidelity()
    if not s:
        return ()
    out = [
        f"Benchmark of the shipped calibration ({s['n_runs']} runs of {s['n_families']} model "
        f"{'family' if s['n_families'] == 1 else 'families'}, {s['n_types']} shift types, each type held out): "
        f"the forecast is off by {s['mae_epochs']:.2f} epochs on average, against {s['mae_epochs_acc_drop']:.2f} "
        f"for the accuracy drop alone; its {s['level']:.0%} intervals covered {s['coverage_80']:.0%} of the runs"
    ]
    if s.get("lofo_mae_epochs") is not None:
        basis = "the accuracy drop" if s.get("lofo_signal") == "acc_drop" else "the index"
        out.append(
            f"For a model family the library lacks (each family left out in turn, carried on {basis} in "
            f"{UNIT_LABELS.get(s.get('lofo_unit'), 'raw epochs')}): off by {s['lofo_mae_epochs']:.2f} epochs, "
            "intervals covered "
            f"{s['lofo_coverage_80']:.0%}"
        )
    missed = [_missed(key, s) for key, met in s["targets"].items() if met is False and key in TARGET_WORDS]
    if missed:
        out.append("Targets missed: " + "; ".join(missed))
    elif all(met is True for met in s["targets"].values()):
        out.append("Every target of the benchmark is met")
    out.append(f"Measured {s.get('date', '?')} with: {s.get('command', 'python bench/forecast_fidelity.py --json')}")
    return tuple(out)


def _missed(key: str, s: dict[str, Any]) -> str:
    figure, words, fmt = TARGET_WORDS[key]
    value = s.get(figure)
    if isinstance(value, list):  # a confidence interval: its upper end is what the target reads
        value = value[1] if len(value) == 2 else None
    shown = fmt.format(value) if isinstance(value, int | float) else "not measured"
    return f"{words}: {shown}"
