"""What a page hands to ``ui.actions``: one frozen dataclass per pipeline step, never a loose dict.

The model is the engine's own ``resque_core.model.ModelSource`` (the CLI builds the same object).

The defaults are the one-click demo's. ``inputs()`` gives the plain dict a stage is stored (and a
scenario saved) with, so every choice is kept as the user made it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEMO_ZONE = "DE"  # the demo's grid zone: its forecast's CO2 and its schedule both use it
# ``CostSettings`` fields of the demo: the zone's annual average, and a price that is an example, labelled so.
DEMO_COST = {
    "intensity": "zone",
    "zone": DEMO_ZONE,
    "price_per_kwh": 0.30,
    "currency": "EUR",
    "price_source": "example price, not yours",
}


class _Inputs:
    def inputs(self) -> dict[str, Any]:
        """The settings as a plain JSON-able dict (session-state inputs, scenarios, cache keys)."""
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class DataChoice(_Inputs):
    """The data: the original source, an optional new source, a simulated shift, the index kind, the seed,
    the class map the user confirmed ("eight=8,five=5,...": the model output of each original class), and
    whether the user chose to use a model that scores near chance on the original data."""

    original: str = "digits"
    new: str | None = None
    shift: str | None = "gaussian_noise:5"
    kind: str = "dist"
    seed: int = 0
    class_map: str | None = None
    accept_low_accuracy: bool = False


@dataclass(frozen=True)
class IndexSettings(_Inputs):
    """The embedding layer (None: the input of the final classifier), the device, the batch size, the
    embedding precision ("fp32"; "bf16"/"fp16" are autocast on CUDA only, elsewhere it runs in fp32), and
    the new data's labels ("given", or "predicted": the label-free index, for new data without labels)."""

    layer: str | None = None
    device: str = "auto"
    batch_size: int = 256
    precision: str = "fp32"
    labels: str = "given"


@dataclass(frozen=True)
class ForecastSettings(_Inputs):
    """Where the calibration records come from ("default", "upload", "self-calibration", "recorded runs"),
    the intervals' nominal coverage, and the team's target (``forecast.targets.Target``: "drop" within
    ``target_value`` of the old model's clean accuracy, or "acc" an accuracy on the new data)."""

    calibration: str = "default"
    level: float = 0.8
    target_kind: str = "drop"
    target_value: float = 0.02

    def target(self):
        """The ``Target`` these settings name (checked: ``RecordsError`` on a value out of range)."""
        from resque_core.forecast.targets import target_of

        if self.target_kind == "acc":
            return target_of(target_acc=self.target_value)
        return target_of(target_drop=self.target_value)


@dataclass(frozen=True)
class ScheduleSettings(_Inputs):
    """The grid data (provider, zone, UK postcode), the horizon and deadline in hours, and whether the job can pause.

    The zone is the forecast's (the one its CO2's annual average is of): the demo's by default, and the
    Schedule page follows the forecast's zone (``pages/schedule.py``).

    ``job_h``, ``job_kwh``: a job given by hand (what is left of a tracked run), its hours and kWh; None: the
    forecast's job.
    """

    provider: str = "illustrative"
    zone: str = DEMO_ZONE
    horizon_h: float = 48
    deadline_h: float | None = None
    interruptible: bool = False
    postcode: str | None = None
    job_h: float | None = None
    job_kwh: float | None = None


def forecast_zone(forecast_inputs: dict[str, Any] | None) -> str | None:
    """The zone whose annual average a forecast's CO2 uses, from its stored inputs (``CostSettings`` fields);
    None when its intensity is typed or the records'. The schedule plans in this zone by default."""
    chosen = forecast_inputs or {}
    return chosen.get("zone") if chosen.get("intensity") == "zone" else None
