"""How numbers and user text are written, in one place for every page, figure, label and report.

A number shown twice must read the same twice: ε, the attacker's best-guess bound, e^ε and the
spread between noise draws are each formatted by one function here. User-supplied strings
(saved names, uploaded column and category names, room questions) pass through
:func:`plotly_text` before they reach a figure, so Plotly draws them as text, never as markup.
"""

from __future__ import annotations

import html
import math


def plotly_text(value: object) -> str:
    """A user-supplied string made inert for Plotly (trace names, titles, annotations, ticks).

    Plotly renders a subset of HTML in text (``<a href>``, ``<b>``, ``<br>``, ``<span style>``)
    and turns ``$…$`` into LaTeX where MathJax is loaded. Escaping ``&``, ``<`` and ``>`` as
    entities (which Plotly decodes back to the characters) and ``$`` as ``&#36;`` leaves exactly
    the typed characters on screen. In a hover template ``%{…}`` would be a placeholder: user
    text never goes into a template, only into ``name``/``text`` fields.
    """
    return html.escape(str(value), quote=False).replace("$", "&#36;")


def format_epsilon(epsilon: float) -> str:
    """ε with at most 2 significant digits past the stops (1.71066 → 1.7, 0.05 → 0.05)."""
    rounded = float(f"{epsilon:.2g}")  # 99.7 -> 100.0, 1.71066 -> 1.7
    return f"{rounded:g}" if rounded < 1e6 else f"{rounded:.0f}"


def shown_epsilon(epsilon: float) -> float:
    """ε as :func:`format_epsilon` writes it: anything computed next to it starts from this."""
    return float(format_epsilon(epsilon))


def odds_factor_text(epsilon: float) -> str:
    """e^ε computed from the ε shown beside it (ε 1.4 → '4.1', not e^1.43 = '4.2')."""
    odds = math.exp(min(shown_epsilon(epsilon), 700))
    return f"{odds:,.1f}" if odds < 1e6 else "more than a million"


def guess_text(guess: float) -> str:
    """A best-guess bound in [0.5, 1] as a percentage that never rounds up to a certainty.

    One formatting everywhere (Explore, the label, Privacy over time, the exports' text):
    '62%', '99.4%', '99.9+%'.
    """
    if guess >= 0.9995:
        return "99.9+%"
    return f"{guess:.1%}" if guess >= 0.995 else f"{guess:.0%}"


def spread_words(std: float, draws: int) -> str:
    """The spread between noise draws in percentage points, or that one draw measures none.

    One wording for every page, the label and the takeaway: '± 1.3 pp between noise draws'.
    """
    if draws < 2:
        return "one draw: no spread measured"
    return f"± {100 * std:.1f} pp between noise draws"


def signed_points(before: float, after: float) -> str:
    """A change between two shares in percentage points, computed from the percents shown.

    '37% → 36%: 1 point lower' never reads '-0.1 points (37% → 37%)'.
    """
    shown_before, shown_after = round(100 * before), round(100 * after)
    change = shown_after - shown_before
    unit = "point" if abs(change) == 1 else "points"
    if change == 0:
        words = "no change at whole points"
    else:
        words = f"{abs(change)} {unit} {'lower' if change < 0 else 'higher'}"
    return f"{shown_before}% → {shown_after}%: {words}"


def percent(value: float | None, digits: int = 0) -> str:
    """A share as a percent with ``digits`` decimals, or "—" while there is none yet."""
    return "—" if value is None else f"{value:.{digits}%}"
