"""Every page renders without exception, on a fresh session and with the demo state."""

from __future__ import annotations

import pytest

from tests.app.conftest import PAGES, demo_app, errors, goto


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_a_fresh_session(app, page):
    goto(app, page)
    assert not app.exception, [e.value for e in app.exception]
    assert app.title, f"{page} shows no title"
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert "Pipeline" in sidebar and "Active scenario" in sidebar


def test_every_page_renders_with_the_demo_state():
    at = demo_app()
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert sidebar.count(":green[done]") == 5 and "demo: digits" in sidebar
    for page in PAGES[1:]:
        goto(at, page)
        assert not errors(at), (page, errors(at))
        assert at.title
