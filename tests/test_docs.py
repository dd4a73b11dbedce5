"""The docs name only what exists: every repository path, code name and CLI flag they quote.

Checked files: README.md, docs/*.md and bench/RESULTS.md (the current figures; bench/ARCHIVE.md is a
dated record of what was true then, so it is not checked). What is checked, in backticked inline code
(and, for paths, flags and imports, in fenced code blocks too):

- **Paths**: a whitespace-separated token is a repository path when its first part is a top-level entry
  of the repository (``resque_core/``, ``ui/``, ``pages/``, ``tests/``, ``bench/``, ``scripts/``,
  ``docs/``, ``.ci/``, ``.streamlit/``, ``app.py``, ``Makefile``...), or when it is a ``.py`` file whose
  first part is a subpackage of ``resque_core`` (``commands/forecast.py`` is short for
  ``resque_core/commands/forecast.py``). It must exist. Anything else (``data/old.zip``, ``model.pt``,
  ``my_model.py``, URLs) is a placeholder and is not checked; so are the few files a user creates, in
  ``USER_FILES``.
- **Names**: a CamelCase name of two or more humps (``ForecastSettings``) must be a class, function or
  assignment somewhere in resque_core/, ui/, pages/, unless it is another library's (``EXTERNAL``). A
  dotted name whose first part is ``resque_core``, ``ui``, ``pages``, a subpackage or module of them
  (``forecast.costing.build_costing``, ``checkpoint.load_checkpoint``), or one of our classes
  (``Forecaster.curve``) must resolve, by reading the source (no import): modules, then a top-level
  name, then a class member. ``function()`` (a bare name with parentheses) must be a function or
  method defined in our code, or a Python builtin. Variables the docs name like a module
  (``model.named_modules()``) are listed in ``NOT_OURS``.
- **Imports** in fenced ``python`` blocks (``from resque_core.x import a, b``) must resolve the same way.
- **CLI flags**: in a ``python -m resque_core COMMAND ...`` line (inline or fenced) or an inline span
  starting with a command name (``calibrate --family all``), every ``--flag`` must be one of that
  command's options; a flag quoted on its own (``--class-map auto``) must be an option of some command.
  The parser is built in-process (``resque_core.cli.build_parser``: no torch, no subprocess).

A failure lists every miss as ``FILE:LINE: kind `text` (why)``.

Two more checks keep figures from drifting: docs/data.md describes, and bench/RESULTS.md measures, every
shift type of ``SHIFT_TYPES``; and the forecast-fidelity figures of bench/RESULTS.md (the default
calibration's Spearman, coverage and MAE above all, rounded or not) appear in no other doc's prose.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODE_ROOTS = ("resque_core", "ui", "pages")
CHECKED_DOCS = ("README.md", "docs/*.md", "bench/RESULTS.md")

# Files a user or an operator creates; the docs name them, the repository does not ship them.
USER_FILES = {".streamlit/secrets.toml"}
# Other libraries' names that look like ours (CamelCase, or a call).
EXTERNAL = {
    "AppTest",  # Streamlit's
    "CarbonIntensityAPI",  # the Electricity Maps SDK's
    "ZonesResponse",
    "history",
}
# Dotted spans whose first part is a variable named like one of our modules, not the module.
NOT_OURS = {"model.named_modules"}

FILE_EXTENSIONS = {"py", "md", "csv", "json", "toml", "txt", "pt", "png", "sqlite", "npz", "zip", "gz", "html"}
# Flags of other programs the docs quote on their own (a browser's).
EXTERNAL_FLAGS = {"--headless", "--no-sandbox"}

_TOP = {p.name for p in ROOT.iterdir() if not p.name.startswith(".git") and p.name not in {".venv", "__pycache__"}}
_SUBPACKAGES = {p.name for p in (ROOT / "resque_core").iterdir() if (p / "__init__.py").exists()}
_FENCE = re.compile(r"^(\s*)(```+|~~~+)(.*)$")
_INLINE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_CAMEL = re.compile(r"^_?[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:[./][A-Za-z_]\w*)+$")
_CALL = re.compile(r"^([a-z_][a-z0-9_]*)\(.*\)$", re.S)
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


@dataclass(frozen=True)
class Span:
    """One piece of code quoted in a doc: its text, where it is, and whether it sits in a fenced block."""

    doc: str
    line: int
    text: str
    fenced: bool
    lang: str = ""


def doc_files() -> list[Path]:
    return sorted({p for pattern in CHECKED_DOCS for p in ROOT.glob(pattern)})


def spans(path: Path) -> list[Span]:
    """Inline code spans (outside fences) and the lines of fenced blocks, with 1-based line numbers."""
    rel = str(path.relative_to(ROOT))
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Span] = []
    prose: list[tuple[int, str]] = []
    fence, lang = None, ""
    for number, line in enumerate(lines, 1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, lang = match.group(2), match.group(3).strip().lower()
        elif fence is not None and match and match.group(2).startswith(fence[0] * len(fence)):
            fence = None
        elif fence is not None:
            found.append(Span(rel, number, line, True, lang))
        else:
            prose.append((number, line))
    text = "\n".join(line for _, line in prose)
    starts = [0]
    for _, line in prose:
        starts.append(starts[-1] + len(line) + 1)
    for match in _INLINE.finditer(text):
        index = sum(1 for start in starts[1:] if start <= match.start())
        found.append(Span(rel, prose[index][0], match.group(2).strip(), False))
    return found


# --- the code, read by its source ---------------------------------------------------------------


@dataclass
class Module:
    names: set[str]
    classes: dict[str, ast.ClassDef]


@cache
def modules() -> dict[str, Module]:
    """Every module under resque_core/, ui/, pages/ by dotted name, with its top-level names and classes."""
    found: dict[str, Module] = {}
    for root in CODE_ROOTS:
        for file in sorted((ROOT / root).rglob("*.py")):
            parts = list(file.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            tree = ast.parse(file.read_text(encoding="utf-8"))
            classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
            found[".".join(parts)] = Module(_top_names(tree), classes)
    return found


def _top_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names | _lazy_names(tree)


def _lazy_names(tree: ast.Module) -> set[str]:
    """The names ``__all__`` lists (a package may import them lazily): strings, and the keys of a ``*DICT``."""
    dicts = {
        t.id: {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            for item in getattr(node.value, "elts", []):
                if isinstance(item, ast.Constant):
                    names.add(item.value)
                elif isinstance(item, ast.Starred) and isinstance(item.value, ast.Name):
                    names |= dicts.get(item.value.id, set())
    return names


@cache
def classes() -> dict[str, list[ast.ClassDef]]:
    found: dict[str, list[ast.ClassDef]] = {}
    for module in modules().values():
        for name, node in module.classes.items():
            found.setdefault(name, []).append(node)
    return found


@cache
def functions() -> set[str]:
    """Every function and method name defined in our code."""
    names: set[str] = set()
    for root in CODE_ROOTS:
        for file in (ROOT / root).rglob("*.py"):
            tree = ast.parse(file.read_text(encoding="utf-8"))
            names.update(n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
    return names


@cache
def top_level_names() -> set[str]:
    return {name for module in modules().values() for name in module.names}


def class_has(name: str, member: str, seen: frozenset[str] = frozenset()) -> bool:
    """Whether one of our classes called NAME (or a base class of ours) defines MEMBER."""
    for node in classes().get(name, []):
        if member in _self_attributes(node):
            return True
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and item.name == member:
                return True
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id == member:
                return True
            if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == member for t in item.targets):
                return True
        for base in node.bases:
            base_name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
            if base_name and base_name not in seen and class_has(base_name, member, seen | {name}):
                return True
    return False


def _self_attributes(node: ast.ClassDef) -> set[str]:
    """The attributes a class's methods set on ``self``."""
    return {
        target.attr
        for item in ast.walk(node)
        if isinstance(item, ast.Assign | ast.AnnAssign)
        for target in (item.targets if isinstance(item, ast.Assign) else [item.target])
        for target in (target.elts if isinstance(target, ast.Tuple) else [target])
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
    }


