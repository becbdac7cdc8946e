"""The markdown both load tests print: a table, and a named section replaced in a docs file."""

from __future__ import annotations

import re
from pathlib import Path


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def section_markers(name: str) -> tuple[str, str]:
    return f"<!-- load_test:{name} -->", f"<!-- /load_test:{name} -->"


def write_section(path: Path, section: str, name: str = "results") -> None:
    """Replace the section called ``name`` in ``path`` (append it, or create the file)."""
    start, end = section_markers(name)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
        if pattern.search(text):
            text = pattern.sub(lambda _: section, text)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
    else:
        text = (
            "# Load test: a workshop room\n\n"
            "How the app holds up when a room of people moves ε at the same time. "
            "`python -m scripts.load --help` for the options.\n\n" + section + "\n"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
