"""The calibration history names a page's inputs by their file names, never by the server path they were read from."""

from __future__ import annotations

from ui.plain_text import file_name


def test_an_upload_is_recorded_by_its_file_name_not_its_session_folder(tmp_path):
    upload = tmp_path / "resque-uploads" / "0f3a9c" / "b77e" / "letters model.pt"
    assert file_name(upload) == "letters model.pt"
    assert file_name(str(upload)) == "letters model.pt"


def test_a_built_in_choice_keeps_its_name():
    assert file_name("default") == "default"
    assert file_name("digits") == "digits"
