"""User-provided text on a page: shown as written, never as Markdown, and without server paths.

Streamlit renders the body of ``st.error``, ``st.caption``, ``st.markdown`` etc. as Markdown (with
GitHub's autolinks, ``$`` maths, ``:emoji:`` and ``:color[...]`` directives). A file named
``[x](http://e.vil) **b**.npz`` would become a link and bold text, ``:red[x]`` red, ``www.e.vil`` a
link. ``literal`` escapes what would be read as Markdown (and breaks autolinks and shortcodes with an
invisible word joiner), so the name shows character for character; ``redact`` replaces a server path under
the upload, extraction or an allowed folder by the file's name in there. ``plain`` does both: every
message that may hold a user's name (a file, class, model or scenario name) reaches the page through it.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from ui.server_paths import allowed_roots
from ui.uploads import upload_root

_ALWAYS = re.compile(r"([\\`*~$@&<\[\]|])")  # open emphasis, code, maths, links, autolinks, HTML, tables
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # intraword _ is plain in CommonMark
# A shortcode (":smile:") is replaced in the text after parsing, so no escape stops it: a word joiner
# (invisible) after its colon does.
_SHORTCODE = re.compile(r":(?=[\w+-]+:)")
_DIRECTIVE = re.compile(r"(?<!\\):(?=[A-Za-z])")  # ":red[x]", ":blue-background[x]", and ":red" with no label
# Autolinks ("www.x", "http://x", "a@b.c") are also found in the text after parsing: a word joiner breaks them.
_AUTOLINK = re.compile(r"(?<=www)(?=\.)|(?<=:)(?=//)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def literal(text: object) -> str:
    """Markdown source that renders ``text`` exactly (on one line): no Markdown, directive or autolink."""
    out = " ".join(str(text).splitlines())
    out = _ALWAYS.sub(r"\\\1", out)
    out = _EDGE_UNDERSCORE.sub(r"\\_", out)
    out = _SHORTCODE.sub(":" + WORD_JOINER, out)
    out = out.replace(":material/", ":material\\/")  # Streamlit swaps ":material/...:" before parsing
    out = _DIRECTIVE.sub(r"\\:", out)
    out = _AUTOLINK.sub(WORD_JOINER, out)
    return _LINE_START.sub(r"\1\\\2", out)


def plain(text: object) -> str:
    """``text`` as Markdown source that shows it as written, with server folders cut (``literal(redact(text))``)."""
    return literal(redact(text))


def redact(text: object) -> str:
    """``text`` with every path under the upload, extraction or an allowed folder cut to its name in there."""
    copy = r"(resque-zip-[^/\s'\"]+/)?"  # a zip's extraction folder beside it
    out = re.sub(re.escape(str(upload_root())) + r"/[^/]+/[^/]+/" + copy, "", str(text))  # <session>/<hash>/
    out = re.sub(re.escape(str(Path(tempfile.gettempdir()).resolve())) + r"/resque-zip-[^/\s'\"]+/", "", out)
    for root in allowed_roots():
        out = re.sub(re.escape(str(root)) + r"(/[^/\s'\"]+)*/", "", out)
    return out


def file_name(spec: object) -> str:
    """A page input as named to people and in the shared history: a built-in choice ("default", "digits")
    by its name, a file by its own name, never the server folder (an upload's session folder) it sits in."""
    return Path(str(spec)).name or str(spec)
