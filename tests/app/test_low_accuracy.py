"""Data & model refuses a model that scores near chance on its original data (the pre-selected digits model
on uploaded letters), names the box that accepts it, and shows the accuracy measured on the data given."""

from __future__ import annotations

from tests.app.conftest import errors, fresh_app, goto, texts
from tests.letters_data import write_letters


def _upload(at, name: str, data: bytes):
    at.radio(key="orig_source").set_value("Upload (.zip / .npz)").run()
    at.file_uploader(key="orig_upload").set_value((name, data, "application/octet-stream")).run()
    return at


def test_letters_with_the_digits_model_are_refused_until_accepted(tmp_path):
    letters = write_letters(tmp_path, per_class=30).read_bytes()
    at = _upload(goto(fresh_app(), "pages/data_model.py"), "letters.npz", letters)
    at.button(key="apply_data").click().run()
    shown = errors(at)
    assert len(shown) == 1 and "scores 10% on a sample of 300 images" in shown[0]
    assert "the 'Use this model anyway' checkbox" in shown[0] and "--accept" not in shown[0]
    assert "data" not in at.session_state["results"]  # nothing loaded

    at.checkbox(key="accept_low_accuracy").check().run()
    assert not errors(at), errors(at)
    assert at.session_state["results"]["data"].accept_low_accuracy is True
    assert "accuracy 10.0% on a sample of 300 images of this original data" in texts(at)
    assert "on held-out original data" not in texts(at)

    at.run()  # a rerun without the refusal: the checkbox is gone, as in a browser
    at.button(key="apply_data").click().run()  # the same pair again: the acceptance holds
    assert not errors(at), errors(at)
    assert at.session_state["results"]["data"].accept_low_accuracy is True


def test_the_digits_show_the_accuracy_measured_on_them():
    at = goto(fresh_app(), "pages/data_model.py")
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    shown = texts(at)
    assert "of this original data; the checkpoint records" in shown
    assert "on held-out original data" not in shown
