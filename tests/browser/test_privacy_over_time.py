"""Privacy over time in a real browser: a deep link answers the question, the cadence moves it.

Run with ``pytest tests/browser/test_privacy_over_time.py -m browser``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.over_time.plan import total_losses
from tests.browser.helpers import EXCEPTION, download, wait_for_app
from tests.browser.test_browser import query_param

pytestmark = pytest.mark.browser

WEEKLY = "epsilon=0.1&releases_per_year=52&years=1&delta=1e-6"


def test_deep_link_answers_and_the_cadence_moves_it(
    page: Page, app_url: str, screenshot_dir, tmp_path
):
    """The weekly link shows the composed total; daily by keyboard updates text and URL; the
    report downloads with the same total."""
    page.goto(f"{app_url}/Privacy_over_time?{WEEKLY}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Privacy over time", level=1)).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.locator(".js-plotly-plot")).to_have_count(3)
    weekly = total_losses(0.1, 52, 1e-6)["optimal"]
    expect(page.get_by_text("(52 releases) at ε = 0.1 each")).to_be_visible()
    expect(page.get_by_text(f"ε = {weekly:.3g} (δ = 1e-06)")).to_be_visible()
    # The planner's fields stay in the link next to the Scenario's.
    assert query_param(page.url, "releases_per_year") == "52"
    assert query_param(page.url, "delta") == "1e-06"
    assert query_param(page.url, "epsilon") == "0.1"
    page.screenshot(path=str(screenshot_dir / "privacy_over_time.png"), full_page=True)

    cadence = page.locator(".st-key-releases_per_year").get_by_role("slider")
    cadence.focus()
    page.keyboard.press("ArrowRight")  # weekly (52) -> daily (365)
    wait_for_app(page)
    daily = total_losses(0.1, 365, 1e-6)["optimal"]
    expect(page.get_by_text(f"ε = {daily:.3g} (δ = 1e-06)")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert query_param(page.url, "releases_per_year") == "365"

    plan_file = download(
        page, page.get_by_role("button", name="Download a report of this plan").click
    )
    report = tmp_path / "plan.html"
    plan_file.save_as(report)
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Plotly.newPlot" in text
    assert f"ε = {daily:.3g} (δ = 1e-06)" in text
