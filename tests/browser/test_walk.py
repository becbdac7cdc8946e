"""A newcomer's walk across pages: move the controls on every page, follow the links, come back.

The single-page tests passed while the most common path crashed (move ε on Explore, then open
another page: ``KeyError 'epsilon'``), because Streamlit drops widget state when a page changes.
This walk follows a person instead of a page, in one pass of two laps from a deep link with
small data (``?profiles=2000&repeats=3`` keeps it fast). Lap one: on every page of ``ui.PAGES``
in turn, move two of the shared controls other than ε (rotating, so every shared control is
moved on two or three pages), work the page's own controls, move ε last by keyboard (on Explore
a fragment run, the crash above), then follow the sidebar link to the next page. Lap two: every
page once more through the sidebar links, nothing moved. At every stop: no exception box, and
every Scenario field shown (the widgets' values, a slider's ``aria-valuetext``), the URL's
query parameters and the sidebar links' query parameters equal what was set. The facilitator's
room page (its own sidebar, no page links) is visited on both laps and left with the Back
button. After its moves, each page is captured at 1400x1000 (walk_<page>_1400x1000.png in the
screenshot directory); test_accessibility.py captures every page at three sizes in both themes.

The walk used to start over from every page (15 cycles of 16 stops, about 240 page visits); its
page switches were the same neighbours in the same order, so one pass keeps every switch after
every page's moves, and the second lap shows every page the values set on the others.

Cost: 15 pages x (3-4 moves) + 32 stops.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

import ui
from core.setting.scenario import FIELDS_BY_NAME
from tests.browser.helpers import APP_IDLE, CHART, EXCEPTION, WAIT_MS, pick_option, wait_for_app
from tests.browser.test_browser import PAGES, epsilon_slider

pytestmark = pytest.mark.browser

WALK_START = "profiles=2000&repeats=3"
# Shared controls other than ε, moved two per page in turn (see _moves_for).
ROTATING = (
    "opt_out",
    "consent_demographics",
    "consent_location",
    "consent_browsing",
    "consent_purchases",
    "k",
    "local_epsilon",
    "profiles",
    "repeats",
    "seed",
    "model",
    "projector",
)
ADVANCED = "Advanced: model, people, noise"
SHOWN_NAMES = (*FIELDS_BY_NAME, "projector")
BY_PATH = {path: (name, title, chart) for path, name, title, chart in PAGES}
BY_PATH["Privacy_over_time"] = ("privacy_over_time", "Privacy over time", True)
# The facilitator's room page has its own sidebar (no shared controls; the page list, carrying the
# session's settings) and keeps the room, not the Scenario, in its URL: the walk visits it and
# comes back through its page list.
ROOM = "Room_facilitator"
BY_PATH[ROOM] = ("room_facilitator", "Run a workshop room", False)
SCENARIO_PARAMS = (*FIELDS_BY_NAME, "projector")

# What each Scenario widget shows now, by key: a slider's aria-valuetext, an input's value, a
# toggle's checked state. Widgets not on the page are left out.
SHOWN_JS = """(names) => {
    const shown = {};
    for (const name of names) {
        const widget = document.querySelector('.st-key-' + name);
        if (!widget) continue;
        const slider = widget.querySelector('input[type="range"]');
        const input = widget.querySelector('input');
        if (slider) shown[name] = slider.getAttribute('aria-valuetext');
        else if (input && input.type === 'checkbox') shown[name] = String(input.checked);
        else if (input) shown[name] = input.value;
    }
    return shown;
}"""
LINK_HREFS_JS = """() => [...document.querySelectorAll(
    '[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]')].map((a) => a.href)"""


WALK = [(script, ui.page_url_path(script), label) for script, label, _ in ui.PAGES]
# Which pair of ROTATING controls each page moves (the facilitator's room page moves none).
MOVE_INDEX = {path: index for index, (_, path, _) in enumerate(s for s in WALK if s[1] != ROOM)}


def params_of(url: str) -> dict[str, str]:
    """The Scenario's query parameters (and projector) of a URL; other pages' own are left out."""
    query = parse_qs(urlparse(url).query)
    return {name: values[-1] for name, values in query.items() if name in SCENARIO_PARAMS}


def _moves_for(index: int) -> tuple[str, str]:
    return ROTATING[(2 * index) % len(ROTATING)], ROTATING[(2 * index + 1) % len(ROTATING)]


def _settle(page: Page, path: str) -> None:
    """The page has settled; on a page with a chart, wait for the chart or an exception box
    (a crashed page never draws its chart: fail fast on the box, not after a timeout)."""
    page.wait_for_selector(APP_IDLE, state="attached", timeout=WAIT_MS)
    if BY_PATH[path][2]:
        page.locator(f"{CHART}, {EXCEPTION}").last.wait_for(state="attached", timeout=WAIT_MS)
    wait_for_app(page, chart=False)


def _wait_for_param(page: Page, name: str, before: str | None) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while params_of(page.url).get(name) == before:
        assert time.monotonic() < deadline, f"{name} stayed {before!r} in {page.url}"
        page.wait_for_timeout(100)


def _open_advanced(page: Page) -> None:
    expander = page.locator('[data-testid="stSidebar"] details').filter(has_text=ADVANCED)
    if expander.get_attribute("open") is None:
        expander.locator("summary").click()
    expect(page.locator(".st-key-repeats")).to_be_visible()


def move_slider(page: Page, name: str, path: str) -> None:
    """One keyboard step of the slider keyed ``name``: down, or up from the bottom (the walk's
    moves add up, and fewer people and draws keep it fast)."""
    slider = page.locator(f".st-key-{name}").get_by_role("slider")
    value, bottom = float(slider.get_attribute("value")), float(slider.get_attribute("min"))
    before = params_of(page.url).get(name)
    slider.focus()
    page.keyboard.press("ArrowRight" if value <= bottom else "ArrowLeft")
    if name in FIELDS_BY_NAME:
        _wait_for_param(page, name, before)
    _settle(page, path)


def move_shared(page: Page, name: str, path: str) -> None:
    """Move one shared control to a value it does not have yet, as a person would."""
    if FIELDS_BY_NAME.get(name) and FIELDS_BY_NAME[name].advanced:
        _open_advanced(page)
    before = params_of(page.url).get(name)
    if name == "model":
        current = page.locator(".st-key-model input").input_value()
        choice = "Naive Bayes (GaussianNB)" if current == "Random forest" else "Random forest"
        pick_option(page, "model", choice)
        _wait_for_param(page, name, before)
    elif name == "seed":
        field = page.locator(".st-key-seed input")
        field.fill(str(int(field.input_value()) + 1))
        field.press("Enter")
        _wait_for_param(page, name, before)
    elif name == "projector":
        page.locator(".st-key-projector label").first.click()
        _wait_for_param(page, name, before)
    else:
        move_slider(page, name, path)
        return
    _settle(page, path)


def work_own_controls(page: Page, path: str) -> None:
    """The page's own controls (not Scenario fields): they must not break the walk either."""
    if path == "Accuracy_target":
        move_slider(page, "accuracy_target", path)
    elif path == "Who_pays":
        page.locator(".st-key-who_pays_view").get_by_text("Age bands").click()
        _settle(page, path)
    elif path == "Persona":
        page.locator(".st-key-persona input").click()
        page.get_by_role("option").nth(1).click()
        _settle(page, path)
        shares = page.locator(".st-key-persona_shares")
        remove = shares.get_by_role("button", name=re.compile("^Remove"))
        if remove.count():
            remove.first.click()
            _settle(page, path)
    elif path == "Saved_and_compare":
        page.get_by_label("Name", exact=True).fill("Walk")
        page.get_by_role("button", name="Save").click()
        _settle(page, path)
        expect(page.get_by_text("Saved as")).to_be_visible()
    elif path == "Guided_tour":
        page.locator(".st-key-tour_reveal label").first.click()
        _settle(page, path)


def check_stop(page: Page, path: str, params: dict[str, str], shown: dict[str, str]) -> None:
    """No exception; every Scenario value shown, in the URL and in the links is the one set."""
    where = f"on /{path} ({page.url})"
    expect(page.get_by_role("heading", name=BY_PATH[path][1], level=1)).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert params_of(page.url) == params, where
    now = page.evaluate(SHOWN_JS, list(SHOWN_NAMES))
    assert now == {name: shown[name] for name in now}, where
    for href in page.evaluate(LINK_HREFS_JS):
        assert params_of(href) == params, f"sidebar link {href} {where}"


GROW_TO_CONTENT_JS = """() => Math.max(window.innerHeight, ...[...document.querySelectorAll(
    '[data-testid="stMain"], [data-testid="stSidebarContent"]'
)].map((e) => e.scrollHeight))"""


def screenshot(page: Page, path: str, directory: Path, width: int = 1400, height: int = 1000):
    """The page as it is now: the viewport grown to the content (the app scrolls inside a
    fixed shell, so a full-page shot would stop at the viewport), then set back."""
    tall = page.evaluate(GROW_TO_CONTENT_JS)
    page.set_viewport_size({"width": width, "height": int(tall)})
    _settle(page, path)
    name = BY_PATH[path][0]
    page.screenshot(path=directory / f"walk_{name}_{width}x{height}.png", full_page=True)
    page.set_viewport_size({"width": width, "height": height})


