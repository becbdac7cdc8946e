"""ui.py: process-wide settings every page relies on."""

import gc

import pandas as pd
import plotly.graph_objects as go

import ui


def test_imports_are_frozen_out_of_garbage_collection():
    """Importing ui puts the heavy imports in gc's permanent generation: post-run GCs skip them."""
    tracked = {id(obj) for obj in gc.get_objects()}
    for module in (pd, go, ui):
        assert id(vars(module)) not in tracked, module.__name__
