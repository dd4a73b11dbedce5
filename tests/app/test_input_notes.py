"""The Index page says when the new images were resized to the model's input (32x32 digits, 16x16 model)."""

from __future__ import annotations

import io

import numpy as np

from tests.app.conftest import errors, fresh_app, goto, texts
from tests.class_order_data import digit_pixels


def test_new_images_of_another_size_are_said_resized():
    x, y = digit_pixels(per_class=20)
    buffer = io.BytesIO()
    np.savez(buffer, x=np.kron(x, np.ones((1, 4, 4), dtype=np.uint8)), y=y)
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="new_mode").set_value("Another dataset").run()
    at.radio(key="new_source").set_value("Upload (.zip / .npz)").run()
    at.file_uploader(key="new_upload").set_value(("big.npz", buffer.getvalue(), "application/octet-stream")).run()
    at.button(key="apply_data").click().run()
    goto(at, "pages/index.py").button(key="compute_index").click().run()
    assert not errors(at), errors(at)
    assert "the new images are 32x32 (the original ones 8x8): resized to the model's input 16x16" in texts(at)