def module_candidates(first: str) -> list[str]:
    """The modules a dotted name's first part may mean: ours by full name, by subpackage, or by last part."""
    if first in CODE_ROOTS:
        return [first]
    if first in _SUBPACKAGES or f"resque_core.{first}" in modules():
        return [f"resque_core.{first}"]
    return sorted(name for name in modules() if name.endswith(f".{first}"))


def resolve(dotted: str) -> str | None:
    """None when DOTTED names something in our code, else why not."""
    parts = dotted.replace("/", ".").split(".")
    if parts[0] in classes():
        return None if class_has(parts[0], parts[1]) else f"{parts[0]} has no member {parts[1]}"
    reasons = []
    for start in module_candidates(parts[0]):
        reason = _resolve_in(start, parts[1:])
        if reason is None:
            return None
        reasons.append(reason)
    return reasons[0] if reasons else "not found"


def _resolve_in(module: str, rest: list[str]) -> str | None:
    while rest and f"{module}.{rest[0]}" in modules():
        module, rest = f"{module}.{rest[0]}", rest[1:]
    if not rest:
        return None
    if rest[0] not in modules()[module].names:
        return f"{module} has no {rest[0]}"
    if len(rest) > 1 and rest[0] in classes() and not class_has(rest[0], rest[1]):
        return f"{module}.{rest[0]} has no member {rest[1]}"
    return None


