"""Energy meters: the energy of a training job, measured with codecarbon or typed in (profiles: ``hardware.py``).

A meter is started and stopped around a piece of work and returns an ``EnergyReading``. Where
codecarbon has no power counter (RAPL for the CPU, NVML for an NVIDIA GPU) it *estimates* CPU power
from a TDP table times the CPU load and RAM power from a fixed wattage; the reading then says so.
A probe (``probe.py``) runs a few training steps under a meter and extrapolates kWh and seconds per epoch.
"""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from resque_core.errors import EnergyError
from resque_core.grid.offline import annual_intensity_g_per_kwh, iso3_of
from resque_core.units import J_PER_KWH

logger = logging.getLogger(__name__)

_MEASURED_CPU_MODES = {"intel_rapl", "intel_power_gadget", "windows_emi"}


@dataclass(frozen=True)
class EnergyReading:
    """What a meter saw between ``start()`` and ``stop()``.

    Attributes:
        energy_kwh: energy used, in kWh.
        co2_kg: emissions, in kg CO2-eq (energy x the grid intensity the meter used).
        duration_s: wall time between start and stop, in seconds.
        source: "codecarbon-measured", "codecarbon-estimate", "manual" or "modeled".
        estimated: True unless a hardware power counter measured the energy.
        note: how the number was obtained, in words.
        intensity_g_per_kwh: grid intensity used for ``co2_kg``, in g CO2-eq per kWh.
        country_iso: ISO3 code of the grid the intensity belongs to (empty if typed in).
    """

    energy_kwh: float
    co2_kg: float
    duration_s: float
    source: str
    estimated: bool
    note: str
    intensity_g_per_kwh: float
    country_iso: str = ""


class EnergyMeter(ABC):
    """Measures the energy of the work done between ``start()`` and ``stop()``.

    Also a context manager: ``with meter: work()`` leaves the reading in ``meter.reading``.
    """

    reading: EnergyReading | None = None

    @abstractmethod
    def start(self) -> None:
        """Begin measuring."""

    @abstractmethod
    def stop(self) -> EnergyReading:
        """Stop measuring and return what was used since ``start()``."""

    def so_far(self) -> float | None:
        """kWh used since ``start()`` without stopping (None: this meter reads only when stopped)."""
        return None

    def __enter__(self) -> EnergyMeter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.reading = self.stop()


class ManualPowerMeter(EnergyMeter):
    """A typed-in average power (W) times wall time: for hardware no meter can read.

    Args:
        watts: Average power, W.
        intensity_g_per_kwh: Grid intensity for CO2, gCO2eq/kWh; default the country's annual average.
        country_iso_code: The country of that annual average, ISO2 ("DE") or ISO3 ("DEU").

    Raises:
        ProviderFailure: No annual average for ``country_iso_code`` (``resque_core.grid.offline``).
    """

    def __init__(self, watts: float, intensity_g_per_kwh: float | None = None, country_iso_code: str = "DEU"):
        if not (isinstance(watts, int | float) and math.isfinite(watts) and watts > 0):
            raise EnergyError(f"power must be a positive number of watts, not {watts!r}")
        self.watts = float(watts)
        if intensity_g_per_kwh is None:
            self.country_iso_code = iso3_of(country_iso_code)
            self.intensity_g_per_kwh = annual_intensity_g_per_kwh(self.country_iso_code)[0]
        else:
            self.country_iso_code, self.intensity_g_per_kwh = "", float(intensity_g_per_kwh)
        self._t0: float | None = None

    def start(self) -> None:
        self._t0 = time.perf_counter()

    def so_far(self) -> float | None:
        if self._t0 is None:
            raise EnergyError("meter read before it was started")
        return self.watts * (time.perf_counter() - self._t0) / J_PER_KWH

    def stop(self) -> EnergyReading:
        if self._t0 is None:
            raise EnergyError("meter stopped before it was started")
        duration_s, self._t0 = time.perf_counter() - self._t0, None
        energy_kwh = self.watts * duration_s / J_PER_KWH
        return EnergyReading(
            energy_kwh=energy_kwh,
            co2_kg=energy_kwh * self.intensity_g_per_kwh / 1000.0,
            duration_s=duration_s,
            source="manual",
            estimated=True,
            note=f"typed-in average power {self.watts:g} W x wall time",
            intensity_g_per_kwh=self.intensity_g_per_kwh,
            country_iso=self.country_iso_code,
        )


