"""The Scenarios page's import reads an upload as ``report --scenarios`` reads a file: bounded, strict UTF-8."""

from __future__ import annotations

import pytest

from tests.app.conftest import errors, fresh_app, goto

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (DEEP, "the scenarios file nests deeper than 64 levels"),
        ('{"name": "a"}'.encode("utf-16"), "the scenarios file is not UTF-8 text (byte 0xff at offset 0)"),
    ],
    ids=["deep", "utf-16"],
)
def test_a_hostile_upload_is_one_error_naming_the_upload(content, said):
    at = goto(fresh_app(), "pages/scenarios.py")
    at.file_uploader(key="scenarios_upload").set_value(("s.json", content, "application/json")).run()
    at.button(key="import_scenarios").click().run()
    assert not at.exception and errors(at) == [
        f"Importing scenarios failed: the Scenarios file under Import scenarios: {said}"
    ]
    assert at.session_state["scenarios"] == {}
