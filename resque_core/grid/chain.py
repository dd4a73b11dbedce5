"""Ask providers in the order the user allowed; keep each failure's reason; answer with the first success."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from resque_core.errors import ProviderError
from resque_core.grid.base import IntensityProvider, IntensitySeries, ProviderFailure

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """One provider tried: ``reason`` is None on success, else the failure's one-word reason."""

    provider: str
    reason: str | None
    message: str


@dataclass(frozen=True)
class ChainAnswer:
    """The series that was found, and every attempt made on the way (failures first)."""

    series: IntensitySeries
    attempts: tuple[Attempt, ...]

    @property
    def failures(self) -> tuple[Attempt, ...]:
        """The attempts that failed."""
        return tuple(a for a in self.attempts if a.reason is not None)


class FallbackChain:
    """A provider that tries several in order; its series' notes say which ones failed and why.

    Args:
        providers: The providers the user allowed, most preferred first.
    """

    name = "chain"

    def __init__(self, providers: Sequence[IntensityProvider]) -> None:
        if not providers:
            raise ProviderFailure("chain", "bad-input", "no provider allowed: pick at least one.")
        self.providers = tuple(providers)

    def __repr__(self) -> str:
        return f"FallbackChain({', '.join(repr(p) for p in self.providers)})"

    def fetch(self, zone: str, start: datetime, end: datetime) -> ChainAnswer:
        """The first provider's answer that succeeds, with the failures before it.

        Raises:
            ProviderFailure: Every provider failed; the message lists each reason.
        """
        attempts: list[Attempt] = []
        for provider in self.providers:
            try:
                series = provider.intensity(zone, start, end)
            except ProviderError as exc:
                reason = getattr(exc, "reason", "error")
                # Said once, by the caller: the error when none answers, the series' notes when one does.
                logger.debug("%s failed (%s): %s", provider.name, reason, exc)
                attempts.append(Attempt(provider.name, reason, str(exc)))
                if len(self.providers) == 1:
                    raise
                continue
            attempts.append(Attempt(provider.name, None, series.source))
            return ChainAnswer(series, tuple(attempts))
        summary = " | ".join(f"{a.provider}: {a.message}" for a in attempts)
        raise ProviderFailure("chain", attempts[-1].reason or "error", f"no provider could answer. {summary}")

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The first successful series, its notes extended with the failures before it."""
        answer = self.fetch(zone, start, end)
        if not answer.failures:
            return answer.series
        skipped = tuple(f"Fell back from {a.provider} ({a.reason}): {a.message}" for a in answer.failures)
        series = answer.series
        return replace(series, notes=(*skipped, *series.notes))
