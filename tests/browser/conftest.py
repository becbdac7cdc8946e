"""Fixtures for the real-browser tests: one `streamlit run` and one headless Chromium per test run.

Every browser module shares the server (``app_url``) and the browser (``browser``) of the run:
starting them per module cost a server start-up and cold caches for each of the eight modules.
Each test still gets a fresh browser context (``page``: own cookies, own Streamlit session), so
no test sees another's session state. What the server keeps between sessions (the saved
scenarios and rooms in its temporary ``PTE_DATA_DIR``, the caches of core calls) is what a
real server keeps between its visitors; tests must not assume an empty store. A test that needs
a server with a special environment starts its own with ``start_server`` (below).

Under ``pytest -n 2 --dist loadgroup`` (``make test``) each browser module is one xdist group:
its tests run in order on one worker, the largest modules start first, and each of the (at most
two) workers that runs browser tests starts its own server and browser on first use, shared by
every browser module it runs. The browser tests mostly wait (on the server, on Chromium, on
settling), so two modules at once overlap their waits.

Nothing here downloads a browser: the Debian Chromium at ``/usr/bin/chromium`` is used as is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.streamlit_server import CHROMIUM_ARGS, StreamlitServer

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SERVER_START_TIMEOUT_S = 60


def pytest_collection_modifyitems(items):
    """Each module of this folder (new ones included) is an xdist group of its own, unless it
    names one."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(f"browser-{item.path.stem}"))


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The system Chromium; skip (before starting any server) on machines without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium to run browser tests")
    return CHROMIUM


def start_server(tmp_path_factory, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start `streamlit run app.py` on a free loopback port, yield its base URL, stop it.

    Saved scenarios and rooms go to a temporary folder, not the project's var/; ``env`` adds
    to (or overrides) the server's environment. For a module that needs its own server::

        @pytest.fixture(scope="module")
        def app_url(chromium_path, tmp_path_factory):
            yield from start_server(tmp_path_factory, {"PTE_SOMETHING": "1"})
    """
    server = StreamlitServer(
        log_path=tmp_path_factory.mktemp("streamlit") / "server.log",
        env={"PTE_DATA_DIR": str(tmp_path_factory.mktemp("data")), **(env or {})},
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


@pytest.fixture(scope="session")
def app_url(chromium_path, tmp_path_factory) -> Iterator[str]:
    """Base URL of the run's `streamlit run app.py` on a free loopback port (shared)."""
    yield from start_server(tmp_path_factory)


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    directory = Path(os.environ.get("ARTIFACTS_DIR", REPO_ROOT / "artifacts" / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory
