"""A whole randomised-response round in real browsers: one projector, three phones.

The facilitator (1280×720) opens a room and starts the fair-coin question; three phones
(390×844) join by the link, flip the page's own coin (drawn in the browser), and answer; the
projector counts them without anyone pressing anything; the facilitator reveals; the phones
show the result. Screenshots of the projector and of a phone go to the screenshot directory.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
WAIT_MS = 60_000
PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}


def _context(browser, viewport, **extra):
    context = browser.new_context(viewport=viewport, **extra)
    context.set_default_timeout(WAIT_MS)
    return context


def _expand_sidebar(page: Page) -> None:
    if page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "false":
        return
    page.locator(
        '[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button'
    ).first.click()
    expect(page.get_by_role("button", name="Start this activity")).to_be_visible()


def _collapse_sidebar(page: Page) -> None:
    page.get_by_test_id("stSidebar").hover()
    page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")


def test_randomised_response_round(browser, app_url: str, screenshot_dir):
    """Open, start, three phones answer, live count, reveal, results; no exception anywhere."""
    projector_context = _context(browser, PROJECTOR)
    phones_contexts = [
        _context(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        for _ in range(3)
    ]
    try:
        projector = projector_context.new_page()
        projector.goto(f"{app_url}/Room_facilitator")
        projector.get_by_role("button", name="Open a new room").click()
        code_box = projector.locator(".pte-code")
        expect(code_box).to_be_visible()
        code = code_box.inner_text().strip()
        assert len(code) == 7
        projector.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("room") == [code])
        assert "key=" not in projector.url  # the projected address bar never shows the key
        expect(projector.get_by_test_id("stImage").locator("img")).to_be_visible()

        _expand_sidebar(projector)
        projector.get_by_role("button", name="Start this activity").click()
        question = projector.locator(".pte-projector-question")
        expect(question).to_contain_text("Have you ever")
        # A reload keeps the facilitator: the key comes back from this browser's cookie.
        projector.reload()
        expect(projector.locator(".pte-projector-question")).to_contain_text("Have you ever")
        expect(projector.get_by_text("0 answers").first).to_be_visible()
        assert "key=" not in projector.url

        phones = [context.new_page() for context in phones_contexts]
        link = f"{app_url}/Room?room={code}"
        for index, phone in enumerate(phones):
            phone.goto(link)
            expect(phone.locator(".pte-question")).to_contain_text("Have you ever")
            phone.get_by_role("button", name="Flip this page's coin").click()
            outcome = phone.locator(".pte-coin-out")
            expect(outcome).to_contain_text("Coin:")
            # The coin's instruction is followed; the server only ever sees the button pressed.
            text = outcome.inner_text()
            if index == 0:
                phone.screenshot(path=str(screenshot_dir / "room_participant_390x844.png"))
            says_yes = "tap YES" in text or ("truthfully" in text and index < 2)
            started = time.monotonic()
            phone.get_by_role("button", name="Yes" if says_yes else "No", exact=True).click()
            expect(phone.get_by_text("Your answer is in")).to_be_visible()
            # Projector: the count arrives by itself (live fragment), nobody presses anything.
            expect(projector.get_by_text(f"{index + 1} answer").first).to_be_visible()
            print(f"answer {index + 1} on the projector after {time.monotonic() - started:.2f} s")

        # A reloaded phone is the same browser (cookie token): still answered, no second vote.
        phones[0].reload()
        expect(phones[0].get_by_text("Your answer is in")).to_be_visible()
        expect(phones[0].get_by_role("button", name="Yes", exact=True)).to_have_count(0)
        tokens = [c for c in phones_contexts[0].cookies() if c["name"] == "pte_browser"]
        assert len(tokens) == 1 and tokens[0]["value"] not in phones[0].url

        projector.wait_for_timeout(1_000)
        projector.screenshot(path=str(screenshot_dir / "room_projector_1280x720_live.png"))
        # Start collapsed the sidebar for the room; Reveal is on the projector view itself.
        expect(projector.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
        projector.get_by_role("button", name="Reveal the result").click()
        expect(projector.get_by_text("How sure about one person?")).to_be_visible()
        expect(projector.get_by_text("3 : 1").first).to_be_visible()
        projector.wait_for_timeout(500)
        projector.screenshot(path=str(screenshot_dir / "room_projector_1280x720.png"))

        for phone in phones:
            # The waiting phones poll slowly (every 4 s) and show the result by themselves.
            expect(phone.get_by_text("How sure could anyone be")).to_be_visible(timeout=20_000)
            expect(phone.locator(EXCEPTION)).to_have_count(0)
        phones[1].screenshot(path=str(screenshot_dir / "room_participant_390x844_result.png"))
        expect(projector.locator(EXCEPTION)).to_have_count(0)
        # The phone page fits 360 px: nothing wider than the screen.
        width = phones[0].evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
    finally:
        for context in (projector_context, *phones_contexts):
            context.close()


def test_phone_at_360_px_joins_by_typing(browser, app_url: str, screenshot_dir):
    """At 360 px the join form fits; a wrong code gets a message, no sidebar is shown."""
    context = _context(browser, {"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.goto(f"{app_url}/Room")
        phone.get_by_label("Room code (on the projector)").fill("zzz-zzz")
        phone.get_by_role("button", name="Join").click()
        expect(phone.get_by_text("There is no room ZZZ-ZZZ")).to_be_visible()
        expect(phone.get_by_test_id("stSidebar")).to_be_hidden()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        phone.screenshot(path=str(screenshot_dir / "room_join_360.png"))
        expect(phone.locator(EXCEPTION)).to_have_count(0)
    finally:
        context.close()


def test_consent_and_epsilon_activities(browser, app_url: str, screenshot_dir):
    """Activities 2 and 3: five phones' choices (totals are shown from five, once revealed) and
    their cost, then two phones' ε picks."""
    projector_context = _context(browser, {"width": 1920, "height": 1080})
    phone_contexts = [_context(browser, PHONE, is_mobile=True, has_touch=True) for _ in range(5)]
    try:
        projector = projector_context.new_page()
        projector.goto(f"{app_url}/Room_facilitator")
        projector.get_by_role("button", name="Open a new room").click()
        code = projector.locator(".pte-code").inner_text().strip()
        _expand_sidebar(projector)
        projector.get_by_text("The room's consent: what would you share?").click()
        projector.get_by_role("button", name="Start this activity").click()
        expect(projector.locator(".pte-projector-question")).to_contain_text("consent")
        phones = [context.new_page() for context in phone_contexts]
        for index, phone in enumerate(phones):
            phone.goto(f"{app_url}/Room?room={code}")
            phone.get_by_text("Location:").click()
            if index in (0, 3):
                phone.get_by_text("Opt out of personalisation entirely").click()
            if index == 0:
                phone.screenshot(path=str(screenshot_dir / "room_participant_consent.png"))
            phone.get_by_role("button", name="Send my choices").click()
            expect(phone.get_by_text("Your answer is in")).to_be_visible()
        expect(projector.get_by_text("Choices in")).to_be_visible()
        expect(projector.get_by_text("5 people sent choices so far")).to_be_visible()
        projector.get_by_role("button", name="Reveal the result").click()
        # Two evaluations of 40,000 synthetic people (cached after the first time).
        expect(projector.get_by_text("Everyone shares all")).to_be_visible(timeout=WAIT_MS)
        link = projector.get_by_role("link", name="Open the room's choices in the explorer")
        href = link.get_attribute("href")
        assert "opt_out=0.4" in href and "consent_location=1" in href
        projector.wait_for_timeout(1_000)
        projector.screenshot(path=str(screenshot_dir / "room_projector_1920x1080_consent.png"))
        projector.set_viewport_size(PROJECTOR)
        projector.wait_for_timeout(1_000)
        projector.screenshot(path=str(screenshot_dir / "room_projector_1280x720_consent.png"))

        _expand_sidebar(projector)
        projector.get_by_text("Pick your ε").first.click()
        projector.get_by_role("button", name="Start this activity").click()
        for phone in phones[:2]:
            # The waiting phone notices the new activity by itself (slow poll).
            send = phone.get_by_role("button", name="Send ε = 1")
            expect(send).to_be_visible(timeout=20_000)
            send.click()
            expect(phone.get_by_text("Your answer is in")).to_be_visible()
        # The frontier is trained once (13 ε × 10 draws), then cached for every rerun.
        expect(projector.get_by_text("2 picks · median ε = 1")).to_be_visible(timeout=WAIT_MS)
        _collapse_sidebar(projector)
        projector.wait_for_timeout(1_000)
        projector.screenshot(path=str(screenshot_dir / "room_projector_1280x720_epsilon.png"))
        for page in (projector, *phones[:2]):
            expect(page.locator(EXCEPTION)).to_have_count(0)
    finally:
        for context in (projector_context, *phone_contexts):
            context.close()
