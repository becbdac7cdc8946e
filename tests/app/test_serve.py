"""serve.py: the server entry point serves app.py and warms the default caches off-thread."""

import threading
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def test_serve_wraps_app_py_in_an_st_app():
    """`streamlit run serve.py` finds an st.App whose script is app.py."""
    import streamlit as st

    import serve

    assert isinstance(serve.app, st.App)
    assert Path(serve.app._script_path).name == "app.py"


def test_warm_up_fills_the_default_caches_from_a_thread_without_a_script_run():
    """warm_default_caches runs in a plain thread (no ScriptRunContext) without error, and the
    default frontier it leaves in the cache is the one a page then reads."""
    import ui
    from core.setting.scenario import Scenario

    errors = []

    def warm():
        try:
            ui.warm_default_caches()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    thread = threading.Thread(target=warm, name="warm-up")
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert errors == []
    key = ui.noise_free(Scenario())
    table = ui._frontier(key, ui._builtin_dataset())
    assert isinstance(table, pd.DataFrame)
    assert len(table) == len(ui.EPSILON_STOPS) * Scenario().repeats
