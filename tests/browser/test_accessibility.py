"""Accessibility in a real browser: axe-core on every page in both themes, and on an upload.

axe-core (bundled by ``axe-playwright-python``) runs the WCAG 2.0 / 2.1 level A and AA rules on
each page of ``ui.PAGES`` at the default settings, on small data (5,000 people, 3 noise draws)
to stay fast. A critical or serious violation fails the test; every violation found (moderate
and minor included) is written to ``artifacts/accessibility/`` for docs/accessibility.md.
Each page is also captured whole at three screen sizes in both themes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import ui
from tests.browser.helpers import (
    EXCEPTION,
    SCREEN_SIZES,
    WAIT_MS,
    capture_whole_page,
    download,
    wait_for_app,
)
from tests.browser.keyboard import focused, tab_until, tab_walk, unreached_controls

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
SMALL_DATA = "profiles=5000&repeats=3"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"critical", "serious"}
# The app offers Streamlit's light and dark themes (settings menu, default "System"): the
# browser's colour-scheme preference picks one, as a reader's system setting would.
THEMES = ("light", "dark")
PAGES_WITHOUT_CHARTS = {"What protects what", "Privacy label", "Your own data"}
PAGES_WITHOUT_CHARTS |= {"Guided tour", "How it works", "Run a room"}


def url_path(script: str) -> str:
    """'pages/1_Accuracy_target.py' -> 'Accuracy_target' (Streamlit's URL of a page file)."""
    stem = Path(script).stem
    return "" if script == "app.py" else stem.split("_", 1)[1]


@pytest.fixture(scope="module")
def report_dir() -> Path:
    base = Path(os.environ.get("ARTIFACTS_DIR", REPO_ROOT / "artifacts"))
    directory = base / "accessibility"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def audit(page: Page, report_path: Path, context: str | None = None) -> list[dict]:
    """Run axe-core's WCAG 2.0/2.1 A+AA rules on the page (or the elements matching the CSS
    selector ``context``); save and return the violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        context=context,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
        },
    )
    violations = [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": len(violation["nodes"]),
            "targets": [node["target"] for node in violation["nodes"]][:10],
            "summary": [node.get("failureSummary", "") for node in violation["nodes"]][:3],
        }
        for violation in results.response["violations"]
    ]
    report_path.write_text(json.dumps(violations, indent=2), encoding="utf-8")
    return violations


def audit_chart_tables(page: Page, report_path: Path) -> list[dict]:
    """Open every "Data behind this chart" expander and audit the tables (axe skips collapsed
    content, and the tables are only drawn when opened); close them again."""
    summaries = page.locator("summary").filter(has_text="Data behind this chart").all()
    if not summaries:
        return []
    tables = page.locator('[data-testid="stExpanderDetails"] table')
    for count, summary in enumerate(summaries, start=1):
        summary.click()  # the table is drawn on opening (a rerun)
        expect(tables).to_have_count(count, timeout=WAIT_MS)
    wait_for_app(page, chart=False)
    found = audit(page, report_path, context='[data-testid="stExpanderDetails"]')
    for summary in summaries:
        summary.click()
    wait_for_app(page, chart=False)
    return found


def blocking(violations: list[dict]) -> list[str]:
    return [
        f"{v['impact']} {v['id']} ({v['nodes']} elements): {v['help']}; {v['summary'][:1]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def background_luminance(page: Page) -> float:
    """Relative luminance (0 black … 1 white) of the app's background colour."""
    rgb = page.evaluate(
        """() => getComputedStyle(document.querySelector('[data-testid="stApp"]'))
            .backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"""
    )
    return sum(
        weight * value / 255 for weight, value in zip((0.2126, 0.7152, 0.0722), rgb, strict=True)
    )


@pytest.fixture
def themed_page(browser, request):
    """A fresh page whose browser prefers the light or the dark colour scheme."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, color_scheme=request.param
    )
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("themed_page", THEMES, indirect=True, ids=THEMES)
@pytest.mark.parametrize(
    ("script", "label"),
    [(p[0], p[1]) for p in ui.PAGES],
    ids=[url_path(p[0]) or "Explore" for p in ui.PAGES],
)
def test_page_meets_wcag_aa(
    themed_page: Page, app_url: str, report_dir, screenshot_dir, script, label
):
    """No critical or serious WCAG 2.1 A/AA violation on the page; captured whole in 3 sizes."""
    page = themed_page
    theme = page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
    theme = "dark" if theme else "light"
    name = f"{theme}_{url_path(script) or 'Explore'}"
    page.goto(f"{app_url}/{url_path(script)}?{SMALL_DATA}")
    wait_for_app(page, chart=label not in PAGES_WITHOUT_CHARTS)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    dark = background_luminance(page) < 0.2
    assert dark == (theme == "dark"), f"the {theme} theme did not apply"

    violations = audit(page, report_dir / f"{name}.json")
    violations += audit_chart_tables(page, report_dir / f"{name}_tables.json")
    for size, (width, height) in SCREEN_SIZES.items():
        capture_whole_page(
            page,
            screenshot_dir / f"{name}_{size}.png",
            width=width,
            height=height,
            chart=label not in PAGES_WITHOUT_CHARTS,
        )
    assert not blocking(violations), "\n".join(blocking(violations))

    # Keyboard: every visible control is a Tab stop, and every Tab stop shows its focus.
    page.set_viewport_size({"width": 1400, "height": 1000})
    stops = tab_walk(page)
    assert stops, "Tab focuses nothing"
    assert [s for s in stops if not s["visible_focus"]] == [], "focus not visible"
    assert unreached_controls(page) == [], "controls that Tab never reaches"


def test_uploaded_data_meets_wcag_aa(page: Page, app_url: str, report_dir, tmp_path):
    """After an upload, every page (reached through the sidebar) passes the same audit."""
    from core.people.upload import sample_csv, sample_mapping

    page.goto(f"{app_url}/Your_data?repeats=3")
    wait_for_app(page, chart=False)
    profiles = tmp_path / "shoppers.csv"
    profiles.write_bytes(sample_csv(rows=1_500))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(sample_mapping().to_json(), encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(profiles)
    wait_for_app(page, chart=False)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(1).set_input_files(mapping)
    wait_for_app(page, chart=False)
    page.get_by_role("button", name="Use this data on every page").click()
    wait_for_app(page, chart=False)
    expect(page.get_by_text("Every page now runs on")).to_be_visible()

    failures = blocking(audit(page, report_dir / "upload_Your_data.json"))
    sidebar = page.locator('[data-testid="stSidebar"]')
    # "Run a room" draws no sidebar (no page links to go on from): visit it last.
    for script, label, _icon in sorted(ui.PAGES, key=lambda page: page[1] == "Run a room"):
        if label == "Your own data":
            continue
        sidebar.get_by_role("link", name=label, exact=True).first.click()
        wait_for_app(page, chart=label not in PAGES_WITHOUT_CHARTS)
        if label != "Run a room":  # the room pages draw no settings sidebar
            expect(sidebar.get_by_text("shoppers.csv").first).to_be_visible()
        expect(page.locator(EXCEPTION)).to_have_count(0)
        name = f"upload_{url_path(script) or 'Explore'}"
        failures += [
            f"{label}: {line}" for line in blocking(audit(page, report_dir / f"{name}.json"))
        ]
    assert not failures, "\n".join(failures)


# y of the "Your setting" marker in the Explore chart, or null while none is drawn.
CURRENT_POINT_JS = """() => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')].pop();
    const trace = plot && (plot._fullData || plot.data || []).find(
        (t) => (t.name || '').startsWith('Your setting'));
    return trace && trace.y && trace.y.length ? Number(trace.y[0]) : null;
}"""


def test_explore_by_keyboard_only(page: Page, app_url: str, tmp_path):
    """Tab to the ε slider, move it with the arrow keys (the chart follows), Tab on to the
    report download and press Enter: the file arrives. No mouse."""
    page.goto(f"{app_url}/?epsilon=1&{SMALL_DATA}")
    wait_for_app(page)
    before = page.evaluate(CURRENT_POINT_JS)
    assert before is not None

    slider, stops = tab_until(
        page, lambda stop: stop["key"] == "st-key-epsilon" and stop["tag"] == "input"
    )
    assert slider is not None, [stop["name"] for stop in stops]
    assert all(stop["visible_focus"] for stop in stops)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"(before) => {{ const y = ({CURRENT_POINT_JS})(); return y !== null && y !== before; }}",
        arg=before,
        timeout=WAIT_MS,
    )
    wait_for_app(page)
    epsilon = page.locator(".st-key-epsilon").get_by_role("slider")
    expect(epsilon).to_have_attribute("aria-valuetext", "2")
    assert focused(page)["key"] == "st-key-epsilon", "the rerun took the focus off the slider"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(epsilon).to_have_attribute("aria-valuetext", "0.5", timeout=WAIT_MS)
    wait_for_app(page)

    button, stops = tab_until(page, lambda stop: stop["key"] == "st-key-download_report")
    assert button is not None, [stop["name"] for stop in stops]
    assert all(stop["visible_focus"] for stop in stops)

    def press_enter_on_the_button() -> None:
        # A rerun can replace the button under the focus: Tab to it again before a second press.
        if focused(page)["key"] != "st-key-download_report":
            again, _ = tab_until(page, lambda stop: stop["key"] == "st-key-download_report")
            assert again is not None
        page.keyboard.press("Enter")

    report_file = download(page, press_enter_on_the_button)
    report = tmp_path / "report.html"
    report_file.save_as(report)
    assert "ε = 0.5" in report.read_text(encoding="utf-8")
