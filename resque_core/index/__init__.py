"""The RESQUE indices: streamed embedding passes, RESQUE_dist and RESQUE_task, and the request-to-report pipeline.

``compute_index(IndexRequest(...))`` is the one entry point the CLI, the dashboard and the report use.
See docs/engine.md.
"""

from __future__ import annotations

from resque_core.index.class_check import ClassCheck, check_class_order
from resque_core.index.compute import compute_index
from resque_core.index.embed import class_sums, collect_embeddings, iter_embeddings, resolve_device
from resque_core.index.indices import resque_dist, resque_task
from resque_core.index.progress import Progress
from resque_core.index.projection import Projection
from resque_core.index.request import IndexRequest
from resque_core.index.result import IndexReport

__all__ = [
    "ClassCheck",
    "IndexReport",
    "IndexRequest",
    "Progress",
    "Projection",
    "check_class_order",
    "class_sums",
    "collect_embeddings",
    "compute_index",
    "iter_embeddings",
    "resolve_device",
    "resque_dist",
    "resque_task",
]