class CodecarbonMeter(EnergyMeter):
    """codecarbon's offline tracker for an explicit country; writes no files, logs only errors.

    Args:
        country_iso_code: The grid whose annual intensity converts kWh to CO2, ISO2 ("DE") or ISO3 ("DEU");
            codecarbon is given its ISO3 code.
        tracking_mode: "machine" (everything on the machine) or "process" (this process's CPU
            time and memory: fairer on a shared machine).

    Raises:
        ProviderFailure: No annual average for ``country_iso_code`` (``resque_core.grid.offline``).
    """

    def __init__(self, country_iso_code: str = "DEU", tracking_mode: str = "machine"):
        if tracking_mode not in ("machine", "process"):
            raise EnergyError(f"tracking_mode must be 'machine' or 'process', not {tracking_mode!r}")
        self.country_iso_code = iso3_of(country_iso_code)  # codecarbon would silently fall back to a world average
        self.tracking_mode = tracking_mode
        self._tracker: Any = None
        self._warmed = False

    def start(self) -> None:
        if not self._warmed:  # the first tracker of a process detects the hardware and under-reads the load
            self._new_tracker().start()
            self._tracker.stop()
            self._warmed = True
        self._new_tracker().start()

    def _new_tracker(self) -> Any:
        try:
            from codecarbon import OfflineEmissionsTracker

            logging.getLogger("codecarbon").setLevel(logging.ERROR)  # after import: codecarbon resets it
            self._tracker = OfflineEmissionsTracker(
                country_iso_code=self.country_iso_code,
                save_to_file=False,
                log_level="error",
                tracking_mode=self.tracking_mode,
            )
        except ImportError as exc:
            raise EnergyError("codecarbon is not installed; use ManualPowerMeter or a hardware profile") from exc
        except Exception as exc:  # codecarbon raises bare exceptions for bad countries, hardware...
            raise EnergyError(f"codecarbon could not start ({exc}); check the country code") from exc
        return self._tracker

    def so_far(self) -> float | None:
        """kWh since ``start()``: codecarbon's emissions so far (``flush``, which writes nothing here) over the
        intensity it uses (the country's annual average)."""
        if self._tracker is None:
            raise EnergyError("meter read before it was started")
        co2_kg = self._tracker.flush()
        if co2_kg is None:
            return None
        return float(co2_kg) * 1000.0 / annual_intensity_g_per_kwh(self.country_iso_code)[0]

    def estimated(self) -> bool:
        """Whether the running tracker estimates (no RAPL/NVML power counter) rather than measures."""
        return self._tracker is None or describe_codecarbon_hardware(self._tracker)[0]

    def stop(self) -> EnergyReading:
        if self._tracker is None:
            raise EnergyError("meter stopped before it was started")
        tracker, self._tracker = self._tracker, None
        tracker.stop()
        data = tracker.final_emissions_data
        if data is None:
            raise EnergyError("codecarbon returned no data; was another tracker running in this process?")
        estimated, note = describe_codecarbon_hardware(tracker)
        energy_kwh, co2_kg = float(data.energy_consumed), float(data.emissions)
        return EnergyReading(
            energy_kwh=energy_kwh,
            co2_kg=co2_kg,
            duration_s=float(data.duration),
            source="codecarbon-estimate" if estimated else "codecarbon-measured",
            estimated=estimated,
            note=note,
            intensity_g_per_kwh=1000.0 * co2_kg / energy_kwh if energy_kwh > 0 else 0.0,
            country_iso=self.country_iso_code,
        )


def describe_codecarbon_hardware(tracker: Any) -> tuple[bool, str]:
    """Whether a stopped codecarbon tracker measured (RAPL/NVML/powermetrics) or estimated, in words."""
    measured, estimated = [], []
    for hw in getattr(tracker, "_hardware", []):
        kind, mode = type(hw).__name__, getattr(hw, "_mode", None)
        if kind == "GPU" or kind == "AppleSiliconChip" or mode in _MEASURED_CPU_MODES:
            measured.append(f"{kind} ({mode or 'NVML'})")
        elif kind == "CPU":
            estimated.append(f"CPU from a TDP of {getattr(hw, '_tdp', '?')} W x load ({mode})")
        elif kind == "RAM":
            estimated.append("RAM at a fixed wattage")
        else:
            estimated.append(kind)
    cpu_measured = any(m.startswith(("CPU", "GPU", "AppleSiliconChip")) for m in measured)
    parts = [f"measured: {', '.join(measured)}"] if measured else []
    parts += [f"estimated: {', '.join(estimated)}"] if estimated else []
    prefix = "codecarbon measured" if cpu_measured else "codecarbon estimate (no RAPL/NVML)"
    return not cpu_measured, f"{prefix}; " + "; ".join(parts)
