"""The report's HTML pieces shared by its sections: escaped text, a table, plotly figures (self-contained)."""

from __future__ import annotations

import html
from typing import Any

from resque_core.units import number_text

__all__ = ["cell", "escaped", "figures_html", "table"]


def cell(value: Any) -> str:
    """A table cell: numbers as ``number_text`` writes them, anything else as its text."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return number_text(value)
    return str(value)


def escaped(value: Any) -> str:
    """``value`` as HTML text (numbers as ``cell`` writes them)."""
    return html.escape(cell(value) if not isinstance(value, str) else value)


def table(head: list[str], rows: list[list[Any]]) -> str:
    """A plain HTML table, every cell escaped."""
    th = "".join(f"<th>{escaped(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td>{escaped(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def figures_html(figures: list, first: bool = False) -> list[str]:
    """Each figure as an HTML fragment; ``first``: the first carries plotly.js inline (the page works offline)."""
    out = []
    for i, fig in enumerate(figures):
        js = first and i == 0
        fig.update_layout(template="plotly_white")  # not the host app's theme: the page is standalone
        out.append(fig.to_html(full_html=False, include_plotlyjs=js, config={"displaylogo": False}))
    return out
