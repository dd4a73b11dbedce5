"""Package-wide guarantees: no Streamlit in the engine, nothing heavy at import time."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_engine_never_imports_streamlit():
    offenders = []
    for path in (ROOT / "resque_core").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_import_loads_no_streamlit_and_no_torch_work():
    code = "import sys, resque_core, resque_core.cli; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_cli_help_lists_commands():
    out = subprocess.run(
        [sys.executable, "-m", "resque_core", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "RESQUE" in out.stdout


def test_every_public_name_resolves():
    import resque_core

    missing = [name for name in resque_core.__all__ if getattr(resque_core, name, None) is None]
    assert missing == []
    assert callable(resque_core.compute_index) and callable(resque_core.Forecaster)


def test_usage_errors_are_one_line_on_stderr():
    for argv in (["index", "--bogus"], [], ["schedule", "--duration"]):
        out = subprocess.run([sys.executable, "-m", "resque_core", *argv], capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 2, argv
        assert out.stderr.startswith("error: ") and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_shipped_assets_are_package_data():
    """``pip install .`` ships every asset: each matches a package-data pattern and is found by ``asset_path``."""
    import fnmatch
    import tomllib

    from resque_core.assets import asset_path

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = [p for p in (ROOT / "resque_core" / "assets").iterdir() if p.suffix != ".py" and p.is_file()]
    assert len(shipped) >= 6
    for path in shipped:
        assert any(fnmatch.fnmatch(path.name, pat) for pat in patterns["resque_core.assets"]), path.name
        assert asset_path(path.name) == path
