"""Every page survives extreme settings: nobody left to train on, everything hidden, tiny data."""

import pytest

from tests.app.conftest import open_page

PAGES = [
    None,
    "pages/1_Accuracy_target.py",
    "pages/2_Who_pays.py",
    "pages/4_Consent_and_control.py",
    "pages/5_Anonymisation.py",
    "pages/6_Local_vs_central.py",
    "pages/7_Attack_audit.py",
    "pages/8_Persona.py",
    "pages/10_Privacy_label.py",
    "pages/12_Saved_and_compare.py",
]
EXTREMES = {
    "everyone_opted_out": {"opt_out": 1, "profiles": 1000, "repeats": 2},
    "almost_everyone_opted_out": {"opt_out": 0.99, "profiles": 1000, "repeats": 2, "seed": 6},
    "nothing_shared": {
        "consent_demographics": 0,
        "consent_location": 0,
        "consent_browsing": 0,
        "consent_purchases": 0,
        "profiles": 1000,
        "repeats": 2,
    },
    "strongest_everything": {
        "epsilon": 0.01,
        "k": 100,
        "local_epsilon": 0.01,
        "profiles": 1000,
        "repeats": 2,
    },
}


@pytest.mark.parametrize("settings", list(EXTREMES.values()), ids=list(EXTREMES))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p or "explore")
def test_page_runs_at_extreme_settings(page, settings, no_exceptions, tmp_path, monkeypatch):
    """No traceback on any page, whatever the settings."""
    monkeypatch.setenv("PTE_DATA_DIR", str(tmp_path))
    at = open_page(page, **settings)
    no_exceptions(at)
