"""User-provided text on a page: shown as written, never as Markdown, and without server paths.

Streamlit renders the body of ``st.error``, ``st.caption``, ``st.markdown`` etc. as Markdown (with
GitHub's autolinks, ``$`` maths, ``:emoji:`` and ``:color[...]`` directives). A file named
``[x](http://e.vil) **b**.npz`` would become a link and bold text. ``literal`` escapes what would be
read as Markdown, so the name shows character for character; ``redact`` replaces a server path under
the upload folder or an allowed folder by the file's own name.
"""

from __future__ import annotations

import re

from ui.server_paths import allowed_roots
from ui.uploads import upload_root

_ALWAYS = re.compile(r"([\\`*~$@&<\[\]|])")  # open emphasis, code, maths, links, autolinks, HTML, tables
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # intraword _ is plain in CommonMark
_COLON = re.compile(r":(?=//|[\w-]+[\[{])")  # a URL ("http://") or a directive (":red[x]")
# A shortcode (":smile:") is replaced in the text after parsing, so no escape stops it: a word joiner
# (invisible) after its colon does.
_SHORTCODE = re.compile(r":(?=[\w+-]+:)")
WORD_JOINER = "\u2060"
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def literal(text: object) -> str:
    """Markdown source that renders ``text`` exactly (on one line)."""
    out = " ".join(str(text).splitlines())
    out = _ALWAYS.sub(r"\\\1", out)
    out = _EDGE_UNDERSCORE.sub(r"\\_", out)
    out = _COLON.sub(r"\\:", out)
    out = _SHORTCODE.sub(":" + WORD_JOINER, out)
    out = out.replace(":material/", ":material\\/").replace("www.", "www\\.")  # Streamlit swaps ":material/" first
    return _LINE_START.sub(r"\1\\\2", out)


def redact(text: object) -> str:
    """``text`` with every path under the upload folder or an allowed folder cut to its file name."""
    out = re.sub(re.escape(str(upload_root())) + r"/[^/]+/[^/]+/", "", str(text))  # <session>/<content hash>/
    for root in allowed_roots():
        out = re.sub(re.escape(str(root)) + r"(/[^/\s'\"]+)*/", "", out)
    return out
