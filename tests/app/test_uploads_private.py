"""Uploads are private to their session and removed when it ends; server paths only where the operator allows;
user-provided names are shown as text, never as Markdown, and never with the server's folders."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import numpy as np
import torch

from resque_core.model.source import ModelSource
from tests.app.conftest import demo_app, errors, fresh_app, goto, texts
from ui.plain_text import WORD_JOINER, literal, redact
from ui.restore import model_widgets
from ui.uploads import remove_stale, upload_root

MARKDOWN_NAME = "[x](http://e.vil) **b** `c`.npz"
ASSETS = Path(__file__).resolve().parents[2] / "resque_core" / "assets"


def _npz(seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    np.savez(buf, x=rng.random((40, 8, 8)).astype("float32"), y=np.repeat(np.arange(10), 4))
    return buf.getvalue()


def _data_page():
    return goto(fresh_app(), "pages/data_model.py")


def _upload(at, prefix: str, name: str, data: bytes):
    at.radio(key=f"{prefix}_source").set_value("Upload (.zip / .npz)").run()
    at.file_uploader(key=f"{prefix}_upload").set_value((name, data, "application/octet-stream")).run()
    return at


def _loaded_original(at) -> Path:
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    return Path(at.session_state["results"]["data"].original)


def _shown(value: str) -> str:
    """What Markdown source renders as: backslash escapes undone, the invisible word joiner dropped."""
    return re.sub(r"\\(.)", r"\1", value).replace(WORD_JOINER, "")


def test_two_sessions_upload_into_private_folders():
    first, second = _data_page(), _data_page()
    path_a = _loaded_original(_upload(first, "orig", "mine.npz", _npz()))
    path_b = _loaded_original(_upload(second, "orig", "mine.npz", _npz()))
    root = upload_root()
    assert path_a.name == path_b.name == "mine.npz" and path_a.read_bytes() == path_b.read_bytes()
    session_a, session_b = (p.relative_to(root).parts[0] for p in (path_a, path_b))
    assert session_a != session_b  # same bytes, same name: still two folders
    assert (root / session_a).stat().st_mode & 0o777 == 0o700
    assert [p.name for p in (root / session_b).rglob("*") if p.is_file()] == ["mine.npz"]


def test_server_path_is_off_by_default_and_says_how_to_turn_it_on(monkeypatch):
    monkeypatch.delenv("RESQUE_SERVER_PATHS", raising=False)
    at = _data_page()
    at.radio(key="orig_source").set_value("Server path").run()
    at.radio(key="ckpt_source").set_value("Server path").run()
    assert [i.value for i in at.info].count(
        "Paths on the server are off. The operator can allow folders with the RESQUE_SERVER_PATHS environment "
        "variable or server_paths in .streamlit/secrets.toml (see the README)."
    ) == 2
    assert not [t for t in at.text_input if t.key in ("orig_path", "ckpt_path")]
    assert at.button(key="apply_data").disabled


def test_another_sessions_upload_is_out_of_reach_even_inside_an_allowed_folder(monkeypatch, tmp_path):
    owner = _data_page()
    theirs = _loaded_original(_upload(owner, "orig", "private.npz", _npz(1)))
    (tmp_path / "link.npz").symlink_to(theirs)
    monkeypatch.setenv("RESQUE_SERVER_PATHS", os.pathsep.join([str(upload_root().parent), str(tmp_path)]))
    intruder = _data_page()
    intruder.radio(key="orig_source").set_value("Server path").run()
    attempts = [theirs, tmp_path / "link.npz", tmp_path / ".." / theirs.relative_to(tmp_path.parent)]
    for attempt in attempts:
        intruder.text_input(key="orig_path").input(str(attempt)).run()
        assert [e.value for e in intruder.error] == [
            "The path is outside the folders the operator allows on this server; pick a file inside one"
        ]
        assert intruder.button(key="apply_data").disabled and "data" not in intruder.session_state["results"]
        assert "private" not in texts(intruder)


def test_server_path_inside_a_folder_allowed_in_secrets_loads(monkeypatch, tmp_path):
    monkeypatch.delenv("RESQUE_SERVER_PATHS", raising=False)
    (tmp_path / "shared.npz").write_bytes(_npz(2))
    at = fresh_app()
    at.secrets["server_paths"] = [str(tmp_path)]
    goto(at, "pages/data_model.py")
    at.radio(key="orig_source").set_value("Server path").run()
    at.text_input(key="orig_path").input(str(tmp_path / "sub" / ".." / "shared.npz")).run()
    assert _loaded_original(at) == tmp_path / "shared.npz"  # resolved before it was checked


def test_a_markdown_file_name_is_shown_as_text_without_the_servers_folder():
    at = _upload(_data_page(), "orig", MARKDOWN_NAME, b"\x93NUMPY not an archive")
    at.button(key="apply_data").click().run()
    (shown,) = errors(at)
    assert not at.exception and shown.startswith("Loading the data failed: ")
    saved_as = MARKDOWN_NAME.replace("/", "_")  # no file name can hold a path separator
    assert _shown(shown).startswith(f"Loading the data failed: {saved_as}: is not a readable .npz file")
    assert "[x](" not in shown and "**b**" not in shown and " `c`" not in shown  # no link, bold or code
    assert str(upload_root()) not in shown and "resque-uploads" not in shown


def test_literal_markdown_renders_every_character():
    for text in (MARKDOWN_NAME, "a :smile: b :red[c] :material/star: www.e.vil d@e.fg <b>h</b> $x$ _i_", "# t"):
        escaped = literal(text)
        assert _shown(escaped) == text
        assert not re.search(r"(?<!\\)[\[\]*`<$@]", escaped) and not re.search(r":[\w+-]+:", escaped)
    assert literal("state_dict needs arrays 'x' (images): gaussian_noise:3") == (
        "state_dict needs arrays 'x' (images): gaussian_noise:3"  # plain prose is left as it is
    )


def test_server_folders_are_cut_to_the_file_name(monkeypatch, tmp_path):
    monkeypatch.setenv("RESQUE_SERVER_PATHS", str(tmp_path))
    upload = f"{upload_root()}/0a1b/c2d3/my file.npz"
    assert redact(f"cannot read {upload}: damaged") == "cannot read my file.npz: damaged"
    assert redact(f"model file '{tmp_path}/a/b/net.py' failed") == "model file 'net.py' failed"
    assert redact("/elsewhere/x.npz stays") == "/elsewhere/x.npz stays"


def test_the_loaded_checkpoint_is_named_by_its_file_name_only():
    at = _data_page()
    at.radio(key="ckpt_source").set_value("Upload").run()
    data = (ASSETS / "default_digits_0-9.pt").read_bytes()
    at.file_uploader(key="ckpt_upload").set_value(("mine.pt", data, "application/octet-stream")).run()
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    shown = texts(at)
    assert "checkpoint (mine.pt)" in shown and str(upload_root()) not in shown


def test_a_refused_pickle_names_the_trust_switch_not_the_flag():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    buf = io.BytesIO()
    torch.save({"x": Evil()}, buf)
    at = _data_page()
    at.radio(key="ckpt_source").set_value("Upload").run()
    at.file_uploader(key="ckpt_upload").set_value(("evil.pt", buf.getvalue(), "application/octet-stream")).run()
    at.button(key="apply_data").click().run()
    (shown,) = errors(at)
    assert "refused" in shown and shown.endswith("switch on Checkpoint > Trust this file")
    assert "--trust" not in shown and "trust=True" not in shown


def test_an_upload_comes_back_as_that_upload_on_return_never_as_a_server_path():
    at = _upload(_data_page(), "orig", "mine.npz", _npz(3))
    path = _loaded_original(at)
    at = goto(goto(at, "pages/index.py"), "pages/data_model.py")
    assert at.radio(key="orig_source").value == "Upload (.zip / .npz)"
    assert "In use: mine.npz, uploaded earlier in this session." in texts(at)
    assert not at.button(key="apply_data").disabled
    assert _loaded_original(at) == path
    model = ModelSource(str(upload_root() / "t" / "h" / "net.pt"))
    assert model_widgets(model) == {
        "ckpt_trust": False,
        "ckpt_source": "Upload",
        "ckpt_upload_restored": str(model.checkpoint),
    }


def test_an_upload_whose_session_ended_is_not_loaded_on_return():
    at = _upload(_data_page(), "orig", "gone.npz", _npz(4))
    path = _loaded_original(at)
    path.unlink()
    at = goto(goto(at, "pages/index.py"), "pages/data_model.py")
    assert "The file uploaded earlier is no longer on the server: upload it again." in texts(at)
    assert at.button(key="apply_data").disabled


def test_ending_the_session_removes_its_folder():
    """What the runtime does when a browser session disconnects: release its session-scoped resources."""
    from streamlit.runtime.caching import clear_session_resource_cache

    path = _loaded_original(_upload(_data_page(), "orig", "mine.npz", _npz(5)))
    folder = upload_root() / path.relative_to(upload_root()).parts[0]
    assert folder.is_dir()
    clear_session_resource_cache("test session id")  # AppTest's session id
    assert not folder.exists()


def test_folders_older_than_a_day_are_removed_at_start(tmp_path, monkeypatch):
    monkeypatch.setenv("RESQUE_UPLOAD_DIR", str(tmp_path))
    old, recent = tmp_path / "old", tmp_path / "recent"
    for folder in (old, recent):
        (folder / "hash").mkdir(parents=True)
        (folder / "hash" / "f.npz").write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    for p in (old, old / "hash"):
        os.utime(p, (day_ago, day_ago))
    (recent / "hash").touch()
    assert remove_stale() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recent"]


def test_a_model_file_outside_the_allowed_folders_is_not_imported(monkeypatch, tmp_path):
    allowed, elsewhere = tmp_path / "allowed", tmp_path / "elsewhere"
    allowed.mkdir(), elsewhere.mkdir()
    (elsewhere / "net.py").write_text("raise SystemExit('this must never run')\n")
    monkeypatch.setenv("RESQUE_SERVER_PATHS", str(allowed))
    at = _data_page()
    at.radio(key="ckpt_source").set_value("Upload").run()
    data = (ASSETS / "default_digits_0-9.pt").read_bytes()
    at.file_uploader(key="ckpt_upload").set_value(("mine.pt", data, "application/octet-stream")).run()
    at.toggle(key="ckpt_trust").set_value(True).run()
    at.selectbox(key="ckpt_arch").set_value("my own class (model file)").run()
    at.radio(key="ckpt_model_source").set_value("Server path").run()
    at.text_input(key="ckpt_model_file").input(f"{elsewhere / 'net.py'}:Net").run()
    assert errors(at) == [
        "Reading the checkpoint settings failed: The model file is outside the folders the operator allows on "
        "this server; pick a file inside one"
    ]
    assert at.button(key="apply_data").disabled


def test_a_scenario_name_is_shown_as_typed():
    from tests.app.conftest import demo_app

    at = goto(demo_app(), "pages/scenarios.py")
    at.text_input(key="scenario_name_input").input("**mine** [see](http://e.vil)").run()
    at.button(key="save_scenario").click().run()
    (saved,) = [s.value for s in at.success]
    assert _shown(saved) == "Saved '**mine** [see](http://e.vil)'." and "**mine**" not in saved


def test_a_scenario_name_is_text_in_the_sidebar_and_the_results_heading():
    """A scenario named like Markdown shows as typed where the sidebar and the results name it."""
    at = demo_app()
    name = "[x](http://e.vil) **b**"
    at.session_state["scenario_name"] = name
    at.run()
    shown = [m.value for m in at.sidebar.markdown] + [h.value for h in at.header]
    assert any(literal(name) in s for s in shown) and not any(name in s and literal(name) not in s for s in shown)
