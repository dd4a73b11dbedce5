"""kWh and seconds of one retraining epoch, probed on the data a retraining runs over.

A retraining epoch runs over the new part of the (original, new) pair (``data.build_pair``), the data
Validate retrains on; the Forecast page's and the ``forecast --probe`` command's "kWh per epoch" are
both this probe, so they mean the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resque_core.retraining.probe import ProbeResult, probe

__all__ = ["probe_epoch"]


def probe_epoch(
    loaded: Any, pair: Any, steps: int = 20, progress: Callable[[int, int], None] | None = None
) -> ProbeResult:
    """The probe of ``loaded`` (a ``LoadedModel``) training on ``pair.new``, preprocessed as the model expects.

    ``progress`` is called with (rounds done, most rounds).
    """
    from resque_core.data import Preprocessed

    return probe(loaded.model, Preprocessed(pair.new, loaded.input_spec), steps=steps, progress=progress)
