"""Real-browser checks: deep links, keyboard on the ε slider, bad URLs, every page renders.

Runs `streamlit run app.py` on a free loopback port and drives the system Chromium headless
(see ``conftest.py``). Run with ``pytest tests/browser -m browser``.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    CHART,
    EXCEPTION,
    WAIT_MS,
    capture_whole_page,
    download,
    wait_for_app,
)

pytestmark = pytest.mark.browser

DEEP_LINK = "epsilon=0.5&opt_out=0.2&consent_location=0.5"

# (path, screenshot name, title, has a plotly chart)
PAGES = [
    ("", "explore", "Privacy Tradeoff Explorer", True),
    ("Accuracy_target", "accuracy_target", "Accuracy target", True),
    ("Who_pays", "who_pays", "Who pays for privacy", True),
    ("Consent_and_control", "consent_and_control", "Consent & control", True),
    ("Anonymisation", "anonymisation", "Anonymisation", True),
    ("Local_vs_central", "local_vs_central", "Local vs central differential privacy", True),
    ("Attack_audit", "attack_audit", "Attack audit", True),
    ("Persona", "persona", "A persona", True),
    ("Threats_and_controls", "threats_and_controls", "What protects against what", False),
    ("Privacy_label", "privacy_label", "Privacy label", False),
    ("Saved_and_compare", "saved_and_compare", "Save & compare", True),
    ("Guided_tour", "guided_tour", "Guided tour", False),
    ("How_it_works", "how_it_works", "How it works", False),
    ("Your_data", "your_data", "Your own data", False),
]

# Page path -> its link label in the sidebar (ui.PAGES).
SIDEBAR_LABELS = [
    ("Accuracy_target", "Accuracy target"),
    ("Who_pays", "Who pays"),
    ("Consent_and_control", "Consent & control"),
    ("Anonymisation", "Anonymisation"),
    ("Local_vs_central", "Local vs central DP"),
    ("Attack_audit", "Attack audit"),
    ("Persona", "A persona"),
    ("Threats_and_controls", "What protects what"),
    ("Privacy_label", "Privacy label"),
    ("Saved_and_compare", "Save & compare"),
    ("Guided_tour", "Guided tour"),
    ("How_it_works", "How it works"),
]


# y of the "Your setting" marker in the last (newest) plotly chart, or null while none is drawn.
CURRENT_POINT_JS = """() => {
    const plots = document.querySelectorAll('.js-plotly-plot');
    const plot = plots[plots.length - 1];
    const traces = plot && (plot._fullData || plot.data);
    if (!traces) return null;
    const trace = traces.find((t) => (t.name || '').startsWith('Your setting'));
    return trace && trace.y && trace.y.length ? Number(trace.y[0]) : null;
}"""


def epsilon_slider(page: Page):
    """The ε select-slider's thumb: the range input inside the widget keyed `epsilon` (in the
    sidebar on most pages, above the chart on Explore)."""
    widget = page.locator(".st-key-epsilon")
    return widget.get_by_role("slider", name="Privacy budget ε")


def query_param(url: str, name: str) -> str | None:
    values = parse_qs(urlparse(url).query).get(name)
    return values[-1] if values else None


def test_deep_link_then_epsilon_by_keyboard(page: Page, app_url: str):
    """A deep link opens its page with its ε; ArrowRight on ε moves the chart and the URL."""
    # First request on the fresh server goes straight to a non-root page.
    page.goto(f"{app_url}/Accuracy_target?{DEEP_LINK}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Accuracy target", level=1)).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(epsilon_slider(page)).to_have_attribute("aria-valuetext", "0.5")
    expect(page.locator(".st-key-epsilon")).to_contain_text("0.5")
    assert query_param(page.url, "epsilon") == "0.5"
    assert query_param(page.url, "opt_out") == "0.2"
    assert query_param(page.url, "consent_location") == "0.5"
    expect(page.locator(EXCEPTION)).to_have_count(0)

    page.goto(f"{app_url}/?epsilon=1")
    wait_for_app(page)
    slider = epsilon_slider(page)
    expect(slider).to_have_attribute("aria-valuetext", "1")
    before = page.evaluate(CURRENT_POINT_JS)
    assert before is not None, "no 'Your setting' trace in the chart"

    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"(before) => {{ const y = ({CURRENT_POINT_JS})(); return y !== null && y !== before; }}",
        arg=before,
        timeout=WAIT_MS,
    )
    wait_for_app(page)
    page.wait_for_url(lambda url: query_param(url, "epsilon") == "2", timeout=WAIT_MS)
    expect(slider).to_have_attribute("aria-valuetext", "2")
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_bad_url_values_warn_and_fall_back(page: Page, app_url: str):
    """Unparseable or out-of-range URL values each get a visible warning; the chart still draws."""
    page.goto(f"{app_url}/?epsilon=abc&k=500")
    wait_for_app(page)
    warnings = page.get_by_test_id("stAlertContentWarning")
    expect(warnings.filter(has_text="Ignored epsilon=")).to_be_visible()
    expect(warnings.filter(has_text="Ignored k=")).to_be_visible()
    expect(page.locator(CHART).last).to_be_visible()
    assert query_param(page.url, "epsilon") == "1"
    assert query_param(page.url, "k") == "1"
    expect(page.locator(EXCEPTION)).to_have_count(0)


@pytest.mark.parametrize(("path", "name", "title", "chart"), PAGES, ids=[p[1] for p in PAGES])
def test_every_page_renders(page: Page, app_url: str, screenshot_dir, path, name, title, chart):
    """Each page opens from a deep link without an exception; a full-page screenshot is saved."""
    page.goto(f"{app_url}/{path}?{DEEP_LINK}")
    wait_for_app(page, chart=chart)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)

    # The main area and the sidebar scroll inside a fixed-height app shell: the helper grows the
    # viewport to the tallest scroller so the screenshot shows the whole page.
    capture_whole_page(page, screenshot_dir / f"{name}.png", chart=chart)


def test_save_compare_and_download_a_report(page: Page, app_url: str, tmp_path):
    """Save the current settings, compare them with a preset and download the offline report."""
    page.goto(f"{app_url}/Saved_and_compare?epsilon=2&profiles=5000&repeats=3")
    wait_for_app(page)
    page.get_by_label("Name", exact=True).fill("Browser test <b>save</b>")
    page.get_by_role("button", name="Save").click()
    wait_for_app(page)
    expect(page.get_by_text("Saved as")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)

    report_file = download(
        page, page.get_by_role("button", name="Report (HTML, works offline)").click
    )
    report = tmp_path / "report.html"
    report_file.save_as(report)
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Plotly.newPlot" in text
    assert "Privacy settings compared" in text

    with page.expect_download(timeout=WAIT_MS) as download_info:
        page.get_by_role("button", name="Numbers (CSV)").click()
    csv_path = tmp_path / "comparison.csv"
    download_info.value.save_as(csv_path)
    assert csv_path.read_text(encoding="utf-8").startswith("Setting,")


def test_reload_restores_the_view_from_the_url(page: Page, app_url: str):
    """After a change and a reconnect (page reload: a new session), the URL brings the view back."""
    page.goto(f"{app_url}/Who_pays?epsilon=1&opt_out=0.1")
    wait_for_app(page)
    slider = epsilon_slider(page)
    slider.focus()
    slider.press("ArrowRight")
    deadline = time.monotonic() + WAIT_MS / 1000
    while query_param(page.url, "epsilon") != "2":
        assert time.monotonic() < deadline, page.url
        page.wait_for_timeout(100)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Who pays for privacy", level=1)).to_be_visible()
    assert epsilon_slider(page).get_attribute("aria-valuetext") == "2"
    assert query_param(page.url, "opt_out") == "0.1"


def test_upload_your_own_data_and_explore_it(page: Page, app_url: str, screenshot_dir, tmp_path):
    """Upload a CSV and its saved column declarations, use them, and see Explore run on them
    in the same session; a bad file in between gets a message, not a traceback."""
    from core.people.upload import sample_csv, sample_mapping

    page.goto(f"{app_url}/Your_data?repeats=3")
    wait_for_app(page, chart=False)
    uploaders = page.locator('[data-testid="stFileUploaderDropzoneInput"]')

    bad = tmp_path / "photo.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    uploaders.first.set_input_files(bad)
    wait_for_app(page, chart=False)
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="PNG image")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)

    profiles = tmp_path / "shoppers.csv"
    profiles.write_bytes(sample_csv(rows=1_500))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(sample_mapping().to_json(), encoding="utf-8")
    uploaders.first.set_input_files(profiles)
    wait_for_app(page, chart=False)
    expect(page.get_by_text("1,500 rows, first ones")).to_be_visible()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(1).set_input_files(mapping)
    wait_for_app(page, chart=False)
    page.get_by_role("button", name="Use this data on every page").click()
    wait_for_app(page, chart=False)
    expect(page.get_by_text("Every page now runs on")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    capture_whole_page(page, screenshot_dir / "your_data_in_use.png")

    # Same session, every other page (page links, not new URLs: the upload lives in the session).
    sidebar = page.locator('[data-testid="stSidebar"]')
    for path, name, title, chart in PAGES:
        if path == "Your_data":
            continue
        link = {"": "Explore"}.get(path)
        link = link or next(label for p, label in SIDEBAR_LABELS if p == path)
        sidebar.get_by_role("link", name=link, exact=True).first.click()
        wait_for_app(page, chart=chart)
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(sidebar.get_by_text("shoppers.csv").first).to_be_visible()
        expect(page.locator(EXCEPTION)).to_have_count(0)
        capture_whole_page(page, screenshot_dir / f"upload_{name}.png", chart=chart)
