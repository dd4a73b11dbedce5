"""Modules and functions stay small enough to read in one sitting.

No module under ``resque_core/``, ``ui/`` or ``pages/`` (nor ``app.py``) is over 300 lines, and no
function or method in them is over 60 lines, counted from its ``def`` (decorators excluded) to its
last line.
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def sources() -> list[pathlib.Path]:
    files = [p for folder in ("resque_core", "ui", "pages") for p in sorted((ROOT / folder).rglob("*.py"))]
    return files + [ROOT / "app.py"]


def shown(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def long_modules(paths: list[pathlib.Path], limit: int = MAX_MODULE_LINES) -> list[str]:
    """``"path: N lines"`` for every file over ``limit`` lines."""
    out = []
    for path in paths:
        lines = len(path.read_text().splitlines())
        if lines > limit:
            out.append(f"{shown(path)}: {lines} lines")
    return out


def long_functions(paths: list[pathlib.Path], limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``"path:line name: N lines"`` for every function or method over ``limit`` lines."""
    out = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    out.append(f"{shown(path)}:{node.lineno} {node.name}: {lines} lines")
    return out


def test_sources_are_found():
    paths = sources()
    assert ROOT / "resque_core" / "cli.py" in paths
    assert all(p.exists() for p in paths)


def test_no_module_is_over_300_lines():
    offenders = long_modules(sources())
    assert offenders == [], "modules over 300 lines:\n" + "\n".join(offenders)


def test_no_function_is_over_60_lines():
    offenders = long_functions(sources())
    assert offenders == [], "functions over 60 lines:\n" + "\n".join(offenders)


def test_the_checker_sees_a_long_module_and_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    path = tmp_path / "long.py"
    path.write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n    return x0\n")
    # ``long`` runs from its ``def`` to its ``return``: 62 lines; ``short`` is 2.
    assert long_functions([path], limit=60) == [f"{path}:5 long: 62 lines"]
    assert long_modules([path], limit=65) == [f"{path}: 66 lines"]
    assert long_modules([path], limit=66) == []
