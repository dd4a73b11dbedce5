"""Page-wide look and accessibility: a few CSS rules, and a spoken note when results arrive.

Colours are set in ``.streamlit/config.toml`` (contrast AA in both themes); what the theme options
cannot reach is here, called once per script run from ``app.py``. ``tests/e2e/test_accessibility.py``
runs axe-core on every page to keep it so.
"""

from __future__ import annotations

import json

import streamlit as st

# - a wide code block scrolls in its focusable box (tabindex 0), not in the <pre> inside it, which a
#   keyboard cannot reach (WCAG 2.1.1)
# - code tokens take the text colour: the dark theme's highlighting (blue #1c83e1) is 4.1:1 on its background
# - inline code in a caption takes the caption's colour: the caption fades the code colour below 4.5:1
# - chart titles shrink on a phone: an SVG title cannot wrap, and a long one ran past a 390 px screen
# - a slider's value takes the text colour, not the primary (a primary dark enough under white button
#   text is 3.6:1 on the dark background)
CSS = """
[data-testid="stCode"] { overflow-x: auto; }
[data-testid="stCode"] pre { overflow: visible !important; width: max-content; min-width: 100%; }
[data-testid="stCode"] .token { color: inherit !important; }
[data-testid="stCaptionContainer"] code { color: inherit !important; }
[data-testid="stSliderThumbValue"] { color: inherit !important; }
@media (max-width: 640px) { .js-plotly-plot .gtitle { font-size: 12px !important; } }
"""
# A phone closes the sidebar after a page is chosen (Streamlit does it for a mobile user agent); this does
# the same for any narrow window, where the open sidebar covers the page (300 px of 390).
NARROW_PX = 767
CLOSE_SIDEBAR_JS = f"""<script>
(() => {{
  if (window.resqueSidebarCloses) return;
  window.resqueSidebarCloses = true;
  document.addEventListener("click", (event) => {{
    if (!event.target.closest('[data-testid="stSidebarNav"] a') || window.innerWidth > {NARROW_PX}) return;
    setTimeout(() => {{
      const sidebar = document.querySelector('[data-testid="stSidebar"]');
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (sidebar && close && sidebar.getBoundingClientRect().right > 0) close.click();
    }}, 50);
  }});
}})();
</script>"""
LIVE_ID = "resque-announce"  # one status element in the document, outside Streamlit's tree, so it persists


def page_style() -> None:
    """The page-wide CSS (style-only HTML: Streamlit adds it without taking room on the page)."""
    st.html(f"<style>{CSS}</style>")


def sidebar_closes_on_phones() -> None:
    """Close the sidebar after a page is chosen in a narrow window (call it last in the sidebar: it takes no room)."""
    st.sidebar.html(CLOSE_SIDEBAR_JS, unsafe_allow_javascript=True)


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
