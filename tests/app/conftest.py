"""Shared helpers for AppTest tests: open a page of the app with query parameters."""

import base64
import json
from pathlib import Path

import numpy as np
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


def values(data) -> np.ndarray:
    """Plotly array data as numpy (Plotly ≥ 6 may send typed arrays as base64 ``bdata``)."""
    if isinstance(data, dict) and "bdata" in data:
        array = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        shape = data.get("shape")
        return array.reshape([int(s) for s in str(shape).split(",")]) if shape else array
    return np.asarray(data)
