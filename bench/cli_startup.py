"""Benchmark: how long the CLI takes before it does any work, and what it imports.

It measures, each as the best of ``--repeats`` fresh processes (the least disturbed run, as ``timeit``
does: on a shared machine the median mostly measures the neighbours):

- ``python -c pass`` (the interpreter alone) and ``python -c "import torch"`` (the floor of any command
  that embeds or trains);
- ``python -m resque_core --help`` and ``python -m resque_core index --help``, and which heavy modules
  (torch, torchvision, pandas, scipy, sklearn, codecarbon, plotly, streamlit) each one imported;
- ``python -m resque_core index --json`` on the default (digits, the shipped model): its wall time, its
  in-process time (the same ``main(["index", "--json"])`` timed inside one process after a first call
  has imported everything and warmed the caches: the work itself) and the difference, what starting a
  process costs this command (target <= 1.5 s), split into the imports and the first call's extra
  (the first ``main`` call in a process whose imports are done, less a warm call);
- the ten top-level packages whose imports cost most in that ``index`` run (``python -X importtime``:
  self times summed per top-level package).

    .venv/bin/python bench/cli_startup.py [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parents[1]
HEAVY = ("torch", "torchvision", "pandas", "scipy", "sklearn", "codecarbon", "plotly", "streamlit")
# Runs the CLI as ``python -m resque_core ARGS`` does, then prints the heavy modules it imported.
WRAPPER = (
    "import atexit, json, runpy, sys\n"
    "heavy = {heavy!r}\n"
    "report = lambda: print('IMPORTED', json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)\n"
    "atexit.register(report)\n"
    "sys.argv = ['resque_core', *{argv!r}]\n"
    "runpy.run_module('resque_core', run_name='__main__', alter_sys=True)\n"
)
IN_PROCESS = (
    "import contextlib, io, json, time\n"
    "start = time.perf_counter()\n"
    "import torch, tqdm\n"
    "import resque_core.commands.index, resque_core.index.compute\n"
    "from resque_core.cli import main\n"
    "imports = time.perf_counter() - start\n"
    "runs = []\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    for _ in range({repeats} + 1):\n"
    "        start = time.perf_counter(); main(['index', '--json']); runs.append(time.perf_counter() - start)\n"
    "print(json.dumps({{'imports': imports, 'first': runs[0], 'warm': min(runs[1:])}}))\n"
)


def run(args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return elapsed, done


def best_wall(args: list[str], repeats: int) -> float:
    return min(run(args)[0] for _ in range(repeats))


def imported_by(argv: list[str]) -> list[str]:
    """The heavy modules ``python -m resque_core ARGV`` imports (``--help`` exits 0 through argparse)."""
    _, done = run(["-c", WRAPPER.format(heavy=HEAVY, argv=argv)])
    line = next(x for x in done.stderr.splitlines() if x.startswith("IMPORTED"))
    return json.loads(line.removeprefix("IMPORTED "))


def import_costs(argv: list[str], top: int = 10) -> list[tuple[str, float]]:
    """Self import time summed per top-level package, largest first, in seconds (``-X importtime``)."""
    _, done = run(["-X", "importtime", "-m", "resque_core", *argv])
    per_package: dict[str, float] = defaultdict(float)
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        per_package[name.split(".")[0]] += int(self_us) / 1e6
    return sorted(per_package.items(), key=lambda kv: -kv[1])[:top]


def measure(repeats: int) -> dict:
    python_s = best_wall(["-c", "pass"], repeats)
    torch_s = best_wall(["-c", "import torch"], repeats)
    help_s = best_wall(["-m", "resque_core", "--help"], repeats)
    index_help_s = best_wall(["-m", "resque_core", "index", "--help"], repeats)
    index_wall_s = best_wall(["-m", "resque_core", "index", "--json"], repeats)
    inside = min(
        (
            json.loads(run(["-c", IN_PROCESS.format(repeats=repeats)])[1].stdout.strip().splitlines()[-1])
            for _ in range(2)
        ),
        key=lambda r: r["imports"] + r["first"],
    )
    in_process_s = inside["warm"]
    return {
        "python_s": round(python_s, 3),
        "import_torch_s": round(torch_s, 3),
        "help_s": round(help_s, 3),
        "index_help_s": round(index_help_s, 3),
        "help_imports": imported_by(["--help"]),
        "index_help_imports": imported_by(["index", "--help"]),
        "index_wall_s": round(index_wall_s, 3),
        "index_in_process_s": round(in_process_s, 3),
        "index_overhead_s": round(index_wall_s - in_process_s, 3),
        "index_imports_s": round(inside["imports"], 3),
        "index_first_call_extra_s": round(inside["first"] - inside["warm"], 3),
        "index_imports": imported_by(["index", "--json"]),
        "top_imports_s": [(name, round(s, 3)) for name, s in import_costs(["index", "--json"])],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CLI start-up: --help time, index wall vs in-process, imports")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per figure (median)")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args(argv)
    r = measure(args.repeats)
    none = "nothing heavy"
    print(f"python -c pass                  {r['python_s']:6.2f} s")
    print(f"python -c 'import torch'        {r['import_torch_s']:6.2f} s")
    print(f"resque_core --help              {r['help_s']:6.2f} s   imports {r['help_imports'] or none}")
    print(f"resque_core index --help        {r['index_help_s']:6.2f} s   imports {r['index_help_imports'] or none}")
    print(
        f"resque_core index (default)     {r['index_wall_s']:6.2f} s wall, {r['index_in_process_s']:.2f} s in "
        f"process: {r['index_overhead_s']:.2f} s to start (target <= 1.5 s); imports {r['index_imports']}"
    )
    print(f"  of which: imports {r['index_imports_s']:.2f} s, first call's extra {r['index_first_call_extra_s']:.2f} s")
    costs = ", ".join(f"{name} {s:.2f} s" for name, s in r["top_imports_s"])
    print(f"top imports of index (self time per package): {costs}")
    if args.json:
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
