"""Two browser sessions against one served dashboard: each session's uploads sit in a folder of its own that
the other cannot see, a file name with Markdown, directives and a link is shown as text, and once a session
closes no file of its upload is left anywhere (the extracted copy of its zip included)."""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _require_browser, dashboard_server, new_page
from tests.zip_fixtures import digits_zip_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("browser")]
STEP_TIMEOUT_MS = 120_000  # a ceiling per step on a loaded 2-core machine; each wait ends when its text shows
GONE_TIMEOUT_S = 60  # the folder goes when the websocket closes: well within this on a busy machine
# A browser never sends "/" in a file name.
MARKDOWN_NAME = ":red[RED] :blue-background[BG] www.e.vil [x](http:e.vil) **b** `c`.npz"
MARKUP = "a, strong, em, code, .stMarkdownColoredText, .stMarkdownColoredBackground"  # what a name must not become
WORD_JOINER = "\u2060"  # invisible; breaks autolinks
STALE = "left-by-a-killed-server"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, upload root) of a dashboard serving uploads from a private folder, server paths off.

    The upload root starts with a folder a killed server left two days ago: the server removes it. The
    server's temp folder (``TMPDIR``) is private, so what is left there is this test's.
    """
    _require_browser()
    root = tmp_path_factory.mktemp("served")
    stale = root / "uploads" / STALE / "0123abcd"
    stale.mkdir(parents=True)
    (stale / "old.npz").write_bytes(b"old")
    two_days_ago = time.time() - 48 * 3600
    for path in (stale, stale.parent):
        os.utime(path, (two_days_ago, two_days_ago))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESQUE_UPLOAD_DIR", str(root / "uploads"))
        mp.delenv("RESQUE_SERVER_PATHS", raising=False)
        (root / "tmp").mkdir()
        mp.setenv("TMPDIR", str(root / "tmp"))
        with dashboard_server(root / "server.log") as url:
            yield url, root / "uploads"


@pytest.fixture(scope="module")
def chromium(served, browser):
    """The session's browser: one Playwright per process (a second sync_playwright inside the first's loop fails)."""
    return browser


def _folders(root) -> dict[str, list[str]]:
    """Each session folder under the upload root, with the names of the files in it."""
    if not root.is_dir():
        return {}
    return {f.name: sorted(p.name for p in f.rglob("*") if p.is_file()) for f in root.iterdir()}


def _wait_until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout_s} s")
        time.sleep(0.2)


def _data_page(browser, url: str):
    page = new_page(browser)
    page.goto(url)
    page.get_by_role("link", name="Data & model").first.click()
    page.get_by_text("Source of the original data").wait_for(timeout=STEP_TIMEOUT_MS)
    return page


def _upload_original_and_apply(page, path) -> None:
    page.get_by_text("Upload (.zip / .npz)", exact=True).first.click()
    uploader = page.locator("[data-testid=stFileUploaderDropzoneInput]")
    expect(uploader).to_have_count(1, timeout=STEP_TIMEOUT_MS)
    uploader.first.set_input_files(str(path))
    chip = page.locator("[data-testid=stFileChipName]").first  # a long name is cut short; its title is whole
    expect(chip).to_have_attribute("title", path.name, timeout=STEP_TIMEOUT_MS)
    page.get_by_role("button", name="Use this data and model").click()
    page.get_by_text("Data and model loaded").or_(page.locator("[data-testid=stAlertContentError]")).first.wait_for(
        timeout=STEP_TIMEOUT_MS
    )


def _digits_zip(path) -> None:
    path.write_bytes(digits_zip_bytes(4, size_px=8, seed=0))


def test_two_sessions_keep_their_uploads_apart_and_each_is_removed_when_it_closes(served, chromium, tmp_path):
    url, root = served
    temp = root.parent / "tmp"
    mine, odd = tmp_path / "first-session.zip", tmp_path / MARKDOWN_NAME
    _digits_zip(mine)
    odd.write_bytes(b"\x93NUMPY not an archive")

    first = _data_page(chromium, url)
    assert STALE not in _folders(root)  # removed by the first run of the first session
    _upload_original_and_apply(first, mine)
    expect(first.get_by_text("Data and model loaded")).to_be_visible()
    (first_folder,) = _folders(root)
    first_files = _folders(root)[first_folder]
    assert "first-session.zip" in first_files and len(first_files) == 1 + 40  # the zip and its extracted copy
    assert list(temp.glob("resque-zip-*")) == []  # nothing of it in the server's temp folder

    second = _data_page(chromium, url)
    _upload_original_and_apply(second, odd)
    alert = second.locator("[data-testid=stAlertContentError]").first
    expect(alert).to_contain_text("is not a readable .npz file")
    shown = alert.inner_text().replace(WORD_JOINER, "")
    assert f"Loading the data failed: {MARKDOWN_NAME}: is not a readable .npz file" in shown
    assert alert.locator(MARKUP).count() == 0  # no link, colour, bold or code: the name as typed
    assert str(root) not in shown
    folders = _folders(root)
    (second_folder,) = set(folders) - {first_folder}
    assert folders == {first_folder: first_files, second_folder: [MARKDOWN_NAME]}
    assert "first-session" not in second.content()
    second.get_by_text("Server path", exact=True).first.click()
    expect(second.get_by_text("Paths on the server are off.").first).to_be_visible(timeout=STEP_TIMEOUT_MS)

    first.context.close()
    _wait_until(lambda: first_folder not in _folders(root), GONE_TIMEOUT_S, "the closed session's folder is gone")
    assert list(_folders(root)) == [second_folder]  # the open session keeps its upload
    second.context.close()
    _wait_until(lambda: not _folders(root), GONE_TIMEOUT_S, "the last session's folder is gone")
    assert list(temp.glob("resque-zip-*")) == []  # no copy left in the temp folder either


def test_a_clean_stop_of_the_server_leaves_no_copy_of_an_open_sessions_zip(chromium, tmp_path, monkeypatch):
    """Stopping the server (SIGTERM, as ``make run``'s Ctrl-C or a service manager does) ends every session."""
    uploads, temp = tmp_path / "uploads", tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("RESQUE_UPLOAD_DIR", str(uploads))
    monkeypatch.setenv("TMPDIR", str(temp))
    _digits_zip(tmp_path / "open-session.zip")
    with dashboard_server(tmp_path / "server.log") as url:
        page = _data_page(chromium, url)
        _upload_original_and_apply(page, tmp_path / "open-session.zip")
        expect(page.get_by_text("Data and model loaded")).to_be_visible()
        assert len(list(uploads.rglob("*.png"))) == 40  # extracted inside the session's folder
    assert _folders(uploads) == {} and list(temp.glob("resque-zip-*")) == []
    page.context.close()
