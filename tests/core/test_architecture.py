"""The shape of core/: groups by concern whose imports run one way, and no Streamlit.

The groups and their order are :data:`core.LAYERS`; docs/architecture.md explains the cut.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import LAYERS

CORE = Path(__file__).resolve().parents[2] / "core"
TOP_LEVEL = {"__init__", "__main__", "cli"}  # the package itself and the command line on top


def core_imports(source: str) -> list[tuple[int, str]]:
    """Every ``core.…`` module a source imports, at any depth (function-level imports count)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "core":  # from core import setting / from core import __version__
                found += [(node.lineno, f"core.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "core" or name.startswith("core.")]


def group_of(module: str) -> str | None:
    """The group a dotted ``core.…`` name belongs to, or None for core's own top level."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def upward_imports(group: str, source: str) -> list[str]:
    """Imports in a module of ``group`` that reach a group above it (or the command line)."""
    rank = LAYERS.index(group)
    wrong = []
    for line, name in core_imports(source):
        target = group_of(name)
        if name == "core.cli" or (target is not None and LAYERS.index(target) > rank):
            wrong.append(f"line {line}: {name}")
    return wrong


def modules() -> list[tuple[str, Path]]:
    """(group, path) of every Python file under a group of core/."""
    return [
        (path.relative_to(CORE).parts[0], path)
        for path in sorted(CORE.rglob("*.py"))
        if len(path.relative_to(CORE).parts) > 1
    ]


def test_every_core_module_lives_in_a_group():
    """No module is left loose in core/ beside the groups, and every group is a package."""
    loose = {p.stem for p in CORE.glob("*.py")} - TOP_LEVEL
    assert not loose, f"modules outside a group: {sorted(loose)}"
    folders = {p.name for p in CORE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(LAYERS)
    assert all((CORE / group / "__init__.py").is_file() for group in LAYERS)


@pytest.mark.parametrize("group", LAYERS)
def test_imports_between_groups_run_one_way(group):
    """A module imports only from its own group and the groups below it in core.LAYERS."""
    wrong = {
        str(path.relative_to(CORE)): found
        for g, path in modules()
        if g == group and (found := upward_imports(group, path.read_text(encoding="utf-8")))
    }
    assert not wrong, f"upward imports (see docs/architecture.md): {wrong}"


def test_the_one_way_check_catches_an_upward_import():
    """The checker itself: an upward import, a function-level one and ``from core import`` fail."""
    assert upward_imports("setting", "from core.engine import evaluate\n") == [
        "line 1: core.engine"
    ]
    assert upward_imports("privacy", "def f():\n    import core.store.database\n") == [
        "line 2: core.store.database"
    ]
    assert upward_imports("people", "from core import rooms\n") == ["line 1: core.rooms"]
    assert upward_imports("store", "from core import cli\n") == ["line 1: core.cli"]
    assert upward_imports("engine", "from core.privacy.models import fit_private\n") == []
    assert upward_imports("setting", "from core import __version__\n") == []


def test_core_never_imports_streamlit():
    """core/ is pure: Streamlit belongs to app.py, pages/ and ui/ (../shared/ARCHITECTURE.md)."""
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name.split(".")[0] == "streamlit" for name in names):
                offenders.append(f"{path.relative_to(CORE)}:{node.lineno}")
    assert not offenders


@pytest.mark.parametrize("group", LAYERS)
def test_each_group_says_what_lives_there_and_what_it_may_import(group):
    """The group's docstring names what lives there and exactly the groups below it."""
    doc = ast.get_docstring(ast.parse((CORE / group / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "Lives here:" in doc
    stated = doc.split("May import:", 1)[1]
    named = set(re.findall(r"``core\.(\w+)``", stated))
    below = set(LAYERS[: LAYERS.index(group)])
    if group == LAYERS[-1]:
        assert "every other group" in stated
    else:
        assert named == below, f"{group} says it may import {sorted(named)}"
