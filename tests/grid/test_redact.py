"""An API key never reaches a message, and a short one does not cut the message's words to pieces."""

from __future__ import annotations

from resque_core.grid.http import redact


def test_a_real_key_is_replaced_wherever_it_stands():
    key = "k3yABCDEF0123456"
    text = f"GET https://api.example/v3?auth-token={key}&zone=DE failed; header auth-token: {key}"
    assert redact(text, key) == "GET https://api.example/v3?auth-token=***&zone=DE failed; header auth-token: ***"


def test_a_short_key_is_replaced_only_where_it_stands_alone():
    text = "MaxRetryError: token=a refused (a)"
    assert redact(text, "a") == "MaxRetryError: token=*** refused (***)"


def test_no_key_leaves_the_text():
    assert redact("nothing to hide", None) == "nothing to hide"
    assert redact("nothing to hide", "") == "nothing to hide"
