"""The server's entry point: ``streamlit run serve.py`` serves app.py and warms its caches.

A fresh `streamlit run app.py` computes nothing until the first visitor arrives, who then waits
for the engine's imports, the default people, their Workbench and the frontier. Here app.py is
served through ``st.App``, whose lifespan starts one background thread when the server starts:
it fills the default Scenario's caches (:func:`ui.warm_default_caches`) while the server already
answers its health check and serves pages. A visitor arriving before it finishes simply shares
the computation (Streamlit's caches compute a key once).
"""

import threading
from contextlib import asynccontextmanager

import streamlit as st


def _warm() -> None:
    import ui  # the engine's imports happen here, off the server's event loop

    ui.warm_default_caches()


@asynccontextmanager
async def _lifespan(_app):
    threading.Thread(target=_warm, name="warm-up", daemon=True).start()
    yield


app = st.App("app.py", lifespan=_lifespan)
