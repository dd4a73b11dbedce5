"""Every page renders on a fresh session without an exception and shows its title."""

from __future__ import annotations

import pytest

from tests.app.conftest import PAGES, goto


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_a_fresh_session(app, page):
    goto(app, page)
    assert not app.exception, [e.value for e in app.exception]
    assert app.title, f"{page} shows no title"
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert "Pipeline" in sidebar and "Active scenario" in sidebar
