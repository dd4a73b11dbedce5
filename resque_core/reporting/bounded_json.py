"""JSON from a user's file, within bounds: at most 16 MiB read, strict UTF-8, nested at most 64 deep.

A scenarios file comes from anyone (a CLI path, a dashboard upload), so reading it must not run
away: ``/dev/zero`` is read up to the limit and no further, bytes that are not UTF-8 are refused
rather than guessed, and a document nested 100,000 deep is refused before it can exhaust the stack.
Each failure is one ``ReportError`` naming the setting that fixes it (``{setting}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from resque_core.errors import ReportError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "loads_bounded", "read_bounded"]

MAX_BYTES = 16 * 2**20  # a scenario is a few kB; a file of thousands fits
MAX_DEPTH = 64  # a scenario nests about 5 deep


def read_bounded(path: str | Path, what: str, setting: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, read up to ``max_bytes`` + 1 so that a larger (or endless) file is refused."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ReportError(f"cannot read {what} {str(path)!r}: {exc.strerror or exc}") from exc
    _check_size(len(data), what, setting, max_bytes)
    return data


def loads_bounded(
    data: bytes | str, what: str, setting: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """The JSON document in ``data`` (bytes are decoded as strict UTF-8), within the size and depth bounds."""
    if isinstance(data, bytes | bytearray):
        _check_size(len(data), what, setting, max_bytes)
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            where = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
            raise ReportError(f"{{setting}}: the {what} is not UTF-8 text ({where})", setting=setting) from exc
    else:
        _check_size(len(data), what, setting, max_bytes)
        text = data
    too_deep = ReportError(f"{{setting}}: the {what} nests deeper than {max_depth} levels", setting=setting)
    try:
        doc = json.loads(text)
    except RecursionError as exc:  # far deeper than the limit: the parser ran out of stack first
        raise too_deep from exc
    except ValueError as exc:
        raise ReportError(f"the {what} is not valid JSON: {exc}") from exc
    if _depth_exceeds(doc, max_depth):
        raise too_deep
    return doc


def _check_size(size: int, what: str, setting: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise ReportError(f"{{setting}}: the {what} is larger than {max_bytes / 2**20:g} MiB", setting=setting)


def _depth_exceeds(doc: Any, max_depth: int) -> bool:
    """Whether ``doc`` holds containers nested deeper than ``max_depth`` (walked without recursion)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
