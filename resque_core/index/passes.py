"""Where an index's embedding passes run: in this process (``LocalPasses``), or on Ray (``distributed.RayPasses``).

``dist.run_dist`` and ``task.run_task`` ask a passes object for per-class sums (``class_sums``) or every
embedding (``collect_embeddings``); both kinds answer with ``embed.py``'s results, so the index is computed
by the same functions whichever ran the passes. ``IndexRequest.executor`` picks one (``embedding_passes``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from resque_core.index.embed import ClassSums, Embeddings, class_sums, collect_embeddings
from resque_core.index.request import IndexRequest
from resque_core.model.loaded import LoadedModel

__all__ = ["LocalPasses", "embedding_passes"]


class LocalPasses:
    """Each pass in this process, batch after batch, on ``model`` (``embed.class_sums`` / ``collect_embeddings``)."""

    def __init__(self, model) -> None:
        self.model = model

    def class_sums(self, dataset, layer: str | None = None, **kw) -> ClassSums:
        return class_sums(self.model, dataset, layer, **kw)

    def collect_embeddings(self, dataset, layer: str | None = None, **kw) -> Embeddings:
        return collect_embeddings(self.model, dataset, layer, **kw)


@contextlib.contextmanager
def embedding_passes(request: IndexRequest, loaded: LoadedModel) -> Iterator:
    """The passes ``request.executor`` asks for; on Ray, joined (or started) here and left when the block ends."""
    if request.executor != "ray":  # "local"; ``prepare_index`` refuses any other
        yield LocalPasses(loaded.model)
        return
    from resque_core.index.distributed import RayPasses

    with RayPasses(request, loaded) as passes:
        yield passes
