"""Errors on the page: an engine error's message, or a short note with details; never a traceback."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script(kind: str) -> None:
    import streamlit as st

    from resque_core.errors import DataError
    from ui.errors import guard

    with guard("loading the data") as g:
        if kind == "engine":
            raise DataError("class '7' has no samples in the new dataset")
        raise ZeroDivisionError("division by zero")
    st.write(f"failed={g.failed}")


def test_engine_error_shows_its_message():
    at = AppTest.from_function(_script, args=("engine",)).run()
    assert [e.value for e in at.error] == ["Loading the data failed: class '7' has no samples in the new dataset"]
    assert not at.exception and not at.expander and at.markdown[0].value == "failed=True"


def test_unexpected_error_shows_a_note_and_details_but_no_traceback():
    at = AppTest.from_function(_script, args=("bug",)).run()
    assert "unexpected error" in at.error[0].value and not at.exception
    assert at.expander[0].label == "Details"
    assert at.code[0].value == "ZeroDivisionError: division by zero"
    assert "Traceback" not in at.code[0].value
