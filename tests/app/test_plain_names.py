"""Names reach the page as plain text: no Markdown, no Streamlit directive (``:red[x]``, ``:blue-background[x]``),
no autolink (``www.x``), and no server path in any message (a damaged image in a zip is named inside the zip)."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile

import numpy as np
from PIL import Image

from tests.app.conftest import errors, fresh_app, goto, texts
from ui.plain_text import WORD_JOINER
from ui.uploads import upload_root

HOSTILE = ":red[RED] :blue-background[BG] www.e.vil x.npz"
# Where Streamlit's renderer would start a directive (an unescaped ":" before a letter), or where GitHub's autolink
# literal finds a link in the text after parsing (escapes are gone by then): "www.", "://", "a@b".
DIRECTIVE = re.compile(r"(?<!\\):[A-Za-z]")
AUTOLINK = re.compile(r"www\\?\.|:\\?//|@\w", re.IGNORECASE)


def _shown(source: str) -> str:
    """The text Markdown source renders as: backslash escapes undone, the invisible word joiner dropped."""
    return re.sub(r"\\(.)", r"\1", source).replace(WORD_JOINER, "")


def _as_text(source: str) -> None:
    assert not DIRECTIVE.search(source) and not AUTOLINK.search(source), source


def _npz() -> bytes:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    np.savez(buf, x=rng.random((40, 8, 8)).astype("float32"), y=np.repeat(np.arange(10), 4))
    return buf.getvalue()


def _upload(name: str, data: bytes):
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="orig_source").set_value("Upload (.zip / .npz)").run()
    at.file_uploader(key="orig_upload").set_value((name, data, "application/octet-stream")).run()
    at.button(key="apply_data").click().run()
    return at


def test_a_file_named_with_directives_and_a_link_is_shown_as_typed():
    at = _upload(HOSTILE, _npz())
    assert not errors(at), errors(at)
    at = goto(goto(at, "pages/index.py"), "pages/data_model.py")
    (in_use,) = [c.value for c in at.caption if c.value.startswith("In use: ")]
    assert _shown(in_use) == f"In use: {HOSTILE}, uploaded earlier in this session. Upload a file to change it."
    _as_text(in_use)


def test_a_damaged_file_named_so_is_named_as_typed_in_the_error():
    (shown,) = errors(_upload(HOSTILE, b"\x93NUMPY not an archive"))
    assert _shown(shown).startswith(f"Loading the data failed: {HOSTILE}: is not a readable .npz file")
    _as_text(shown)


def _png(value: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((8, 8), value, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_a_zip_with_a_damaged_image_names_it_inside_the_zip_and_its_classes_as_text():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k in range(4):
            zf.writestr(f"data/:red[A]/{k}.png", _png(10 + k))
            zf.writestr(f"data/c2/{k}.png", _png(200 - k))
        zf.writestr("data/c2/bad.png", b"not a png")
    at = _upload("upload.zip", buf.getvalue())
    assert not errors(at), errors(at)
    (note,) = [w.value for w in at.warning if w.value.startswith("Original data: ")]
    assert _shown(note) == (
        "Original data: skipped c2/bad.png: cannot be read as an image "
        "(UnidentifiedImageError: cannot identify image file 'c2/bad.png')"
    )
    everything = texts(at)
    for server_path in (tempfile.gettempdir(), str(upload_root()), "resque-zip-"):
        assert server_path not in everything
    original_samples = at.get("image")[0]
    captions = original_samples.captions
    assert [_shown(c) for c in captions] == [":red[A]"] * 2 + ["c2"] * 2
    for caption in captions:
        _as_text(caption)
