"""The projector view: on a 1280×720 or 1920×1080 screen the chart and its headline numbers are
visible without scrolling (sidebar collapsed, large type)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import CHART, EXCEPTION, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_explore_projector_view_fits_the_screen(
    browser, app_url: str, screenshot_dir, width: int, height: int
):
    """?projector=1 on Explore: headline numbers and the whole chart inside the first screen."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page: Page = context.new_page()
    try:
        page.goto(f"{app_url}/?projector=1&profiles=5000&repeats=3")
        wait_for_app(page)
        expect(page.locator(EXCEPTION)).to_have_count(0)
        chart = page.locator(CHART).last.bounding_box()
        assert chart is not None
        assert chart["y"] >= 0 and chart["y"] + chart["height"] <= height, chart
        headline = page.locator(".pte-row").first.bounding_box()
        assert headline is not None and headline["y"] + headline["height"] <= chart["y"] + 1
        # Collapsed sidebar: its page links are out of view.
        expect(page.locator('[data-testid="stSidebar"] a').first).not_to_be_in_viewport()
        page.screenshot(path=screenshot_dir / f"projector_explore_{width}x{height}.png")
    finally:
        context.close()
