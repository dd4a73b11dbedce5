"""A validation run in a background thread, so the page stays live and can cancel it.

The thread calls ``resque_core.calibration.validation.validate`` with a progress callback that
appends each epoch and a ``should_stop`` that reads a cancel flag; the page polls the job from a
fragment.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from resque_core.calibration.validation import ValidationSettings


@dataclass
class ValidateJob:
    """A retraining run in progress: live epochs, the result or the error, and a cancel flag.

    ``index``, ``forecast`` (for the run's own target; ``notes``: what its records pool and where they stop
    short of the run's cap), ``model_name`` and ``dataset_name`` are what was current when the run started: the
    run is recorded against that index, model and data and compared with that forecast, whatever the
    pipeline holds by the time it ends.
    """

    settings: ValidationSettings
    index: Any = None
    forecast: Any = None
    notes: tuple[str, ...] = ()
    model_name: str = ""
    dataset_name: str = ""
    epochs: list = field(default_factory=list)
    result: Any = None
    error: Exception | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    recorded_path: str | None = None
    record: dict | None = None
    finished_seen: bool = False

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def cancel(self) -> None:
        self.stop.set()


def start(loaded: Any, new_data: Any, settings: ValidationSettings, **made_from: Any) -> ValidateJob:
    """Start retraining ``loaded.model`` on ``new_data`` (split into train and validation) in a thread.

    ``made_from``: the job's ``index``, ``forecast``, ``notes``, ``model_name`` and ``dataset_name``.
    """
    job = ValidateJob(settings=settings, **made_from)

    def work() -> None:
        import torch

        from resque_core.calibration.validation import LiveSettings, validate

        torch.set_num_threads(1)
        live = LiveSettings(f"validate {job.model_name or 'model'} on {job.dataset_name or 'new data'}", job.forecast)
        try:
            job.result = validate(
                loaded, new_data, settings, progress=job.epochs.append, should_stop=job.stop.is_set, live=live
            )
        except Exception as exc:  # shown on the page by ui.errors.show_error
            job.error = exc

    job.thread = threading.Thread(target=work, name="resque-validate", daemon=True)
    job.thread.start()
    return job
