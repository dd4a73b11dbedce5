"""How an energy figure was obtained: its provenance ("measured", "estimated" or "modeled").

A meter's reading names its ``source`` ("codecarbon-measured", "codecarbon-estimate", "manual",
"modeled"); a forecast's kWh says only how far to trust it. The weakest provenance wins when
figures are combined (one modeled run makes a whole curve modeled).
"""

from __future__ import annotations

__all__ = ["ENERGY_PROVENANCES", "PROVENANCE_OF_METER_SOURCE"]

ENERGY_PROVENANCES: tuple[str, ...] = ("measured", "estimated", "modeled")
"""The provenances of kWh per epoch, strongest first: a power counter measured it, codecarbon estimated
it without one, or board power x time modeled it."""

PROVENANCE_OF_METER_SOURCE: dict[str, str] = {
    "codecarbon-measured": "measured",
    "codecarbon-estimate": "estimated",
    "modeled": "modeled",
}
"""The provenance of each meter ``source`` a calibration record may carry (others read "unknown")."""
