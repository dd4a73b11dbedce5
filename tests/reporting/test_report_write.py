"""``report`` over an existing report on a full disk keeps the earlier page whole and says why in one line.

It used to print an ``OSError`` traceback and leave a truncated page (or a 0-byte one for a new file).
"""

from __future__ import annotations

import os

from resque_core.reporting.scenario import scenarios_to_json
from tests.commands.in_process import run_main
from tests.full_disk import full_disk
from tests.report_fixtures import make_scenario

OLD_PAGE = b"<!DOCTYPE html><html><body>last week's report</body></html>"


def test_report_html_on_a_full_disk_keeps_the_earlier_page(tmp_path, capsys, monkeypatch):
    source = tmp_path / "s.json"
    source.write_text(scenarios_to_json([make_scenario()]))
    disk = tmp_path / "disk"
    with full_disk(disk, {"report.html": OLD_PAGE}, monkeypatch):
        before = sorted(os.listdir(disk))
        code, out, err = run_main(capsys, "report", "--scenarios", str(source), "--html", str(disk / "report.html"))
        new_code, _, new_err = run_main(capsys, "report", "--scenarios", str(source), "--csv", str(disk / "new.csv"))
        after = sorted(os.listdir(disk))
        assert (disk / "report.html").read_bytes() == OLD_PAGE
    assert (code, out, after) == (2, "", before)  # no partial page, no temporary file, no new.csv
    assert err == (
        f"error: cannot write {disk / 'report.html'}: no space left on device; the earlier file is unchanged: "
        "free some space or choose another path with --html\n"
    )
    assert new_code == 2 and new_err == (
        f"error: cannot write {disk / 'new.csv'}: no space left on device; nothing was written: "
        "free some space or choose another path with --csv\n"
    )
