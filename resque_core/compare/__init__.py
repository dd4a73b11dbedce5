"""Which model to update: candidate checkpoints and training from scratch compared on the same new data, each
costed to the team's target on one hardware profile (``compare_candidates``)."""

from resque_core.compare.assess import compare_candidates
from resque_core.compare.candidates import Candidate, CompareSettings, candidates_from, parse_candidate
from resque_core.compare.options import Comparison, Option

__all__ = [
    "Candidate",
    "CompareSettings",
    "Comparison",
    "Option",
    "candidates_from",
    "compare_candidates",
    "parse_candidate",
]
