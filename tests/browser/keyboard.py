"""Keyboard walking for the browser tests: where Tab goes and whether the focus can be seen."""

from __future__ import annotations

from playwright.sync_api import Page

# The focused element, described, with what makes its focus visible (outline or box shadow).
FOCUSED_JS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    // A react-aria slider focuses a visually hidden <input>; its thumb (an ancestor marked
    // data-focus-visible) is what must show the focus.
    const shown = e.parentElement && e.parentElement.closest('[data-focus-visible="true"]') || e;
    const s = getComputedStyle(shown);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow && s.boxShadow !== 'none';
    const key = e.closest('[class*="st-key-"]');
    return {
        tag: e.tagName.toLowerCase(),
        role: e.getAttribute('role'),
        name: (e.getAttribute('aria-label') || e.innerText || e.value || '').trim().slice(0, 60),
        key: key ? [...key.classList].find((c) => c.startsWith('st-key-')) : null,
        testid: (e.closest('[data-testid]') || e).getAttribute('data-testid'),
        visible_focus: outline || shadow,
        id: e.dataset.pteWalk || (e.dataset.pteWalk = String(Math.random()).slice(2)),
    };
}"""

# Visible, enabled controls a keyboard user must reach (Streamlit's own chrome excluded).
CONTROLS_JS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] :is(a[href], button, input, select, textarea, [role="slider"]),'
    + '[data-testid="stSidebar"] :is(a[href], button, input, select, textarea, [role="slider"])'
)].filter((e) => !e.disabled && e.type !== 'file' && e.getClientRects().length
    && getComputedStyle(e).visibility !== 'hidden'
    && !e.closest('.modebar, [data-testid="stElementToolbar"], [aria-hidden="true"]')
    // Streamlit shows "Collapse sidebar" only while the pointer or the focus is in the sidebar.
    && !e.closest('[data-testid="stSidebarHeader"]')
    && !(e.closest('details:not([open])') && !e.closest('summary'))
    // tabindex=-1: a part of a composite widget (a select's arrow, a chip's remove button)
    // that the widget's own input operates from the keyboard.
    && e.getAttribute('tabindex') !== '-1')
  .filter((e) => !e.dataset.pteWalk)
  .map((e) => e.outerHTML.replace(/ class="[^"]*"/g, '').slice(0, 160))"""


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUSED_JS)


def tab_until(page: Page, found, limit: int = 150) -> tuple[dict | None, list[dict]]:
    """Press Tab until ``found(stop)`` is true; return that stop and every stop on the way."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        if stop is None:
            continue
        stops.append(stop)
        if found(stop):
            return stop, stops
    return None, stops


def tab_walk(page: Page, limit: int = 150) -> list[dict]:
    """Every Tab stop of the page once round (until the focus comes back to the first stop)."""
    first, stops = None, []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        if stop is None:
            continue
        if first is not None and stop["id"] == first:
            break
        first = first or stop["id"]
        stops.append(stop)
    return stops


def unreached_controls(page: Page) -> list[str]:
    """Visible controls the last walk never focused (run after :func:`tab_walk`), as HTML."""
    return page.evaluate(CONTROLS_JS)
