"""Time the dashboard's one-click demo (AppTest, no browser) and size its HTML report.

Usage: python bench/dashboard_demo.py  (prints one line per figure)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import torch
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import AppTest

    torch.set_num_threads(1)
    original = pages_manager.PagesManager.__init__

    def init(self, *args, **kwargs):  # route through app.py's st.navigation, as a running server does
        original(self, *args, **kwargs)
        pages_manager.PagesManager.uses_pages_directory = False

    pages_manager.PagesManager.__init__ = init
    for label in ("cold (first demo in this process)", "warm (index and forecaster cached)"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        start = time.perf_counter()
        at.button(key="run_demo").click().run()
        elapsed = time.perf_counter() - start
        assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
        print(f"demo {label}: {elapsed:.2f} s")
    from resque_core.reporting.export import to_html
    from ui.results import current_scenario

    start = time.perf_counter()
    html = to_html([current_scenario(at.session_state)])
    print(f"HTML report: {len(html) / 1e6:.2f} MB, built in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
