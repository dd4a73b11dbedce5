"""Hand-written scenarios in the layout ``resque_core.reporting.scenario`` documents (shared by report tests)."""

from __future__ import annotations

from resque_core.reporting.scenario import Scenario


def make_scenario(name: str = "gaussian 3, DE", value: float = 0.042, epochs: float = 7.5) -> Scenario:
    measures = {
        "epochs": {"point": epochs, "low": epochs - 2, "high": epochs + 3, "unit": "epochs", "basis": "modeled"},
        "kwh": {"point": 0.5, "low": 0.3, "high": 0.8, "unit": "kWh", "basis": "modeled"},
        "co2_kg": {"point": 0.2, "low": 0.1, "high": 0.35, "unit": "kg", "basis": "modeled"},
    }
    series = [{"time": f"2026-11-23T{h:02d}:00:00+00:00", "intensity_g_per_kwh": 300.0 - 10 * h} for h in range(12)]
    return Scenario(
        name=name,
        inputs={"original": "digits", "new": "digits + gaussian_noise 3", "zone": "DE"},
        index={
            "kind": "dist",
            "value": value,
            "noise_floor": 0.004,
            "per_class": {"0": 0.03, "1": 0.05},
            "n_original": 900,
            "n_new": 600,
            "layer": "relu",
        },
        forecast={
            "measures": measures,
            "scratch": {"epochs": {"point": 30.0, "unit": "epochs"}},
            "interval": 0.9,
            "source": "default calibration",
            "hardware": "cpu profile",
        },
        schedule={
            "provider": "illustrative",
            "zone": "DE",
            "kind": "illustrative",
            "source": "illustrative, not live data",
            "best_start": "2026-11-23T09:00:00+00:00",
            "best_end": "2026-11-23T11:00:00+00:00",
            "co2_now_kg": 0.15,
            "co2_best_kg": 0.105,
            "co2_saved_kg": 0.045,
            "saved_pct": 30.0,
            "series": series,
        },
    )
