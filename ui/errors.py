"""Show errors on the page: an engine error's own message, never a traceback.

``ResqueError`` messages are written for users, so they are shown as they are, except that they
often name the user's file: the text is shown literally (``ui.plain_text.literal``: a file name is
never read as Markdown) and a server path is cut to the file's own name (``redact``). Anything else
is a bug: the page shows a short message and an expander with the exception type and text (the full
traceback goes to the server log, not the page).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import TracebackType

import streamlit as st

from resque_core.errors import CheckpointError, ResqueError
from ui.plain_text import plain, redact

log = logging.getLogger(__name__)

# The page control that changes each engine setting an error names (``ResqueError.setting``): the
# page names its control where the CLI names its flag.
CONTROLS = {
    "arch": "pick the architecture under Checkpoint > Architecture",
    "num_classes": "set Checkpoint > Number of classes",
    "stem": "choose Checkpoint > Stem",
    "input_spec": "set the input spec under Checkpoint > Input spec (size, channels, mean/std)",
    "trust": "switch on Checkpoint > Trust this file",
    "model_file": "set Checkpoint > Model file (path.py:ClassName)",
    "class_map": "the 'Apply this class mapping' button (Data & model page)",
    "kind": "the 'It has new classes (task shift)' switch under New data: Another dataset",
    "new": "New data: 'Another dataset'",
    "scenarios": "the Scenarios file under Import scenarios",
    "accept_low_accuracy": "the 'Use this model anyway' checkbox (Data & model page)",
}


def error_text(exc: ResqueError, controls: Mapping[str, str] | None = None) -> str:
    """An engine error's message, naming the page's control where the CLI would name its flag (``controls``: a
    page's own names for some settings, over ``CONTROLS``)."""
    control = {**CONTROLS, **(controls or {})}.get(getattr(exc, "setting", None) or "")
    if isinstance(exc, CheckpointError) and exc.setting is not None:
        value = exc.value if exc.value is not None and exc.setting not in ("trust", "input_spec") else None
        return f"{exc.message}: {control or exc.setting}" + (f" ({value})" if value is not None else "")
    return exc.hint(control)


def show_error(exc: BaseException, action: str, controls: Mapping[str, str] | None = None) -> None:
    """Render ``exc`` raised while doing ``action`` (e.g. "computing the index")."""
    if isinstance(exc, ResqueError):
        st.error(f"{_capitalise(action)} failed: {plain(error_text(exc, controls))}", icon=":material/error:")
        return
    log.exception("unexpected error while %s", action, exc_info=exc)
    st.error(
        f"{_capitalise(action)} failed with an unexpected error. The previous results are kept; "
        "the details below help report it.",
        icon=":material/bug_report:",
    )
    with st.expander("Details"):
        st.code(redact(f"{type(exc).__name__}: {exc}"), language=None)


class guard:  # noqa: N801 - used like a function: ``with guard("loading data") as g:``
    """Context manager that shows any exception with ``show_error`` and swallows it.

    After the block, ``failed`` says whether it raised, so the caller keeps the previous state.
    Streamlit's own control flow (``st.rerun``, ``st.stop``) derives from ``BaseException`` and
    passes through untouched. ``controls``: the page's own names for some settings (``error_text``).
    """

    def __init__(self, action: str, controls: Mapping[str, str] | None = None):
        self.action, self.controls = action, controls
        self.failed = False
        self.error: Exception | None = None

    def __enter__(self) -> guard:
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        self.failed, self.error = True, exc
        show_error(exc, self.action, self.controls)
        return True


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
