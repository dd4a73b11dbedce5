"""End-to-end harness: ``streamlit run app.py`` on a free local port, driven by Debian's chromium.

Never downloads a browser. Without /usr/bin/chromium the tests skip, unless RESQUE_REQUIRE_BROWSER=1
(CI sets it), in which case they fail.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = pathlib.Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH_PX, HEIGHT_PX = 1280, 900
START_TIMEOUT_S = 60
DEMO_TIMEOUT_MS = 120_000
SETTLE_TIMEOUT_MS = 30_000  # a ceiling for text already on its way, not a pause: each wait ends when its text shows
STAGES = 5  # data, model, index, forecast, schedule
# Screenshots go to out/ (ignored by git); RESQUE_UPDATE_SCREENSHOTS=1 refreshes the ones in docs/.
SHOTS = ROOT / ("docs" if os.environ.get("RESQUE_UPDATE_SCREENSHOTS") == "1" else "out") / "screenshots"


def require_file(path: pathlib.Path, how: str) -> None:
    """Skip the test when ``path`` is absent (``how``: what installs it), or fail under RESQUE_REQUIRE_BROWSER=1."""
    if path.exists():
        return
    reason = f"{path} is absent: {how}"
    if os.environ.get("RESQUE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (RESQUE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def _require_browser() -> None:
    require_file(CHROMIUM, "install Debian's chromium (apt-get install -y chromium) to run the e2e tests")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit was not healthy within {START_TIMEOUT_S} s")


@contextlib.contextmanager
def dashboard_server(log_path: pathlib.Path) -> Iterator[str]:
    """A fresh ``streamlit run app.py`` on a free local port; yields its base URL once healthy."""
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RESQUE_DB": str(log_path.parent / "records.sqlite")}  # not the user's
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> pathlib.Path:
    """Where the session's dashboard server writes its output (a test reads what it added: ``log_since``)."""
    return tmp_path_factory.mktemp("streamlit") / "server.log"


@pytest.fixture(scope="session")
def server_url(server_log):
    """Base URL of a dashboard server started for this test session."""
    _require_browser()
    with dashboard_server(server_log) as url:
        yield url


def log_since(log_path: pathlib.Path, offset: int) -> str:
    """What the server wrote to its log after byte ``offset`` (take ``log_path.stat().st_size`` first)."""
    with log_path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", errors="replace")


# the script run has ended (no element faded as stale, no running widget) and every element is drawn (a
# widget whose code the browser is still loading shows a skeleton)
SETTLED_JS = """() => !document.querySelector(`[data-stale="true"], [data-testid=stStatusWidget],
  [data-testid=stSkeleton], [data-testid=stSkeletonElement], [data-testid=stAppSkeleton]`)"""


def settled(page) -> None:
    """Wait until the app has finished its script run and drawn every element."""
    page.wait_for_function(SETTLED_JS, timeout=SETTLE_TIMEOUT_MS)


def go_to(page, title: str) -> None:
    """Choose a page in the sidebar (the session stays: no reload) and wait for its title and its run to end."""
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, level=1).wait_for(timeout=SETTLE_TIMEOUT_MS)
    settled(page)


@contextlib.contextmanager
def launched_chromium():
    """The system's headless Chromium under Playwright, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def browser(server_url):
    with launched_chromium() as chromium:
        yield chromium


def new_page(browser, color_scheme: str = "light"):
    """A 1280-px-wide page in the given theme, downloads allowed."""
    context = browser.new_context(
        viewport={"width": WIDTH_PX, "height": HEIGHT_PX}, color_scheme=color_scheme, accept_downloads=True
    )
    return context.new_page()


def metrics_on(page) -> dict[str, str]:
    """Label -> value of every metric on the page."""
    out = {}
    for card in page.locator("[data-testid=stMetric]").all():
        label = card.locator("[data-testid=stMetricLabel]").inner_text().strip()
        out[label] = card.locator("[data-testid=stMetricValue]").inner_text().strip()
    return out


def run_demo_in(page, server_url: str) -> dict[str, str]:
    """Open the dashboard, click "Run the demo", wait for all five stages done; the metrics shown."""
    page.goto(server_url)
    page.get_by_role("button", name="Run the demo").click()  # click 1
    error = page.locator("[data-testid=stAlertContentError]")
    page.get_by_text("Best start").or_(error).first.wait_for(timeout=DEMO_TIMEOUT_MS)
    if error.count():
        pytest.fail(f"the demo failed on the page: {error.first.inner_text()}")
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text("done", exact=True)).to_have_count(STAGES, timeout=SETTLE_TIMEOUT_MS)
    page.get_by_text("RESQUE_dist", exact=True).wait_for(timeout=SETTLE_TIMEOUT_MS)  # the last tiles drawn
    settled(page)
    return metrics_on(page)


def elsewhere(url: str) -> bool:
    """Whether a request goes to another host than the local dashboard (data:, blob: and file: stay here)."""
    from urllib.parse import urlparse

    parts = urlparse(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in ("127.0.0.1", "localhost")
