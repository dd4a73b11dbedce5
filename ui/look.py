"""Page-wide look and accessibility: a few CSS rules, and a spoken note when results arrive.

Colours are set in ``.streamlit/config.toml`` (contrast AA in both themes); what the theme options
cannot reach is here, called once per script run from ``app.py``. ``tests/e2e/test_accessibility.py``
runs axe-core on every page to keep it so.
"""

from __future__ import annotations

import json

import streamlit as st

# - code blocks wrap instead of scrolling sideways: a scroll box a keyboard cannot reach fails WCAG 2.1.1
# - code tokens take the text colour: the dark theme's highlighting (blue #1c83e1) is 4.1:1 on its background
# - inline code in a caption takes the caption's colour: the caption fades the code colour below 4.5:1
# - a slider's value takes the text colour, not the primary (a primary dark enough under white button
#   text is 3.6:1 on the dark background)
CSS = """
[data-testid="stCode"] pre, [data-testid="stCode"] pre code { white-space: pre-wrap !important; overflow-wrap: anywhere; }
[data-testid="stCode"] .token { color: inherit !important; }
[data-testid="stCaptionContainer"] code { color: inherit !important; }
[data-testid="stSliderThumbValue"] { color: inherit !important; }
"""
LIVE_ID = "resque-announce"  # one status element in the document, outside Streamlit's tree, so it persists


def page_style() -> None:
    """The page-wide CSS (style-only HTML: Streamlit adds it without taking room on the page)."""
    st.html(f"<style>{CSS}</style>")


def announce(text: str) -> None:
    """Say ``text`` to screen readers through a polite live region, e.g. "Results ready: ...".

    The region lives in the document body, not in Streamlit's element tree, so assistive technology
    sees its text change (a region created with its text already in it is often not read).
    """
    script = f"""
<script>
(() => {{
  let live = document.getElementById("{LIVE_ID}");
  if (!live) {{
    live = document.createElement("div");
    live.id = "{LIVE_ID}";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.style.cssText = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);";
    document.body.appendChild(live);
  }}
  live.textContent = "";
  setTimeout(() => {{ live.textContent = {json.dumps(text)}; }}, 100);
}})();
</script>"""
    st.html(script, unsafe_allow_javascript=True)
