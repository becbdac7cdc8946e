"""Drawing helpers every page shares: charts with their data tables, headline numbers, text.

Nothing here reads the Scenario or calls core's engine: these draw what a page hands them (and
:func:`chart_placeholder` holds a chart's place while the server computes it). Sizes follow
projector mode (:func:`font_size`, :data:`PROJECTOR_CHART_HEIGHT`).
"""

from __future__ import annotations

import html
from contextlib import contextmanager

import streamlit as st

from core.presentation.figure_data import figure_table
from core.presentation.figures import placeholder_figure

PROJECTOR_CHART_HEIGHT = 340  # px: fits under the headline row at 1280×720


def font_size() -> int:
    # 18, not 22: a chart's legend at 22 px leaves the plot too little room on a 1280×720 screen.
    return 18 if st.session_state.get("projector") else 15


@contextmanager
def chart_placeholder(message: str):
    """While the server computes a chart: an empty chart in its place, saying what is happening.

    It also makes a fresh browser fetch and start plotly.js (4.7 MB, ~0.6 s of the main thread on
    a 2-core machine) while the server computes rather than after: a deep link to a new Scenario
    shows its chart that much sooner (docs/benchmarks.md, section 3).
    """
    slot = st.empty()
    slot.plotly_chart(
        placeholder_figure(message, font_size=font_size()),
        width="stretch",
        theme="streamlit",
        config={"staticPlot": True, "displayModeBar": False},
    )
    try:
        yield
    finally:
        slot.empty()


# ':' and '@' as well: GFM turns "https://…", "www.…" and "a@b.c" into links by reading the raw
# characters, escapes included, so "https://example\.com" showed its backslashes; an escaped
# ':' or '@' keeps them from being read as a link at all (and ':' stops ":emoji:" shortcodes).
# '&': an entity such as "&lt;" would otherwise show as "<".
_MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~$:@&"


def plain(text: str) -> str:
    """User text made inert inside Markdown: every markup character is escaped."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def headline_numbers(items: list[tuple[str, str, str, str]], takeaway: str = "") -> None:
    """A row of headline numbers and a takeaway as ONE element: (label, value, note, tooltip).

    One element instead of four metrics and four captions: on the Explore page every ε move
    re-sends this row, and each element costs the browser a re-render. All text here is computed
    by the app (never user input); it is escaped anyway.
    """
    # The explanation is a <details> under each number, not a title attribute: a title shows
    # only on hover, which a phone or a keyboard never does.
    cells = "".join(
        "<div class='pte-cell'>"
        f"<div class='pte-label'>{html.escape(label)}</div>"
        f"<div class='pte-value'>{html.escape(value)}</div>"
        f"<div class='pte-note'>{html.escape(note)}</div>"
        + (
            "<details class='pte-what'><summary>What is this?</summary>"
            f"{html.escape(tip)}</details>"
            if tip
            else ""
        )
        + "</div>"
        for label, value, note, tip in items
    )
    box = f"<div class='pte-takeaway'>{html.escape(takeaway)}</div>" if takeaway else ""
    # Muted text is the theme's text colour at 80% opacity, not a fixed grey: it follows the
    # light and the dark theme, and stays above 4.5:1 in both (docs/accessibility.md).
    st.markdown(
        "<style>.pte-row{display:flex;gap:1rem;flex-wrap:wrap;margin:.25rem 0 1rem}"
        ".pte-cell{flex:1 1 12rem}.pte-label{font-size:.875rem;opacity:.8}"
        ".pte-value{font-size:2.25rem;line-height:1.2}.pte-note{font-size:.8rem;opacity:.8}"
        ".pte-what{font-size:.8rem;margin-top:.15rem}.pte-what summary{cursor:pointer}"
        ".pte-takeaway{background:rgba(0,114,178,.12);border-radius:.5rem;padding:.75rem 1rem}"
        f"</style><div class='pte-row'>{cells}</div>{box}",
        unsafe_allow_html=True,
    )


def _cell(value) -> str:
    """A table cell as text: numbers without trailing zeros, nothing for a missing value."""
    if value is None or isinstance(value, float) and value != value:
        return ""
    if isinstance(value, float | int):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def chart(figure, *, key: str, caption: str = "", container=st, config: dict | None = None) -> None:
    """A Plotly chart with its text alternative: a takeaway caption and the numbers it draws.

    The numbers sit one click away in an expander, as a real HTML table (screen readers read
    it cell by cell), read off ``figure`` itself
    (:func:`core.presentation.figure_data.figure_table`) so the table and the chart cannot disagree.
    The table is built only while the expander is open (an ε move on Explore costs nothing for it).
    Plotly follows the light or dark theme; ``config`` is Plotly's (e.g. no mode bar on the
    projector view).
    """
    container.plotly_chart(figure, key=key, width="stretch", theme="streamlit", config=config)
    if caption:
        container.caption(caption)
    numbers = container.expander("Data behind this chart", key=f"{key}_data", on_change="rerun")
    if numbers.open:
        table = figure_table(figure)
        numbers.table(table.map(_cell).set_index(table.columns[0]))
