"""Records of several model families are never pooled silently.

A local store (``--records db``, the page's local store) collects every run this machine made: self-calibrations
and Validate runs of different models. ``family_runs`` keeps the runs of the user's model family when the
records hold some, and otherwise says in one line how many runs of which families the forecast pools. The
forecast command, the Validate command and the pages print that same line.
"""

from __future__ import annotations

from dataclasses import replace

from resque_core.forecast.family import ModelFamily, family_key
from resque_core.forecast.pipeline import Records

__all__ = ["family_runs"]

UNNAMED = "an unnamed model"


def family_runs(records: Records, family: ModelFamily | None) -> tuple[Records, str | None]:
    """``records`` cut to ``family``'s runs when they hold several families and some of ``family``'s, and a line
    saying what was kept or pooled (None: one family, nothing to say).

    "the local store holds 52 runs of 2 model families; this forecast uses the 12 of yours, resnet18 32x32x3"
    or "the local store pools 40 runs of SmallCNN 16x16x1 and 12 of resnet18 32x32x3 (none of your model's)".
    """
    frame = records.frame
    keys = family_key(frame).fillna(UNNAMED)
    counts = keys.value_counts()
    if len(counts) <= 1:
        return records, None
    mine = _key(family)
    if mine is not None and mine in counts.index:
        kept = frame[(keys == mine).to_numpy()].reset_index(drop=True)
        curves = records.curves
        if curves is not None and not curves.empty and "run_id" in kept:
            curves = curves[curves["run_id"].isin(kept["run_id"])].reset_index(drop=True)
        line = (
            f"the {records.source} holds {len(frame)} runs of {len(counts)} model families; this forecast uses the "
            f"{len(kept)} of yours, {mine}"
        )
        return replace(records, frame=kept, curves=curves), line
    pooled = " and ".join(f"{n} of {key}" if i else f"{n} runs of {key}" for i, (key, n) in enumerate(counts.items()))
    whose = " (none of your model's)" if family is not None else ""
    return records, f"the {records.source} pools {pooled}{whose}"


def _key(family: ModelFamily | None) -> str | None:
    return None if family is None else f"{family.arch} {family.input_size}"
