"""The three-click demo path in a real headless browser."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import new_page

pytestmark = pytest.mark.e2e


def test_landing_page_loads(browser, server_url):
    page = new_page(browser)
    page.goto(server_url)
    page.get_by_role("heading", name="home").wait_for(timeout=30_000)
    assert "Pipeline" in page.locator("[data-testid=stSidebar]").inner_text()
    page.context.close()
