"""The CLI run in the test's own process, as ``python -m resque_core`` runs it, so that imports and the
process's caches are shared between tests (a subprocess pays both each time).

A few tests still run the real ``python -m resque_core`` for its exit code and stderr.
"""

from __future__ import annotations


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    """``main(argv)``: (exit code, stdout, stderr); argparse's exits are returned like the others."""
    from resque_core.cli import main

    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err
