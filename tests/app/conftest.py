"""Shared helpers for AppTest tests: open a page of the app with query parameters."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def open_page(page: str | None = None, **query) -> AppTest:
    """Run the app (entry ``app.py``) on ``page`` with ``query`` as URL parameters."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = str(value)
    if page is not None:
        at.switch_page(page)
    at.run()
    return at


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def trace(spec: dict, name_prefix: str) -> dict:
    return next(t for t in spec["data"] if t.get("name", "").startswith(name_prefix))


@pytest.fixture
def no_exceptions():
    def check(at: AppTest) -> None:
        assert not at.exception, [e.value for e in at.exception]

    return check
