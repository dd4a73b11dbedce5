"""The user's own architecture: ``"my_model.py:ClassName"``, imported from the file (runs its code).

Only with ``trust``: importing a Python file executes it, exactly like unpickling a full model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import pathlib
import sys

from torch import nn

from resque_core.errors import CheckpointError

__all__ = ["build_from_file", "load_class"]


def load_class(spec: str, trust: bool) -> type[nn.Module]:
    """The ``nn.Module`` class named by ``"path/to/file.py:ClassName"``.

    Raises:
        CheckpointError: ``trust`` is off, the spec is malformed, the file or class is missing, or the
            file fails to import.
    """
    if not trust:
        raise CheckpointError(
            f"the model file {spec!r} is Python code that runs when it is imported; it was not run. "
            "Allow it only if you trust the file",
            setting="trust",
            value=True,
        )
    file, sep, class_name = spec.rpartition(":")
    if not sep or not file or not class_name:
        raise CheckpointError(f"model file {spec!r} must be 'path/to/file.py:ClassName'", setting="model_file")
    path = pathlib.Path(file).expanduser()
    if not path.is_file():
        raise CheckpointError(f"model file {file!r} does not exist", setting="model_file")
    name = "resque_user_model_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, path))
    sys.modules[name] = module  # dataclasses and pickling look their module up here
    try:
        module.__spec__.loader.exec_module(module)
    except Exception as exc:  # the user's code can raise anything
        sys.modules.pop(name, None)
        raise CheckpointError(f"model file {file!r} failed to import: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        found = sorted(n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, nn.Module))
        raise CheckpointError(
            f"model file {file!r} has no nn.Module class {class_name!r} (it has: {', '.join(found) or 'none'})",
            setting="model_file",
        )
    return cls


def build_from_file(spec: str, trust: bool, num_classes: int | None) -> nn.Module:
    """An untrained instance of the file's class: ``Class()``, or ``Class(num_classes=N)`` when N is given."""
    cls = load_class(spec, trust)
    try:
        return cls(num_classes=num_classes) if num_classes else cls()
    except Exception as exc:  # the user's constructor can raise anything
        args = f"num_classes={num_classes}" if num_classes else ""
        raise CheckpointError(
            f"{cls.__name__}({args}) failed: {type(exc).__name__}: {exc}", setting="model_file"
        ) from exc