def _follow_link(page: Page, stop: str, label: str, previous: str) -> str:
    """Click the sidebar link to ``stop``; from the room page come back through its page list.
    Returns the page the browser is on afterwards."""
    page.locator('[data-testid="stSidebar"]').get_by_role(
        "link", name=label, exact=True
    ).first.click()
    if stop != ROOM:
        return stop
    wait_for_app(page, chart=False)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.get_by_role("heading", name=BY_PATH[ROOM][1])).to_be_visible()
    # Run a room lists the app's pages: leave it through that list, not the browser's Back.
    previous_label = next(name for _, at, name in WALK if at == previous)
    page.locator('[data-testid="stSidebar"]').get_by_role(
        "link", name=previous_label, exact=True
    ).first.click()
    wait_for_app(page, chart=False)
    return previous


def test_walk_every_page(page: Page, app_url: str, screenshot_dir):
    """On every page: move ε, two shared controls and the page's own, go on to the next page;
    every stop (and every page a lap later) keeps every value set."""
    path = WALK[0][1]
    page.goto(f"{app_url}/{path}?{WALK_START}")
    _settle(page, path)
    laps = WALK[1:] + WALK[:1]
    moved_on = set()
    # Lap one moves on every page, then follows the link to the next; lap two only follows.
    for _, stop, label in laps + laps:
        if path not in moved_on:
            moved_on.add(path)
            before = params_of(page.url)
            moved = [*_moves_for(MOVE_INDEX[path]), "epsilon"]
            for name in moved[:-1]:
                move_shared(page, name, path)
            work_own_controls(page, path)
            # ε last: on Explore it reruns only its fragment, and a page switch right after a
            # fragment run is what lost the Scenario (any full rerun in between hid the bug).
            move_slider(page, "epsilon", path)
            params = params_of(page.url)
            for name in moved:
                assert params.get(name) != before.get(name), f"{name} did not move: {page.url}"
            shown = page.evaluate(SHOWN_JS, list(SHOWN_NAMES))
            screenshot(page, path, screenshot_dir)
        path = _follow_link(page, stop, label, path)
        _settle(page, path)
        check_stop(page, path, params, shown)
    assert moved_on == set(MOVE_INDEX)


def test_epsilon_move_then_who_pays(page: Page, app_url: str):
    """The crash of issue 10: ε one step by keyboard on Explore, then "Who pays" in the sidebar."""
    page.goto(f"{app_url}/?{WALK_START}")
    wait_for_app(page)
    slider = epsilon_slider(page)
    slider.focus()
    page.keyboard.press("ArrowRight")
    _wait_for_param(page, "epsilon", "1")
    wait_for_app(page)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Who pays").click()
    wait_for_app(page, chart=False)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    wait_for_app(page)
    expect(epsilon_slider(page)).to_have_attribute("aria-valuetext", "2")
    assert params_of(page.url)["epsilon"] == "2"


def test_unknown_page_path_says_so_on_explore(page: Page, app_url: str):
    """A path that names no page opens Explore with a notice naming the path, not silently."""
    page.goto(f"{app_url}/No_such_page?{WALK_START}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=BY_PATH[""][1], level=1)).to_be_visible()
    notice = page.get_by_test_id("stAlertContentWarning")
    expect(notice.filter(has_text="There is no page 'No_such_page'")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