def _is_python(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def is_ours(dotted: str) -> bool:
    """Whether a dotted name claims to be in our code (so the test checks it)."""
    first = re.split(r"[./]", dotted)[0]
    if dotted in NOT_OURS or first in EXTERNAL:
        return False
    return first in CODE_ROOTS or first in _SUBPACKAGES or bool(module_candidates(first)) or first in classes()


# --- the checks ---------------------------------------------------------------------------------


def path_problem(token: str) -> str | None:
    """Why TOKEN, if it is a repository path, does not exist (None when it is fine or not a path)."""
    token = token.strip("`'\"(),;:").split("#")[0].split("::")[0]
    if "://" in token or "<" in token or "*" in token or "..." in token or not token:
        return None
    first = token.split("/")[0]
    if "/" not in token and token not in _TOP:
        return None
    if first in _TOP and first not in _SUBPACKAGES:
        target = ROOT / token
    elif first in _SUBPACKAGES and token.endswith(".py"):
        target = ROOT / "resque_core" / token
    else:
        return None
    if token.rstrip("/") in USER_FILES or target.exists():
        return None
    module, _, attr = target.name.partition(".")
    source = target.with_name(f"{module}.py")
    if attr.isidentifier() and source.exists():  # `bench/own_model.make_images`: a name in a file
        if attr in _top_names(ast.parse(source.read_text(encoding="utf-8"))):
            return None
        return f"{source.relative_to(ROOT)} has no {attr}"
    return f"no such file or folder: {target.relative_to(ROOT)}"


def name_problem(text: str) -> tuple[str, str] | None:
    """(kind, why) when the inline span TEXT names code that does not exist."""
    if " " in text.strip() or "/" in text:  # a command, or a path (`ui/errors.page_message`: path_problem)
        return None
    bare = re.sub(r"\[.*?\]$", "", text.strip())
    call = _CALL.match(bare)
    if call and _is_python(bare):
        name = call.group(1)
        if name in functions() or name in top_level_names() or hasattr(builtins, name) or name in EXTERNAL:
            return None
        return "function", f"no function {name} in {', '.join(CODE_ROOTS)}"
    bare = re.sub(r"\(.*\)$", "", bare, flags=re.S)
    if _CAMEL.match(bare):
        if bare in EXTERNAL or bare in top_level_names() or bare in classes():
            return None
        return "name", f"{bare} is defined nowhere in {', '.join(CODE_ROOTS)}"
    if _DOTTED.match(bare) and not set(bare.split(".")[1:]) & FILE_EXTENSIONS:
        if not is_ours(bare):
            return None
        reason = resolve(bare)
        return None if reason is None else ("name", reason)
    return None


@cache
def command_flags() -> dict[str, set[str]]:
    from resque_core.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    top = set(parser._option_string_actions)
    return {name: set(sub._option_string_actions) | top for name, sub in commands.choices.items()}


@cache
def script_flags(script: str) -> set[str]:
    """The ``--flags`` a script in bench/ or scripts/ spells out (its argparse options)."""
    path = ROOT / script
    if not path.exists():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and str(n.value).startswith("--")}


