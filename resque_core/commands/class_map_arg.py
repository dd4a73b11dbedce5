"""``--class-map``: the model output of each class of a folder or zip whose (alphabetical) classes are not
in the model's order. Shared by ``index``, ``calibrate`` and ``forecast --probe``, which relabel the data
the same way (``resque_core.index.class_check``)."""

from __future__ import annotations

import argparse

__all__ = ["add_class_map_argument"]


def add_class_map_argument(p: argparse.ArgumentParser | argparse._ArgumentGroup, data_flag: str) -> None:
    """Add ``--class-map`` for the data given with ``data_flag`` (e.g. "--original")."""
    p.add_argument(
        "--class-map",
        metavar="auto|NAME=OUTPUT,...",
        help=f"the model output of each class of {data_flag} when its classes (a folder's or zip's are "
        "alphabetical) are not in the model's order: 'auto' accepts the mapping the check proposes, or "
        "give it, e.g. 'cat=3,dog=5'",
    )
