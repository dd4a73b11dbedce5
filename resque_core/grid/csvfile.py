"""Carbon intensity from a CSV file the user supplies (path, bytes or an uploaded file).

Columns: ``datetime`` (ISO 8601; naive times are taken as UTC, and the series says so) and
``carbon_intensity`` in gCO2eq/kWh. Any step, regular or not; other columns are ignored.
"""

from __future__ import annotations

import csv
import io
import math
import pathlib
from datetime import datetime
from typing import IO, Any

from resque_core.grid.base import IntensitySeries, ProviderFailure, build_series, to_utc

NAME = "csv"
TIME_COLUMN = "datetime"
VALUE_COLUMN = "carbon_intensity"
_EXPECTED = f"'{TIME_COLUMN}' (ISO 8601, UTC if no offset) and '{VALUE_COLUMN}' (gCO2eq/kWh)"


class CsvProvider:
    """Intensity read from CSV text; the zone is only a label here.

    Args:
        source: A path, the file's bytes/text, or a binary/text file object (e.g. a Streamlit upload).
        name: What to call the file in messages (default the path's name).
        kind: What the numbers are: "forecast" (default), "measured" or "modeled".
    """

    name = NAME

    def __init__(
        self, source: str | pathlib.Path | bytes | IO[Any], *, name: str | None = None, kind: str = "forecast"
    ):
        if kind not in ("forecast", "measured", "modeled"):
            raise ProviderFailure(NAME, "bad-input", f"kind {kind!r}: use 'forecast', 'measured' or 'modeled'.")
        self._source = source
        self.label = name or (pathlib.Path(source).name if isinstance(source, str | pathlib.Path) else "uploaded CSV")
        self.kind = kind

    def __repr__(self) -> str:
        return f"CsvProvider({self.label!r})"

    @property
    def cache_identity(self) -> tuple[str, ...]:
        """What distinguishes this provider's answers in a cache."""
        src = self._source
        key = str(pathlib.Path(src).resolve()) if isinstance(src, str | pathlib.Path) else str(id(src))
        return (NAME, key, self.kind)

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The file's points over ``[start, end)``."""
        series = self.read(zone)
        start, end = to_utc(start), to_utc(end)
        if series.end <= start or series.start >= end:
            raise ProviderFailure(
                NAME,
                "empty",
                f"{self.label} covers {series.start:%Y-%m-%d %H:%M} to {series.end:%Y-%m-%d %H:%M} UTC, "
                f"nothing between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC.",
            )
        return series.clip(start, end)

    def read(self, zone: str = "") -> IntensitySeries:
        """The whole file as a series."""
        reader = csv.DictReader(io.StringIO(self._text()))
        header = [h.strip() for h in (reader.fieldnames or [])]
        if TIME_COLUMN not in header or VALUE_COLUMN not in header:
            found = ", ".join(repr(h) for h in header) or "no header"
            raise ProviderFailure(NAME, "bad-input", f"{self.label}: expected columns {_EXPECTED}; found {found}.")
        reader.fieldnames = header
        starts, values, naive = [], [], False
        for line_no, row in enumerate(reader, start=2):
            moment, was_naive = self._time(row.get(TIME_COLUMN), line_no)
            starts.append(moment)
            values.append(self._value(row.get(VALUE_COLUMN), line_no))
            naive = naive or was_naive
        if not starts:
            raise ProviderFailure(NAME, "empty", f"{self.label}: the file has a header but no rows.")
        if len(set(starts)) != len(starts):
            raise ProviderFailure(
                NAME, "bad-input", f"{self.label}: the same datetime appears twice; keep one row each."
            )
        notes = ["Datetimes without a UTC offset were taken as UTC."] if naive else []
        return build_series(
            zone=zone or "custom",
            provider=NAME,
            source=f"CSV file {self.label} ({self.kind}, user-supplied)",
            starts=starts,
            values_g_per_kwh=values,
            kinds=self.kind,
            notes=notes,
        )

    def _text(self) -> str:
        src = self._source
        try:
            if isinstance(src, str | pathlib.Path):
                raw: Any = pathlib.Path(src).read_bytes()
            elif isinstance(src, bytes):
                raw = src
            else:
                raw = src.read()
                if hasattr(src, "seek"):
                    src.seek(0)
        except OSError as exc:
            raise ProviderFailure(NAME, "bad-input", f"cannot read {self.label}: {exc.strerror or exc}.") from exc
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ProviderFailure(NAME, "bad-input", f"{self.label} is not UTF-8 text.") from exc
        return raw.lstrip("\ufeff")

    def _time(self, text: str | None, line_no: int) -> tuple[datetime, bool]:
        try:
            moment = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ProviderFailure(
                NAME, "bad-input", f"{self.label} line {line_no}: {text!r} is not an ISO 8601 datetime."
            ) from exc
        return to_utc(moment), moment.tzinfo is None

    def _value(self, text: str | None, line_no: int) -> float:
        try:
            value = float((text or "").strip())
        except ValueError as exc:
            raise ProviderFailure(
                NAME, "bad-input", f"{self.label} line {line_no}: carbon_intensity {text!r} is not a number."
            ) from exc
        if not math.isfinite(value) or value < 0:
            raise ProviderFailure(
                NAME, "bad-input", f"{self.label} line {line_no}: carbon_intensity {value} must be finite and >= 0."
            )
        return value
