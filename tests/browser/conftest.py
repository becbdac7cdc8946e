"""Fixtures for the real-browser tests: one `streamlit run` per module and a headless Chromium.

Nothing here downloads a browser: the Debian Chromium at ``/usr/bin/chromium`` is used as is.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scripts.streamlit_server import CHROMIUM_ARGS, StreamlitServer

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SERVER_START_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    """The system Chromium; skip (before starting any server) on machines without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium to run browser tests")
    return CHROMIUM


@pytest.fixture(scope="module")
def app_url(chromium_path, tmp_path_factory) -> str:
    """Base URL of a fresh `streamlit run app.py` on a free loopback port."""
    server = StreamlitServer(
        log_path=tmp_path_factory.mktemp("streamlit") / "server.log",
        # Saved scenarios of the test run go to a temporary folder, not the project's var/.
        env={"PTE_DATA_DIR": str(tmp_path_factory.mktemp("data"))},
    )
    try:
        server.start(timeout_s=SERVER_START_TIMEOUT_S)
    except RuntimeError as error:
        server.stop()
        pytest.fail(str(error))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Headless system Chromium (CI installs Debian's package; dev machines may skip)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh context (own cookies, own Streamlit session) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def screenshot_dir() -> Path:
    directory = Path(os.environ.get("ARTIFACTS_DIR", REPO_ROOT / "artifacts" / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory
