"""The engine's import structure: no cycles, and imports run one way, from the CLI down to the data.

Every ``import`` is read from the source (module level, inside functions and under ``TYPE_CHECKING``
alike), so a cycle cannot hide in a function body.
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "resque_core"

# Lowest first. A module may import its own package and any lower layer, never a higher one or a
# sibling on its own layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("units", "jsonable", "assets", "atomic_write"),
    ("data", "grid"),
    ("model",),
    ("index", "energy"),
    ("retraining",),
    ("forecast",),
    ("live",),
    ("calibration",),
    ("compare",),
    ("reporting",),
    ("commands",),
    ("cli",),
    ("__main__", ""),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
FORBIDDEN = ("streamlit", "ui", "pages")


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, pathlib.Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: pathlib.Path, name: str, known: set[str]) -> set[str]:
    """Every module ``name`` imports (absolute or relative; submodules named in ``from X import sub``)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: {m for m in imported(path, name, known) if m in known and m != name} for name, path in mods.items()}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def upward(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for src, targets in sorted(edges.items()):
        for dst in sorted(targets):
            a, b = layer_of(src), layer_of(dst)
            if a != b and RANK[b] >= RANK[a]:
                bad.append(f"{src} -> {dst}")
    return bad


def test_every_engine_module_has_a_layer():
    assert sorted({layer_of(m) for m in modules()} - set(RANK)) == []


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_imports_run_down_the_layers():
    assert upward(graph()) == []


def test_the_forecast_never_imports_retraining():
    """Costing takes its meters, probe results and hardware profiles from ``energy``, not from retraining."""
    offenders = [
        f"{src} -> {dst}"
        for src, targets in sorted(graph().items())
        if layer_of(src) == "forecast"
        for dst in sorted(targets)
        if layer_of(dst) == "retraining"
    ]
    assert offenders == []


def test_the_engine_never_imports_the_dashboard():
    mods = modules()
    offenders = [
        f"{name} imports {m}"
        for name, path in mods.items()
        for m in imported(path, name, set(mods))
        if m.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_pages_go_through_the_actions():
    """Pages call ``ui.actions`` (or the core): never the cache, the record store, or a fit of their own."""
    offenders = []
    for path in sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]:
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {f"{node.module}.{a.name}" for a in node.names} | {node.module}
                if names & {"ui.cache", "resque_core.forecast.records", "resque_core.forecast.forecaster"}:
                    offenders.append(f"{path.name} imports {node.module}")
        offenders += [f"{path.name} uses {word}" for word in ("RecordStore", ".fit(", "Forecaster") if word in text]
    assert offenders == []


def test_few_modules_at_the_top_level():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 8, top


def test_the_checker_sees_a_cycle_and_an_upward_import():
    edges = {"resque_core.data.a": {"resque_core.index.b"}, "resque_core.index.b": {"resque_core.data.a"}}
    assert cycles(edges) == [["resque_core.data.a", "resque_core.index.b"]]
    assert upward(edges) == ["resque_core.data.a -> resque_core.index.b"]


if __name__ == "__main__":
    g = graph()
    print("cycles:", cycles(g))
    print("upward:", *upward(g), sep="\n  ")
