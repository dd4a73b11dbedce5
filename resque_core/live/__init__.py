"""Live runs: a tracker for a team's own training loop, and what is left of a run to its target.

``track`` records each evaluation as it happens (``store``) and answers ``remaining``: the epochs left from the
curve so far and the prior together (``refiner``, learned from the library's curves replayed as if live:
``replay``, ``features``), costed at the run's own rates (``remaining``). How and why: ``docs/live.md``.
"""

from resque_core.live.prior import Prior, prior_of
from resque_core.live.remaining import Remaining, remaining_of
from resque_core.live.store import LiveRun, RunStore
from resque_core.live.tracker import Run, track

__all__ = ["LiveRun", "Prior", "Remaining", "Run", "RunStore", "prior_of", "remaining_of", "track"]
