"""Calibration sweeps: simulate shifts, compute each index, really retrain, measure, write records.

One sweep runs *cases*. A distribution-shift case is a shift (type and level) of the paper split's new
part; a task case is a class split with a new head. For each case the old model's index is computed,
the shifted data is split into a training part and a held-out validation slice, and the model is
retrained to the "reachable" target ``min(base - tolerance, scratch_frac x scratch)``, where
*scratch* is the best accuracy a from-scratch model reached on the same data in a fixed budget
(one from-scratch run per case, on the first seed; its own epochs to that target give a "scratch"
record). Seeds vary the shift's noise, the validation slice and the training order; the split
itself stays at ``split_seed`` (the default models were trained on its original part).
Cases run first seed first, so a budget that runs out still covers every shift.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import pathlib
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch.utils.data import TensorDataset

from resque_core.energy import EnergyMeter
from resque_core.errors import RetrainError
from resque_core.retrain import RetrainConfig, RetrainResult, evaluate, materialize, retrain

logger = logging.getLogger(__name__)

DEMO_TASK_SPLITS: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9)),
    ((0, 1, 2, 3, 4), (5, 6, 7)),
    ((0, 1, 2, 3, 4), (8, 9)),
    ((0, 1, 2, 3, 4), (3, 4, 5, 6, 7)),
    ((0, 1, 2, 3, 4), (0, 2, 4, 6, 8)),
    ((0, 1, 2, 3, 4), (1, 2, 3, 4)),
)


@dataclass(frozen=True)
class SweepConfig:
    """What a calibration sweep runs, and its budget.

    Attributes:
        shifts: distribution shifts as "TYPE:LEVEL" strings.
        task_splits: (old classes, new classes) pairs, run with ``task_model`` and a new head.
        seeds: repetitions of every case.
        max_epochs: cap of a retraining run (reaching it marks the record censored).
        scratch_epochs: fixed budget of each from-scratch run.
        val_fraction: share of the shifted new data held out for validation (stratified).
        data_fraction: share of the source data used (stratified), for large user datasets.
        tolerance: points below the base accuracy that count as recovered.
        scratch_frac: fraction of the from-scratch accuracy the target asks for.
        split_seed: seed of the paper split (keep the one the model was trained with).
        max_minutes: wall-clock budget; the sweep stops cleanly between (or inside) runs.
        lr, batch_size: training settings (Adam).
    """

    shifts: tuple[str, ...] = ()
    task_splits: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    seeds: tuple[int, ...] = (0, 1, 2)
    max_epochs: int = 30
    scratch_epochs: int = 30
    val_fraction: float = 0.25
    data_fraction: float = 1.0
    tolerance: float = 0.02
    scratch_frac: float = 0.97
    split_seed: int = 0
    max_minutes: float | None = None
    lr: float = 1e-3
    batch_size: int = 32


@dataclass(frozen=True)
class SweepResult:
    """The records of a sweep and how it went (``wall_s`` in seconds)."""

    rows: tuple[dict, ...]
    runs_planned: int
    runs_done: int
    stopped_by_budget: bool
    wall_s: float
    notes: tuple[str, ...] = ()


@dataclass
class Case:
    """One shift to calibrate on: its index and data (tensors already preprocessed for the model)."""

    index_kind: str
    shift: str
    shift_type: str
    shift_level: int | None
    index_value: float
    noise_floor: float | None
    base_acc: float
    train: TensorDataset
    val: TensorDataset
    start_acc: float
    head: str = "keep"
    scratch_cache: dict[str, float] = field(default_factory=dict)

    @property
    def scratch_acc(self) -> float | None:
        """Best accuracy of this shift's from-scratch run (shared by its seeds), once it has run."""
        return self.scratch_cache.get(self.shift)


@dataclass
class Labels:
    """What every record of a sweep shares (model, dataset, hardware, versions, energy meter)."""

    model: str
    dataset: str
    run_prefix: str
    meter: EnergyMeter | None
    country_iso: str = ""
    hardware: str = field(default_factory=lambda: hardware_label())
    versions: str = field(default_factory=lambda: versions_label())


