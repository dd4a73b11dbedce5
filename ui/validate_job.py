"""A real retraining run in a background thread, so the page stays live and can cancel it.

The thread calls ``resque_core.retraining.loop.retrain`` with a progress callback that appends each epoch
and a ``should_stop`` that reads a cancel flag; the page polls the job from a fragment.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class ValidateJob:
    """A retraining run in progress: live epochs, the result or the error, and a cancel flag."""

    settings: dict
    epochs: list = field(default_factory=list)
    result: Any = None
    error: Exception | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    recorded: bool = False

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def cancel(self) -> None:
        self.stop.set()


def start(loaded: Any, new_data: Any, settings: dict) -> ValidateJob:
    """Start retraining ``loaded.model`` on ``new_data`` (split into train and validation) in a thread."""
    job = ValidateJob(settings=settings)

    def work() -> None:
        import torch

        from resque_core.calibration.cases import stratified_split
        from resque_core.data import Preprocessed, Subset
        from resque_core.retraining.config import RetrainConfig
        from resque_core.retraining.loop import retrain

        torch.set_num_threads(1)
        try:
            data = Preprocessed(new_data, loaded.input_spec)
            train_idx, val_idx = stratified_split(data.targets, settings["val_fraction"], settings["seed"])
            config = RetrainConfig(
                target_rule=settings.get("rule", "base-minus"),
                base_acc=settings["base_acc"],
                tolerance=settings["tolerance"],
                max_epochs=settings["max_epochs"],
                seed=settings["seed"],
                head=settings["head"],
                device="auto",
            )
            meter = None
            if settings.get("measure_energy"):
                from resque_core.retraining.meters import CodecarbonMeter

                meter = CodecarbonMeter(country_iso_code=settings.get("country_iso", "DEU"), tracking_mode="process")
            job.result = retrain(
                loaded.model,
                Subset(data, train_idx),
                Subset(data, val_idx),
                config,
                meter=meter,
                progress=job.epochs.append,
                should_stop=job.stop.is_set,
            )
        except Exception as exc:  # shown on the page by ui.errors.show_error
            job.error = exc

    job.thread = threading.Thread(target=work, name="resque-validate", daemon=True)
    job.thread.start()
    return job


def record_row(job: ValidateJob, report: Any, model_name: str, dataset: str) -> dict:
    """The measured run as one calibration record (``resque_core.forecast.records`` schema)."""
    r = job.result
    return {
        "run_id": f"validate-{datetime.now(UTC):%Y%m%dT%H%M%S}",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run_kind": "retrain",
        "index_kind": report.kind,
        "index_value": report.value,
        "noise_floor": report.noise_floor,
        "shift": report.shift or "",
        "model": model_name,
        "dataset": dataset,
        "hardware": "this machine",
        "target_rule": r.target_rule,
        "target_acc": r.target_acc,
        "start_acc": r.start_acc,
        "epochs": r.epochs,
        "censored": int(r.censored),
        "max_epochs": r.max_epochs,
        "grad_norm": r.grad_norm,
        "param_change": r.param_change,
        "seconds": r.seconds,
        "kwh": r.energy_kwh,
        "co2_kg": r.co2_kg,
        "energy_source": r.energy_source or None,
    }
