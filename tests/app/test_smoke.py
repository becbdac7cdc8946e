"""Every page of the app runs: the smoke test of ``make check`` (and of the whole suite).

Each page of ``ui.PAGES`` opens from a deep link on small data and draws its heading with no
exception. The other tests in tests/app say what each page shows; this one only says that none
of them is broken, in seconds, for the inner loop.
"""

from pathlib import Path

import pytest

import ui
from tests.app.conftest import open_page

SMALL_DATA = {"profiles": 2000, "repeats": 3}


@pytest.mark.parametrize(
    ("script", "label"),
    [(script, label) for script, label, _ in ui.PAGES],
    ids=[ui.page_url_path(script) or "Explore" for script, _, _ in ui.PAGES],
)
def test_page_runs(script, label, no_exceptions, tmp_path, monkeypatch):
    """The page runs to the end: a heading (the room page draws its own), no exception, no
    error box."""
    monkeypatch.setenv("PTE_DATA_DIR", str(tmp_path))
    at = open_page(None if script == "app.py" else script, **SMALL_DATA)
    no_exceptions(at)
    assert at.title or at.markdown, f"{label}: an empty page"
    assert not at.error, (label, [e.value for e in at.error])


def test_no_two_pages_share_a_number():
    """Every file in pages/ has its own number: Streamlit orders pages by it, a tie is ambiguous."""
    pages = Path(__file__).resolve().parents[2] / "pages"
    numbers = [int(path.name.split("_", 1)[0]) for path in pages.glob("*.py")]
    assert numbers and len(numbers) == len(set(numbers)), sorted(numbers)