def hardware_label(device: str = "cpu") -> str:
    """e.g. "cpu: AMD EPYC (2 threads)" or "cuda: NVIDIA H100 80GB HBM3"."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return f"cuda: {torch.cuda.get_device_name(0)}"
    threads = torch.get_num_threads()
    return f"cpu: {cpu_model()} ({threads} thread{'s' if threads != 1 else ''})"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else the platform's processor string."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions_label() -> str:
    """e.g. "torch 2.14.1; codecarbon 3.3.2"."""
    try:
        from importlib.metadata import version

        cc = version("codecarbon")
    except Exception:  # noqa: BLE001 (codecarbon is optional here)
        cc = "absent"
    return f"torch {torch.__version__.split('+')[0]}; codecarbon {cc}"


def stratified_split(targets: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (rest, part) with ``fraction`` of every class (at least one sample) in ``part``."""
    rng = np.random.default_rng(seed)
    rest, part = [], []
    for c in np.unique(targets):
        members = rng.permutation(np.flatnonzero(targets == c))
        k = min(len(members) - 1, max(1, round(fraction * len(members))))
        part.append(members[:k])
        rest.append(members[k:])
    return np.sort(np.concatenate(rest)), np.sort(np.concatenate(part))


def split_tensors(x: torch.Tensor, y: torch.Tensor, val_fraction: float, seed: int) -> tuple[TensorDataset, ...]:
    """(train, val) TensorDatasets, the validation slice stratified by class."""
    train_idx, val_idx = stratified_split(y.numpy(), val_fraction, seed)
    return TensorDataset(x[train_idx], y[train_idx]), TensorDataset(x[val_idx], y[val_idx])


def old_accuracy(model: torch.nn.Module, data: TensorDataset) -> float:
    """The old model's accuracy on a TensorDataset."""
    return evaluate(model, *data.tensors, torch.device("cpu"))[1]


def run_case(
    model: torch.nn.Module, case: Case, seed: int, cfg: SweepConfig, labels: Labels, should_stop: Callable[[], bool]
) -> list[dict]:
    """Retrain on one case (and first run its from-scratch reference if it has none); its records."""
    rows = []
    if case.scratch_acc is None:
        scratch = _scratch_run(model, case, seed, cfg, labels, should_stop)
        if scratch is None:
            return rows
        rows.append(scratch)
    config = _config(case, seed, cfg, target_rule="reachable", max_epochs=cfg.max_epochs)
    result = retrain(model, case.train, case.val, config, meter=labels.meter, should_stop=should_stop)
    if result.cancelled:
        return rows
    rows.append(make_row(labels, case, seed, "retrain", result, result.epochs, result.censored))
    return rows


def _config(case: Case, seed: int, cfg: SweepConfig, **kw: Any) -> RetrainConfig:
    return RetrainConfig(
        base_acc=case.base_acc,
        scratch_acc=case.scratch_acc,
        tolerance=cfg.tolerance,
        scratch_frac=cfg.scratch_frac,
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        seed=seed,
        head=case.head,
        **kw,
    )


def _scratch_run(model, case: Case, seed: int, cfg: SweepConfig, labels: Labels, should_stop) -> dict | None:
    """Train from scratch for ``scratch_epochs``; set the case's scratch accuracy; its record at the target."""
    config = _config(case, seed, cfg, target_rule="fixed", target_acc=1.0, max_epochs=cfg.scratch_epochs)
    result = retrain(
        model, case.train, case.val, replace(config, from_scratch=True), meter=labels.meter, should_stop=should_stop
    )
    if result.cancelled:
        return None
    case.scratch_cache[case.shift] = result.best_val_acc
    target, rule = _config(case, seed, cfg, target_rule="reachable").resolve_target()
    epochs = result.epochs_to(target)
    censored = epochs is None
    return make_row(
        labels, case, seed, "scratch", result, result.epochs if censored else epochs, censored, target=(target, rule)
    )


def make_row(
    labels: Labels,
    case: Case,
    seed: int,
    run_kind: str,
    result: RetrainResult,
    epochs: float,
    censored: bool,
    target: tuple[float, str] | None = None,
) -> dict:
    """One calibration record (the schema of ``resque_core.records``) for a run, costed at ``epochs``."""
    target_acc, rule = target if target is not None else (result.target_acc, result.target_rule)
    cost = cost_at(result, epochs)
    kwh = cost["kwh"]
    return {
        "run_id": f"{labels.run_prefix}-{run_kind}-{case.shift}-s{seed}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run_kind": run_kind,
        "index_kind": case.index_kind,
        "index_value": case.index_value,
        "noise_floor": case.noise_floor,
        "shift": case.shift,
        "shift_type": case.shift_type,
        "shift_level": case.shift_level,
        "seed": seed,
        "model": labels.model,
        "dataset": labels.dataset,
        "hardware": labels.hardware,
        "target_rule": rule,
        "target_acc": target_acc,
        "start_acc": case.start_acc,
        "acc_gap": target_acc - case.start_acc,
        "epochs": epochs,
        "censored": int(censored),
        "max_epochs": result.max_epochs,
        "grad_norm": cost["grad_norm"],
        "param_change": cost["param_change"],
        "seconds": cost["seconds"],
        "kwh": kwh,
        "co2_kg": cost["co2_kg"],
        "kwh_per_epoch": result.kwh_per_epoch,
        "energy_source": result.energy_source or None,
        "country_iso": labels.country_iso or None,
        "intensity_g_per_kwh": 1000 * cost["co2_kg"] / kwh if kwh else None,
        "versions": labels.versions,
    }


