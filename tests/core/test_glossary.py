"""Glossary: every entry loads, and every term the pages ask for exists."""

import re
from pathlib import Path

import pytest

from core.presentation.glossary import define, explain, load_glossary

ROOT = Path(__file__).resolve().parents[2]


def test_every_entry_is_a_plain_sentence():
    """Each term has a non-empty explanation that ends like a sentence."""
    glossary = load_glossary()
    assert len(glossary) >= 20
    for term, text in glossary.items():
        assert text.strip() and text.rstrip().endswith("."), term


def test_terms_asked_for_by_the_app_exist():
    """Every explain("…")/define("…") in the app names a glossary term (a typo fails here)."""
    sources = [ROOT / "app.py", *(ROOT / "ui").glob("*.py"), *(ROOT / "pages").glob("*.py")]
    asked = set()
    for source in sources:
        for call in re.findall(r"(?:explain|define)\(([^)]*)\)", source.read_text("utf-8")):
            asked.update(re.findall(r'"([^"]+)"', call))
    assert asked
    for term in asked:
        assert define(term)


def test_unknown_term_names_itself():
    """A missing term raises KeyError naming it."""
    with pytest.raises(KeyError, match="'nonsense'"):
        define("nonsense")
    assert explain("AUC").startswith("**AUC**: ")