@cache
def every_script_flag() -> set[str]:
    return {flag for root in ("bench", "scripts") for p in (ROOT / root).glob("*.py") for flag in script_flags(str(p))}


def flag_problems(span: Span) -> list[str]:
    """The flags in SPAN that its command or script (or, for a lone flag, every one of them) lacks."""
    flags = command_flags()
    script = re.search(r"python\s+((?:bench|scripts)/\w+\.py)\b(.*)", span.text)
    if script:
        known = script_flags(script.group(1)) | {"--help"}
        return [f"{script.group(1)} has no option {f}" for f in _FLAG.findall(script.group(2)) if f not in known]
    match = re.search(r"(?:resque_core|^resque)\s+([a-z]+)\b(.*)", span.text)
    if match is None and not span.fenced:
        match = re.match(r"^([a-z]+)\s+(--.*)", span.text)
    if match and match.group(1) in flags:
        command, rest = match.group(1), match.group(2)
        return [f"{command} has no option {flag}" for flag in _FLAG.findall(rest) if flag not in flags[command]]
    if not span.fenced and span.text.startswith("--"):
        flag = _FLAG.match(span.text)
        known = set().union(*flags.values()) | every_script_flag() | EXTERNAL_FLAGS
        if flag and flag.group(1) not in known:
            return [f"no command has the option {flag.group(1)}"]
    return []


def import_problems(span: Span) -> list[str]:
    """Names a fenced python line imports from our code that do not exist."""
    try:
        tree = ast.parse(span.text.strip())
    except SyntaxError:
        return []
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in CODE_ROOTS:
            for alias in node.names:
                reason = resolve(f"{node.module}.{alias.name}")
                if reason:
                    problems.append(reason)
    return problems


def problems() -> list[str]:
    """Every miss, as ``FILE:LINE: kind `text` (why)``, in file and line order."""
    found: list[tuple[str, int, str]] = []
    for path in doc_files():
        for span in spans(path):
            where = f"{span.doc}:{span.line}:"
            for token in span.text.split():
                if span.fenced and span.lang not in {"", "bash", "sh", "shell", "console"}:
                    break
                reason = path_problem(token)
                if reason:
                    found.append((span.doc, span.line, f"{where} path `{token}` ({reason})"))
            named = None if span.fenced else name_problem(span.text)
            if named:
                found.append((span.doc, span.line, f"{where} {named[0]} `{span.text}` ({named[1]})"))
            if span.fenced and span.lang == "python":
                found += [(span.doc, span.line, f"{where} import ({why})") for why in import_problems(span)]
            quoted = span.text.strip()
            found += [(span.doc, span.line, f"{where} flag ({why}) in `{quoted}`") for why in flag_problems(span)]
    return [message for *_, message in sorted(found)]


def test_docs_name_only_what_exists():
    missing = problems()
    if missing:
        pytest.fail(f"{len(missing)} things the docs name do not exist:\n" + "\n".join(missing), pytrace=False)