def cost_at(result: RetrainResult, epochs: float) -> dict:
    """Seconds, kWh, CO2, mean grad norm and parameter change of ``result`` up to ``epochs`` epochs.

    A run that stopped at its target is costed by its totals; a from-scratch run that trained past the
    target is costed pro rata over the epochs it needed (grad norm averaged over them, parameter
    change at the end of the epoch in which the target fell). A run that needed no training has no
    grad norm (None) and no parameter change.
    """
    history = result.history
    trained = sum(h.fraction for h in history)
    if not history or epochs <= 0:
        return {
            "seconds": 0.0,
            "kwh": 0.0 if result.energy_kwh is not None else None,
            "co2_kg": 0.0 if result.co2_kg is not None else None,
            "grad_norm": None,  # no step taken: no gradient to report
            "param_change": 0.0,
        }
    share = min(epochs / trained, 1.0)
    used = history[: max(1, math.ceil(epochs - 1e-9))]
    weights = [min(h.fraction, max(epochs - i, 0.0)) for i, h in enumerate(used)]
    return {
        "seconds": result.seconds * share,
        "kwh": result.energy_kwh * share if result.energy_kwh is not None else None,
        "co2_kg": result.co2_kg * share if result.co2_kg is not None else None,
        "grad_norm": sum(w * h.grad_norm for w, h in zip(weights, used, strict=True)) / max(sum(weights), 1e-12),
        "param_change": used[-1].param_change,
    }


