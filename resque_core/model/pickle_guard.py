"""Reading a PyTorch file without letting it run code, unless the caller trusts it.

``torch.load(weights_only=True)`` refuses every Python class. When it fails, the file's pickle is
inspected (never executed) to tell a foreign or corrupt file apart from one holding pickled objects;
the latter is only unpickled with ``trust=True``, because unpickling can execute arbitrary code.
"""

from __future__ import annotations

import logging
import pathlib
import pickletools
import warnings
import zipfile
from typing import Any

import torch

from resque_core.errors import CheckpointError

log = logging.getLogger(__name__)

_SHOW = 5  # how many imported names a refusal names


def guarded_load(path: pathlib.Path, trust: bool) -> Any:
    """The object in a ``torch.save`` file, unpickling Python objects only when ``trust`` is True.

    Raises:
        CheckpointError: the file is not a PyTorch file, holds pickled objects and ``trust`` is
            False, or cannot be unpickled even with trust.
    """
    try:
        with warnings.catch_warnings():  # "unusual pickle protocol" noise on foreign files
            warnings.simplefilter("ignore", UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for foreign files
        found = pickle_globals(path)
        if not found:
            raise CheckpointError(f"{path.name} is not a PyTorch checkpoint: {describe_bytes(path)}") from exc
        if not trust:
            raise CheckpointError(
                f"{path.name} contains pickled Python objects ({', '.join(found[:_SHOW])}); loading them can run "
                "arbitrary code, so it was refused. Allow it only if you trust where the file comes from, or "
                "re-save it as a state_dict",
                setting="trust",
                value=True,
            ) from exc
    log.warning("unpickling %s with trust=True: this can execute code from the file", path)
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise CheckpointError(f"{path.name} could not be unpickled even with trust: {exc}") from exc


def pickle_globals(path: pathlib.Path) -> list[str]:
    """Names of the Python objects a pickle would import, found without executing it."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                pkl = next((n for n in zf.namelist() if n.endswith("data.pkl")), None)
                data = zf.read(pkl) if pkl else b""
        else:
            data = path.read_bytes()
        found, strings, pos = [], [], 0
        while pos < len(data):  # legacy torch files hold several pickles back to back
            for op, arg, at in pickletools.genops(data[pos:]):
                if op.name == "GLOBAL":
                    found.append(str(arg).replace(" ", "."))
                elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                    found.append(f"{strings[-2]}.{strings[-1]}")
                elif isinstance(arg, str):
                    strings.append(arg)
                if op.name == "STOP":
                    pos += at + 1
                    break
            else:
                break
    except Exception:  # not a pickle at all
        return []
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda g: g.startswith(("torch.", "collections.")))  # foreign names first


def describe_bytes(path: pathlib.Path) -> str:
    """What a file that is not a PyTorch checkpoint looks like, for an error message."""
    if zipfile.is_zipfile(path):
        return "it is a zip archive without a PyTorch model in it"
    with path.open("rb") as f:
        head = f.read(64)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return f"unrecognised binary content (first bytes {head[:8].hex()})"
    return f"it looks like a text file starting with {text[:30]!r}"
