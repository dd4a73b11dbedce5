"""What the published benchmark says of the forecast actually shown, in plain words.

``bench/forecast_fidelity.py --publish`` writes its figures to ``resque_core/assets/forecast_fidelity.json``:
the library-wide headline, the issue's targets, and per shipped records source (its model family) and per
evidence a user gives (the index; the index and the accuracy drop; the label-free index; it and the old
model's confidence) the held-out error and coverage of the forecaster given that evidence, all for one target
(``Target.to_dict``), with the sha256 of the records they were computed on (``shipped_records_sha256``).
``benchmark_sentences`` quotes the figure of the combination a forecast rests on (its records, its signals,
its target); where none was published it says so in one sentence and quotes the forecaster's own held-out
figure instead. A forecast from the user's own records quotes nothing: the benchmark speaks for the shipped
records only.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import pathlib
from collections.abc import Iterable
from typing import Any

from resque_core.assets import asset_path
from resque_core.forecast.shipped import is_shipped
from resque_core.forecast.signals import SCHEME_UNITS, SignalChoice

__all__ = [
    "EVIDENCE_WORDS",
    "FIDELITY_FILE",
    "TARGET_WORDS",
    "benchmark_sentences",
    "evidence_of",
    "published_figure",
    "published_fidelity",
    "records_sha256",
    "shipped_record_files",
    "shipped_records_sha256",
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
    "lofo_nested_coverage_80_in_0_70_0_90": (
        "lofo_nested_coverage_80",
        "80% intervals covering 70-90% of a left-out family's runs (signal and unit chosen on the other families)",
        "{:.1%}",
    ),
}

# what a user gives -> how a sentence names the forecast made from it
EVIDENCE_WORDS: dict[str, str] = {
    "index": "the index alone",
    "index+acc_drop": "the index and the accuracy drop (the forecaster picks one or both by held-out error)",
    "index_free": "the label-free index alone",
    "index_free+mean_conf": "the label-free index and the old model's confidence (the forecaster picks)",
}


def shipped_record_files() -> list[pathlib.Path]:
    """The shipped records in a fixed order: the default calibration, then the library's files by name, each
    followed by its evaluation curves (``NAME.curves.csv.gz``) where they ship."""
    csvs = [asset_path("calibration_default.csv"), *sorted(asset_path("calibration").glob("*.csv"))]
    out = []
    for csv in csvs:
        curves = csv.with_name(f"{csv.name.removesuffix('.csv')}.curves.csv.gz")
        out += [csv, *([curves] if curves.is_file() else [])]
    return out


def records_sha256(paths: Iterable[pathlib.Path]) -> str:
    """sha256 over each file's name, length and bytes, in the order given (a renamed or moved file changes it)."""
    digest = hashlib.sha256()
    for path in paths:
        data = pathlib.Path(path).read_bytes()
        digest.update(f"{pathlib.Path(path).name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def shipped_records_sha256() -> str:
    """The hash of the shipped records (``shipped_record_files``): what the published JSON must carry."""
    return records_sha256(shipped_record_files())


def published_fidelity() -> dict[str, Any] | None:
    """The published summary (None when the benchmark has not been published or the file is unreadable).

    Read again only when the file changes: every forecast from the shipped records quotes it.
    """
    return copy.deepcopy(_published())


def _published() -> dict[str, Any] | None:
    """The cached summary itself (never to be changed by its callers)."""
    path = asset_path(FIDELITY_FILE)
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read_published(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2)
def _read_published(path: str, mtime_ns: int, size: int) -> dict[str, Any] | None:
    try:
        data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "targets" in data else None


def evidence_of(signals: SignalChoice) -> str:
    """What the user gave, as the benchmark keys it: the forecaster picks its set among what was given."""
    gave = set(signals.signals) | {s for key in signals.candidates for s in key.split("+")}
    if signals.labels == "predicted":
        return "index_free+mean_conf" if "mean_conf" in gave else "index_free"
    return "index+acc_drop" if "acc_drop" in gave else "index"


def benchmark_sentences(
    summary: dict[str, Any] | None = None,
    *,
    source: str | None = None,
    signals: SignalChoice | None = None,
    target: Any = None,
) -> tuple[str, ...]:
    """The benchmark in words.

    Args:
        summary: the published JSON (default: the shipped one).
        source: the records the forecast rests on ("default calibration", "library NAME"; another source: no
            sentences). None: the library-wide headline, claims and targets.
        signals: the forecast's ``SignalChoice``; target: its ``Target`` (``forecast.targets``).
    """
    s = summary if summary is not None else _published()
    if source is None:
        return _library_sentences(s) if s else ()
    if not is_shipped(source):
        return ()
    evidence = evidence_of(signals) if signals is not None else None
    figure, reason = _covering(s, source, signals, evidence, target)
    if figure is None:
        return (_not_covered(reason, signals),)
    return (*_forecast_sentences(s, source, figure, evidence), *_targets_and_date(s))


def published_figure(*, source: str, signals: SignalChoice | None, target: Any) -> dict[str, Any] | None:
    """The published held-out figures (``n_runs``, ``coverage_80``, ``level``...) of this forecast; None: none."""
    s = _published()
    if not is_shipped(source):
        return None
    figure, _ = _covering(s, source, signals, evidence_of(signals) if signals is not None else None, target)
    return None if figure is None else {**figure, "level": s.get("level")}


def _covering(s, source, signals, evidence, target) -> tuple[dict | None, str]:
    """The published figure of this forecast's records, evidence and target, or None and why not."""
    if not s or "by_source" not in s:
        return None, "the benchmark published with this version has no figures per records and signals"
    if not _same_target(s.get("target"), target):
        covered = (s.get("target") or {}).get("label", "another target")
        asked = getattr(target, "label", "an unknown target")
        return None, f"the benchmark is for {covered}, this forecast for {asked}"
    if source not in s["by_source"]:
        return None, f"the benchmark has no figures for the {source}'s records"
    if signals is None or signals.curves != "pooled over all shift types":
        return None, "the benchmark scores the curves pooled over shift types, not a shift type's own"
    figure = s["by_source"][source].get("evidence", {}).get(evidence)
    if figure is None:
        return None, f"the benchmark has no figure for a forecast from {EVIDENCE_WORDS.get(evidence, evidence)}"
    return {**s["by_source"][source], **figure}, ""


def _same_target(published: dict | None, target: Any) -> bool:
    kind = getattr(target, "kind", "records")
    value = getattr(target, "value", None)
    if not published or published.get("kind") != kind:
        return False
    other = published.get("value")
    return (value is None and other is None) or (
        value is not None and other is not None and math.isclose(value, other, abs_tol=1e-9)
    )


def _not_covered(reason: str, signals: SignalChoice | None) -> str:
    own = "no held-out figure of its own either"
    if signals is not None and math.isfinite(signals.heldout_mae_epochs):
        unit = SCHEME_UNITS.get(signals.scheme, "groups")
        own = (
            f"its own held-out check on its records: off by {signals.heldout_mae_epochs:.2f} epochs "
            f"({signals.n_groups} {unit} held out in turn)"
        )
    return f"No published benchmark covers this forecast ({reason}); {own}"


def _forecast_sentences(s: dict, source: str, f: dict, evidence: str) -> list[str]:
    worst = f.get("coverage_80_min_type")
    worst_words = f" (worst shift type: {worst:.0%}, {f['min_type']})" if worst is not None else ""
    out = [
        f"Benchmark of this forecast's records ({source}: {f['n_runs']} runs of {f['family']}, {f['n_types']} shift "
        f"types, each held out in turn; target: {s['target']['label']}): a forecast from "
        f"{EVIDENCE_WORDS.get(evidence, evidence)} was off by {f['mae_epochs']:.2f} epochs on average; its "
        f"{s['level']:.0%} intervals covered {f['coverage_80']:.0%} of the runs{worst_words}"
    ]
    picks = f.get("picks") or {}
    if len(picks) > 1 or (picks and "+" in evidence):
        folds = sum(picks.values())
        said = ", ".join(f"{_set_words(k)} in {n}" for k, n in sorted(picks.items(), key=lambda kv: -kv[1]))
        out.append(f"In the {folds} held-out folds the forecaster picked {said}")
    tie = _tie_sentence(f, evidence)
    return out + ([tie] if tie else [])


def _set_words(key: str) -> str:
    words = {"index": "the index", "acc_drop": "the accuracy drop", "index_free": "the label-free index",
             "mean_conf": "the old model's confidence"}  # fmt: skip
    return " and ".join(words.get(part, part) for part in key.split("+"))


def _tie_sentence(f: dict, evidence: str) -> str | None:
    """Which single signal did better on these records, said as a tie when the interval holds 0."""
    a, b = ("index_free", "mean_conf") if evidence.startswith("index_free") else ("index", "acc_drop")
    verdict, diff, ci = f.get(f"{a}_vs_{b}"), f.get(f"paired_diff_{a}_vs_{b}"), f.get(f"paired_diff_{a}_vs_{b}_ci")
    if verdict is None or diff is None or ci is None:
        return None
    first, second = _set_words(a), _set_words(b)
    says = {"tie": "they tie", "better": f"{first} is the better signal", "worse": f"{second} is the better signal"}
    return (
        f"On these records {first} alone against {second} alone: {diff:+.2f} epochs [95% CI {ci[0]:+.2f}, "
        f"{ci[1]:+.2f}], {says.get(verdict, 'undecided')}"
    )


def _library_sentences(s: dict) -> tuple[str, ...]:
    """The library-wide headline (every family, the forecaster with everything a user with labels has)."""
    out = [
        f"Benchmark of the shipped calibration library ({s['n_runs']} runs of {s['n_families']} model "
        f"{'family' if s['n_families'] == 1 else 'families'}, {s['n_types']} shift types, each type held out): "
        f"the forecast is off by {s['mae_epochs']:.2f} epochs on average, against {s['mae_epochs_acc_drop']:.2f} "
        f"for the accuracy drop alone; its {s['level']:.0%} intervals covered {s['coverage_80']:.0%} of the runs"
        + (
            f" (worst shift type: {s['coverage_80_min_type']:.0%}, {s.get('coverage_80_min_type_name', '?')})"
            if s.get("coverage_80_min_type") is not None
            else ""
        )
    ]
    if s.get("ceiling_spearman_case_means") is not None and "ceiling_per_family" in s:
        out.append(
            f"Ranking case means, the forecast reaches a Spearman of {s['spearman_case_means']:.3f} within families; "
            f"the seeds' own agreement allows about {s['ceiling_spearman_case_means']:.3f} (rank-based, within "
            "families)"
        )
    if s.get("lofo_nested_mae_epochs") is not None:
        out.append(
            "For a model family the library lacks (each family left out in turn, the signal and unit chosen on the "
            f"other families): off by {s['lofo_nested_mae_epochs']:.2f} epochs, intervals covered "
            f"{s['lofo_nested_coverage_80']:.0%} (chosen on the scored families too, not nested: "
            f"{s['lofo_mae_epochs']:.2f} epochs, {s['lofo_coverage_80']:.0%})"
        )
    return (*out, *_targets_and_date(s))


def _targets_and_date(s: dict) -> list[str]:
    targets = s.get("targets") or {}
    missed = [_missed(key, s) for key, met in targets.items() if met is False and key in TARGET_WORDS]
    out = []
    if missed:
        out.append("Targets of the library-wide benchmark missed: " + "; ".join(missed))
    elif targets and all(met is True for met in targets.values()):
        out.append("Every target of the library-wide benchmark is met")
    out.append(f"Measured {s.get('date', '?')} with: {s.get('command', 'python bench/forecast_fidelity.py --json')}")
    return out


def _missed(key: str, s: dict[str, Any]) -> str:
    figure, words, fmt = TARGET_WORDS[key]
    value = s.get(figure)
    if isinstance(value, list):  # a confidence interval: its upper end is what the target reads
        value = value[1] if len(value) == 2 else None
    shown = fmt.format(value) if isinstance(value, int | float) else "not measured"
    return f"{words}: {shown}"
