"""A scenarios file is read within bounds (size, depth, strict UTF-8), by the CLI and the Scenarios page alike."""

from __future__ import annotations

import json
import os

import pytest

from resque_core.errors import ReportError
from resque_core.reporting.bounded_json import MAX_BYTES, MAX_DEPTH, loads_bounded
from resque_core.reporting.scenario import load_scenarios, scenarios_from_json, scenarios_to_json
from tests.commands.in_process import run_main
from tests.report_fixtures import make_scenario

DEEP = b"[" * 100_000 + b"]" * 100_000


def nested(depth: int) -> str:
    """A scenario whose inputs hold lists nested so that the whole document is ``depth`` deep."""
    return json.dumps([{"name": "a", "inputs": {"x": json.loads("[" * (depth - 3) + "]" * (depth - 3))}}])


def report(capsys, path) -> tuple[int, str, str]:
    return run_main(capsys, "report", "--scenarios", str(path), "--csv", os.devnull)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (DEEP, "--scenarios: the scenarios file nests deeper than 64 levels"),
        (b'{"name": "caf\xe9"}', "--scenarios: the scenarios file is not UTF-8 text (byte 0xe9 at offset 13)"),
        ('{"name": "a"}'.encode("utf-16"), "--scenarios: the scenarios file is not UTF-8 text (byte 0xff at offset 0)"),
        (b" " * (MAX_BYTES + 1), "--scenarios: the scenarios file is larger than 16 MiB"),
    ],
    ids=["deep", "latin-1", "utf-16", "large"],
)
def test_report_refuses_the_file_in_one_line(capsys, tmp_path, content, message):
    path = tmp_path / "s.json"
    path.write_bytes(content)
    code, out, err = report(capsys, path)
    assert (code, out, err) == (2, "", f"error: {message}\n")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_report_reads_an_endless_file_only_up_to_the_limit(capsys):
    code, out, err = report(capsys, "/dev/zero")
    assert (code, out, err) == (2, "", "error: --scenarios: the scenarios file is larger than 16 MiB\n")


def test_the_page_path_decodes_an_upload_the_same_way():
    """The Scenarios page hands ``scenarios_from_json`` the upload's bytes: the same checks as the CLI's file."""
    with pytest.raises(ReportError, match="nests deeper than 64") as deep:
        scenarios_from_json(DEEP)
    assert deep.value.setting == "scenarios"
    with pytest.raises(ReportError, match="not UTF-8 text"):
        scenarios_from_json(scenarios_to_json([make_scenario()]).encode("utf-16"))
    good = scenarios_to_json([make_scenario("a"), make_scenario("b")]).encode()
    assert [s.name for s in scenarios_from_json(good)] == ["a", "b"]


def test_depth_is_counted_exactly():
    assert scenarios_from_json(nested(MAX_DEPTH))[0].inputs["x"] is not None
    with pytest.raises(ReportError, match="nests deeper than 64"):
        scenarios_from_json(nested(MAX_DEPTH + 1))
    assert loads_bounded("[[1]]", "file", "x", max_depth=2) == [[1]]
    with pytest.raises(ReportError, match="deeper than 1 levels"):
        loads_bounded('{"a": {}}', "file", "x", max_depth=1)


def test_a_file_at_the_limit_still_loads(tmp_path):
    text = scenarios_to_json([make_scenario()])
    path = tmp_path / "s.json"
    path.write_text(text + " " * (MAX_BYTES - len(text.encode())))
    assert os.path.getsize(path) == MAX_BYTES and load_scenarios(path)[0].name == make_scenario().name