def shift_types() -> list[str]:
    """``SHIFT_TYPES`` as resque_core/data/shift_spec.py spells it (read, not imported: no torch)."""
    tree = ast.parse((ROOT / "resque_core/data/shift_spec.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "SHIFT_TYPES")
    return [item.value for item in node.value.elts]


def table_rows(path: str) -> set[str]:
    """The first cell of every table row in a doc, without backticks."""
    text = (ROOT / path).read_text(encoding="utf-8")
    return {line.split("|")[1].strip().strip("`") for line in text.splitlines() if line.startswith("|")}


def test_every_shift_type_is_described_and_measured():
    """docs/data.md describes every shift type, and bench/RESULTS.md gives the default model's index for each."""
    types = shift_types()
    assert types
    for doc in ("docs/data.md", "bench/RESULTS.md"):
        missing = [name for name in types if name not in table_rows(doc)]
        assert not missing, f"{doc} has no table row for the shift types {missing} (resque_core/data/shift_spec.py)"


# Numbers of the forecast-fidelity section that are also settings elsewhere (scratch_frac 0.97, a severity 0.03).
SETTINGS_NOT_FIGURES = {"0.97", "0.03"}
_FIGURE = re.compile(r"(?<![\w.\-/])(\d+\.\d+%?|\d+%)(?![\w.])")


def fidelity_figures() -> set[str]:
    """The figures of RESULTS.md's "Forecast fidelity" section, and those of its default calibration in the
    roundings a doc would quote them in (0.706 as 0.71, 3.48 as 3.5, 75.8% as 76%; not a round 80%)."""
    results = (ROOT / "bench/RESULTS.md").read_text(encoding="utf-8")
    section = results[results.index("## Forecast fidelity") :]
    section = section[: section.index("\n## ", 1)]
    shipped = section[section.index("### Each shipped source") :]
    default = next(line for line in shipped.splitlines() if line.startswith("| default calibration"))
    figures = set()
    for figure in _FIGURE.findall(section):
        number, percent = figure.rstrip("%"), figure.endswith("%")
        decimals = len(number.partition(".")[2])
        if decimals < 2 and not (percent and decimals):
            continue
        figures.add(figure)
        if figure not in default:
            continue
        if percent and round(float(number)) % 5:
            figures.add(f"{round(float(number))}%")
        elif not percent and decimals == 3 and float(number) < 1:
            figures.add(f"{float(number):.2f}")
        elif not percent and decimals == 2 and float(number) >= 1:
            figures.add(f"{float(number):.1f}")
    return figures - SETTINGS_NOT_FIGURES


def test_forecast_figures_are_quoted_once():
    """The forecast-fidelity figures (the default calibration's Spearman, coverage, MAE...) live in
    bench/RESULTS.md only: README.md and docs/ link to them instead of repeating them, even rounded.
    Prose only: code and command examples are not figures."""
    figures = fidelity_figures()
    repeated = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        fenced = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            fenced ^= bool(_FENCE.match(line))
            prose = "" if fenced else _INLINE.sub("", line)
            repeated += [
                f"{path.relative_to(ROOT)}:{number}: {figure} (link to bench/RESULTS.md instead)"
                for figure in _FIGURE.findall(prose)
                if figure in figures
            ]
    assert not repeated, "\n".join(repeated)


def test_the_checker_finds_what_is_missing():
    """The rules catch a stale path, class, dotted name, call and flag, and let placeholders pass."""
    assert path_problem("resque_core/retraining/no_such.py")
    assert path_problem("commands/no_such.py")
    assert path_problem("data/old.zip") is None and path_problem("model.pt") is None
    assert path_problem("resque_core/index/compute.py") is None and path_problem("app.py") is None
    assert name_problem("NoSuchChoice") and name_problem("ForecastSettings") is None
    assert name_problem("forecast.costing.no_such") and name_problem("forecast.costing.build_costing") is None
    assert name_problem("Forecaster.no_such") and name_problem("Forecaster.fit") is None
    assert name_problem("no_such_function()") and name_problem("compute_index()") is None
    assert name_problem("model.named_modules()") is None  # a variable named like a module: NOT_OURS
    assert flag_problems(Span("x", 1, "python -m resque_core forecast --no-such 1", True))
    assert not flag_problems(Span("x", 1, "python -m resque_core forecast --index 0.1", True))
    assert flag_problems(Span("x", 1, "--no-such-flag", False))
