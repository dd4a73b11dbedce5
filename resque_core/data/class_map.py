"""A class map written as text: which model output each of the data's classes is (``"cat=3,dog=5"``).

The same text is the CLI's ``--class-map`` and what the dashboard stores once the user confirms a
mapping, so both relabel the data (``views.Relabeled``) the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from resque_core.errors import DataError

__all__ = ["format_class_map", "parse_class_map"]


def parse_class_map(text: str) -> dict[str, int]:
    """``"cat=3,dog=5"`` -> ``{"cat": 3, "dog": 5}``.

    Raises:
        DataError: an entry that is not ``NAME=OUTPUT`` with a non-negative integer output, or a name
            given twice.
    """
    mapping: dict[str, int] = {}
    for entry in (e.strip() for e in text.split(",")):
        name, sep, output = entry.rpartition("=")
        if not sep or not name.strip() or not output.strip().isdigit():
            raise DataError(
                f"class map entry {entry!r} is not NAME=OUTPUT (the model's output number), e.g. 'cat=3,dog=5'",
                setting="class_map",
            )
        if name.strip() in mapping:
            raise DataError(f"class {name.strip()!r} is named twice in the class map", setting="class_map")
        mapping[name.strip()] = int(output)
    return mapping


def format_class_map(mapping: Mapping[str, int]) -> str:
    """``{"cat": 3, "dog": 5}`` -> ``"cat=3,dog=5"`` (the inverse of ``parse_class_map``)."""
    return ",".join(f"{name}={int(output)}" for name, output in mapping.items())
