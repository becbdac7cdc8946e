"""The words the app uses, explained once (``data/glossary.json``) for tooltips and a glossary."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from core.setting.schema import DATA_DIR

GLOSSARY_PATH = DATA_DIR / "glossary.json"


@cache
def load_glossary(path: str | Path = GLOSSARY_PATH) -> dict[str, str]:
    """Term -> plain explanation, in file order."""
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))


def define(term: str) -> str:
    """The explanation of ``term`` (its name in the glossary, or the part before a bracket).

    Raises ``KeyError`` naming the term and the known terms, so a typo fails a test, not a page.
    """
    glossary = load_glossary()
    if term in glossary:
        return glossary[term]
    for name, text in glossary.items():
        if name.split(" (")[0] == term:
            return text
    raise KeyError(f"No glossary entry for {term!r}. Known terms: {', '.join(glossary)}.")


def explain(*terms: str) -> str:
    """Tooltip text for several terms: 'term: explanation' paragraphs."""
    return "\n\n".join(f"**{term}**: {define(term)}" for term in terms)