def run_sweep(
    jobs: list[tuple[Callable[[], tuple[torch.nn.Module, Case]], int, Labels]],
    cfg: SweepConfig,
    progress: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run ``(make_case, seed, labels)`` jobs in order within ``cfg.max_minutes``; every finished record."""
    t0 = time.monotonic()
    deadline = t0 + 60 * cfg.max_minutes if cfg.max_minutes else math.inf
    over = lambda: time.monotonic() > deadline  # noqa: E731
    rows, done, notes = [], 0, []
    for make_case, seed, labels in jobs:
        if over():
            break
        model, case = make_case()
        try:
            new_rows = run_case(model, case, seed, cfg, labels, over)
        except RetrainError as exc:
            notes.append(f"{case.shift} seed {seed} skipped: {exc}")
            continue
        rows += new_rows
        done += bool(new_rows) and new_rows[-1]["run_kind"] == "retrain"
        if progress is not None:
            progress(f"[{done}/{len(jobs)}] {case.shift} seed {seed}: {_describe(new_rows)}")
    stopped = done + len(notes) < len(jobs)
    if stopped:
        notes.append(f"time budget of {cfg.max_minutes:g} min reached after {done} of {len(jobs)} cases; stopped")
    return SweepResult(tuple(rows), len(jobs), done, stopped, time.monotonic() - t0, tuple(notes))


def _describe(rows: list[dict]) -> str:
    parts = [
        f"{r['run_kind']} index={r['index_value']:.4f} epochs={r['epochs']:.2f}{' (censored)' if r['censored'] else ''}"
        for r in rows
    ]
    return "; ".join(parts) or "dropped (budget)"


class DistCases:
    """Distribution-shift cases of one model on one dataset: the paper split, shifted new part."""

    def __init__(self, loaded: Any, dataset: Any, cfg: SweepConfig, base_acc: float | None = None):
        from resque_core.data import Preprocessed, paper_split

        self.loaded, self.cfg, self.scratch = loaded, cfg, {}
        self.names = list(loaded.class_names)
        original, self.new_clean = paper_split(dataset, cfg.split_seed)
        x_orig, y_orig = materialize(Preprocessed(original, loaded.input_spec))
        self.orig_sums = self._sums(x_orig, y_orig)
        self.noise_floor = self._index(*materialize(Preprocessed(self.new_clean, loaded.input_spec)))
        self.base_acc = base_acc if base_acc is not None else _base_accuracy(loaded, x_orig, y_orig)

    def _sums(self, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        from resque_core.embed import class_sums

        data = TensorDataset(x, y)
        return class_sums(self.loaded.model, data, num_classes=len(self.names), device="cpu").sums

    def _index(self, x: torch.Tensor, y: torch.Tensor) -> float:
        from resque_core.indices import resque_dist

        return resque_dist(self.orig_sums, self._sums(x, y), self.names).value

    def case(self, shift: str, seed: int) -> tuple[torch.nn.Module, Case]:
        """The shifted new part for ``seed``: index, train/val tensors, old model's accuracy."""
        from resque_core.data import Preprocessed, Shifted, ShiftSpec

        spec = ShiftSpec.parse(shift)
        x, y = materialize(Preprocessed(Shifted(self.new_clean, spec, seed), self.loaded.input_spec))
        train, val = split_tensors(x, y, self.cfg.val_fraction, seed)
        case = Case(
            index_kind="dist",
            shift=str(spec),
            shift_type=spec.kind,
            shift_level=spec.level,
            index_value=self._index(x, y),
            noise_floor=self.noise_floor,
            base_acc=self.base_acc,
            train=train,
            val=val,
            start_acc=old_accuracy(self.loaded.model, val),
            scratch_cache=self.scratch,
        )
        return self.loaded.model, case


class TaskCases:
    """Task-shift cases of one model: a class subset of the dataset, learned with a new head."""

    def __init__(self, loaded: Any, dataset: Any, cfg: SweepConfig, base_acc: float | None = None):
        if base_acc is None and loaded.accuracy is None:
            raise RetrainError("the task model's checkpoint records no accuracy; pass base_acc")
        self.loaded, self.dataset, self.cfg, self.scratch = loaded, dataset, cfg, {}
        self.base_acc = float(base_acc if base_acc is not None else loaded.accuracy)
        self.indices: dict[str, float] = {}
        self.floors: dict[tuple[int, ...], float] = {}

    def case(self, split: tuple[tuple[int, ...], tuple[int, ...]], seed: int) -> tuple[torch.nn.Module, Case]:
        """The new classes' data, relabelled 0..k-1; RESQUE_task of the old model on it.

        Its noise floor is the index of the old task's own classes (as ``pipeline.compute_index``
        reports it); the start accuracy is chance, 1/k, since the old head cannot name new classes.
        """
        old, new = split
        shift = f"task:{class_label(old)}->{class_label(new)}"
        x, y = self._data(new)
        if shift not in self.indices:
            self.indices[shift] = self._index(x, y)
        if old not in self.floors:
            self.floors[old] = self._index(*self._data(old))
        train, val = split_tensors(x, y, self.cfg.val_fraction, seed)
        case = Case(
            index_kind="task",
            shift=shift,
            shift_type="task",
            shift_level=None,
            index_value=self.indices[shift],
            noise_floor=self.floors[old],
            base_acc=self.base_acc,
            train=train,
            val=val,
            start_acc=1.0 / len(new),
            head="new",
            scratch_cache=self.scratch,
        )
        return self.loaded.model, case

    def _data(self, classes: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        from resque_core.data import ClassSubset, Preprocessed

        return materialize(Preprocessed(ClassSubset(self.dataset, list(classes)), self.loaded.input_spec))

    def _index(self, x: torch.Tensor, y: torch.Tensor) -> float:
        from resque_core.embed import collect_embeddings
        from resque_core.indices import resque_task

        emb = collect_embeddings(self.loaded.model, TensorDataset(x, y), device="cpu")
        return resque_task(emb.x, emb.labels, seed=0).value


def class_label(classes: tuple[int, ...]) -> str:
    """ "0-4" for a contiguous run of classes, else "0,2,4"."""
    c = list(classes)
    if len(c) > 2 and c == list(range(c[0], c[-1] + 1)):
        return f"{c[0]}-{c[-1]}"
    return ",".join(str(i) for i in c)


def _base_accuracy(loaded: Any, x: torch.Tensor, y: torch.Tensor) -> float:
    if loaded.accuracy is not None:
        return float(loaded.accuracy)
    logger.warning("checkpoint records no accuracy: using the old model's accuracy on the original part")
    return old_accuracy(loaded.model, TensorDataset(x, y))


def interleave(seeds: tuple[int, ...], groups: list[tuple[Any, tuple, Labels]]) -> list:
    """Jobs ``(make_case, seed, labels)`` from ``(case builder, items, labels)`` groups, seed by seed.

    Every item runs at the first seed before any runs at the next, so a budget that runs out early
    still covers every shift once.
    """
    return [
        (functools.partial(builder.case, item, seed), seed, labels)
        for seed in seeds
        for builder, items, labels in groups
        for item in items
    ]


def demo_sweep(
    cfg: SweepConfig, meter: EnergyMeter | None, progress: Callable[[str], None] | None = None
) -> SweepResult:
    """The default calibration: the embedded digits, the 0-9 model (shifts) and the 0-4 model (tasks)."""
    from resque_core.checkpoint import load_checkpoint
    from resque_core.data import DigitsDataset

    digits = DigitsDataset()
    labels = Labels("SmallCNN digits 0-9", "digits", "demo", meter, getattr(meter, "country_iso_code", ""))
    groups = []
    if cfg.shifts:
        groups.append((DistCases(load_checkpoint("default"), digits, cfg), cfg.shifts, labels))
    if cfg.task_splits:
        task_labels = replace(labels, model="SmallCNN digits 0-4")
        groups.append((TaskCases(load_checkpoint("default-0-4"), digits, cfg), cfg.task_splits, task_labels))
    return run_sweep(interleave(cfg.seeds, groups), cfg, progress)


def self_calibrate(
    checkpoint: str,
    original: str,
    cfg: SweepConfig,
    meter: EnergyMeter | None,
    progress: Callable[[str], None] | None = None,
    trust: bool = False,
) -> SweepResult:
    """Calibrate on the user's model: simulate ``cfg.shifts`` of its original data and retrain on each."""
    from resque_core.checkpoint import load_checkpoint
    from resque_core.data import Subset, open_source

    loaded = load_checkpoint(checkpoint, trust=trust)
    data = open_source(original)
    if cfg.data_fraction < 1:
        data = Subset(data, stratified_split(np.asarray(data.targets), cfg.data_fraction, cfg.split_seed)[1])
    dist = DistCases(loaded, data, cfg)
    name = (loaded.arch or {}).get("name") or type(loaded.model).__name__
    labels = Labels(
        f"{name} {pathlib.Path(checkpoint).name}",
        getattr(data, "name", original),
        f"self-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}",
        meter,
        getattr(meter, "country_iso_code", ""),
    )
    return run_sweep(interleave(cfg.seeds, [(dist, cfg.shifts, labels)]), cfg, progress)


def records_frame(result: SweepResult) -> Any:
    """The sweep's records as a validated DataFrame in the schema's column order."""
    from resque_core.records import validate_records

    if not result.rows:
        raise RetrainError("the sweep produced no records; give it more time (--max-minutes) or fewer cases")
    return validate_records(list(result.rows), name="calibration sweep")


def summarize(frame: Any) -> dict:
    """Counts, per shift type the ranges of index and epochs, and from-scratch versus retraining per shift."""
    retrain_rows, scratch_rows = frame[frame.run_kind == "retrain"], frame[frame.run_kind == "scratch"]
    per_type = {
        kind: {
            "runs": int(len(g)),
            "censored": int(g.censored.sum()),
            "index": [float(g.index_value.min()), float(g.index_value.max())],
            "epochs": [float(g.epochs.min()), float(g.epochs.max())],
        }
        for kind, g in retrain_rows.groupby("shift_type", sort=False)
    }
    compare = []
    for _, s in scratch_rows.iterrows():
        r = retrain_rows[retrain_rows["shift"] == s["shift"]]
        if len(r):
            compare.append((s["shift"], float(s.epochs), float(r.epochs.mean()), s.kwh, r.kwh.mean()))
    more = [c for c in compare if c[1] > c[2]]
    return {
        "runs": int(len(frame)),
        "retrain_runs": int(len(retrain_rows)),
        "scratch_runs": int(len(scratch_rows)),
        "censored": int(frame.censored.sum()),
        "per_type": per_type,
        "scratch_costlier": f"{len(more)} of {len(compare)} shifts",
        "scratch_not_costlier": [c[0] for c in compare if c[1] <= c[2]],
        "scratch_vs_retrain": [
            {
                "shift": c[0],
                "scratch_epochs": c[1],
                "retrain_epochs_mean": c[2],
                "scratch_kwh": c[3],
                "retrain_kwh_mean": c[4],
            }
            for c in compare
        ],
    }
