"""Logistic regression in a real browser: picking it draws its frontier, and a person who leaves
for another page at once and comes back finds it whole.

The frontier (13 ε × 10 draws, core.privacy.fast_lr) trains in the script run that picked the model;
leaving the page stops that run after the cached computation. What a person does, in order: open
a link to a seed nobody opened, pick logistic regression in the sidebar, leave for Who pays at
once, come back to Explore.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import EXCEPTION, pick_option, wait_for_app

pytestmark = pytest.mark.browser

ADVANCED = "Advanced: model, people, noise"
PROGRESS = '[data-testid="stProgress"]'


def test_leaving_while_logistic_regression_trains_and_coming_back(app_url, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?seed=4321&profiles=5000", wait_until="domcontentloaded")
        wait_for_app(page)
        expander = page.locator('[data-testid="stSidebar"] details').filter(has_text=ADVANCED)
        expander.locator("summary").click()
        pick_option(page, "model", "Logistic regression")
        page.locator('[data-testid="stSidebar"] a').filter(has_text="Who pays").first.click()
        wait_for_app(page)
        assert page.locator(EXCEPTION).count() == 0
        assert "model=logistic_regression" in page.url
        page.locator('[data-testid="stSidebar"] a').filter(has_text="Explore").first.click()
        wait_for_app(page)
        assert page.locator(EXCEPTION).count() == 0
        assert page.locator(PROGRESS).count() == 0
        band = page.get_by_text("where 90% of 10 independent noise draws land at each ε")
        expect(band).to_be_visible()
        assert "model=logistic_regression" in page.url
    finally:
        context.close()
