"""No test waits more than 2 minutes for anything: every timeout written in tests/ is at most 120 s.

A journey that would need longer gets a smaller workload (a count budget, smaller images, a lower epoch
cap), not a longer wait. Seconds and Playwright's milliseconds are told apart by size (>= 1000 is ms).
"""

from __future__ import annotations

import pathlib
import re

TESTS = pathlib.Path(__file__).resolve().parent
MOST_S = 120
WAIT = re.compile(
    r"(?:timeout(?:_s)?\s*=\s*|TIMEOUT_(?:S|MS)\s*=\s*|deadline_s: float = |\.join\()(\d[\d_]*(?:\.\d+)?)"
)


def _seconds(number: str) -> float:
    value = float(number.replace("_", ""))
    return value / 1000 if value >= 1000 else value


def test_no_wait_is_longer_than_two_minutes():
    long = [
        f"{path.relative_to(TESTS)}:{n}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != pathlib.Path(__file__).resolve()  # its own examples
        for n, line in enumerate(path.read_text().splitlines(), 1)
        for number in WAIT.findall(line)
        if _seconds(number) > MOST_S
    ]
    assert long == []


def test_the_pattern_sees_seconds_and_milliseconds():
    assert [_seconds(n) for n in WAIT.findall("run(timeout=900) wait_for(timeout=240_000) thread.join(600)")] == [
        900,
        240,
        600,
    ]
