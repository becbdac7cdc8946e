"""Projector figures: they show the computed numbers, and nothing when nobody has answered."""

import numpy as np
import pandas as pd
import pytest

from core.rooms.room_figures import (
    consent_shares_figure,
    consent_who_pays_figure,
    epsilon_choices_figure,
    randomised_response_figure,
)
from core.rooms.workshop import epsilon_choices, estimate_true_share
from core.setting.schema import CATEGORIES


def test_randomised_response_bars_and_interval():
    """Bars: raw yes share and the clipped estimate; whisker: the 95% interval."""
    result = estimate_true_share(30, 50, 0.5)
    bar = randomised_response_figure(result).data[0]
    assert list(bar.x) == pytest.approx([0.6, 0.7])
    assert bar.error_x.array[1] == pytest.approx(result.high - 0.7)
    assert bar.error_x.arrayminus[1] == pytest.approx(0.7 - result.low)
    assert bar.y[1].endswith("70%")


def test_randomised_response_with_no_answers():
    """No answers: empty bars, no numbers in the labels, no error."""
    bar = randomised_response_figure(estimate_true_share(0, 0, 0.5)).data[0]
    assert list(bar.x) == [0.0, 0.0] and not any("%" in label for label in bar.y)


def test_consent_bars_follow_the_shares():
    """One bar per category plus opt-out, in the schema's order."""
    shares = {f"consent_{c}": i / 4 for i, c in enumerate(CATEGORIES)} | {"opt_out": 0.5}
    bar = consent_shares_figure(shares, {c: c.title() for c in CATEGORIES}).data[0]
    assert list(bar.x) == [0, 0.25, 0.5, 0.75, 0.5]
    assert list(bar.y) == [c.title() for c in CATEGORIES] + ["Opt out entirely"]


def test_epsilon_bubbles_sit_on_the_frontier():
    """Each picked ε is a bubble on the mean curve with its count; unpicked stops have none."""
    table = pd.DataFrame(
        {"epsilon": [0.1, 0.1, 1.0, 1.0, 10.0, 10.0], "accuracy": [0.2, 0.2, 0.4, 0.4, 0.6, 0.6]}
    )
    choices = epsilon_choices([{"epsilon": 1.0}, {"epsilon": 1.0}, {"epsilon": 10.0}])
    figure = epsilon_choices_figure(table, choices, ceiling=0.7, floor=0.15)
    bubbles = next(t for t in figure.data if t.name == "The room's picks")
    assert list(bubbles.x) == [1.0, 10.0] and list(bubbles.text) == ["2", "1"]
    assert np.allclose(bubbles.y, [0.4, 0.6])
    assert figure.layout.title.text == "3 picks · median ε = 1"
    empty = epsilon_choices_figure(table, epsilon_choices([]), ceiling=0.7, floor=0.15)
    assert all(t.name != "The room's picks" for t in empty.data)


def test_who_pays_bars_follow_the_segments():
    """Opted in, opted out, then each segment under its label (its name without one), ±1 sd."""
    result = {
        "segments": {
            "opted_in": {"accuracy": 0.5, "accuracy_std": 0.01},
            "opted_out": {"accuracy": 0.2, "accuracy_std": 0.02},
            "young": {"accuracy": 0.45, "accuracy_std": 0.03},
            "other": {"accuracy": 0.4, "accuracy_std": 0.04},
        },
        "segment_names": ["young", "other"],
    }
    figure = consent_who_pays_figure(result, {"young": "under 30"}, height=330)
    bar = figure.data[0]
    assert list(bar.x) == ["Opted in", "Opted out", "Under 30", "Other"]
    assert list(bar.y) == [0.5, 0.2, 0.45, 0.4]
    assert list(bar.error_y.array) == [0.01, 0.02, 0.03, 0.04]
    assert figure.layout.height == 330
