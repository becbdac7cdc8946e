"""The ui package: process-wide settings every page relies on."""

import gc

import pandas as pd
import plotly.graph_objects as go

import ui


def test_imports_are_frozen_out_of_garbage_collection():
    """Importing ui puts the heavy imports in gc's permanent generation: post-run GCs skip them."""
    tracked = {id(obj) for obj in gc.get_objects()}
    for module in (pd, go, ui, ui.display, ui.cached, ui.state, ui.chrome):
        assert id(vars(module)) not in tracked, module.__name__


def test_page_url_paths_are_streamlits():
    """Each page script maps to the path Streamlit serves it under; the main page to ''."""
    paths = [ui.page_url_path(script) for script, _, _ in ui.PAGES]
    assert paths[0] == "" and "Accuracy_target" in paths and "How_it_works" in paths
    assert len(set(paths)) == len(paths)
