"""Named starting points (``data/presets.json``), each a partial Scenario with a description."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.setting.scenario import Scenario
from core.setting.schema import DATA_DIR

PRESETS_PATH = DATA_DIR / "presets.json"


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    scenario: Scenario


@cache
def load_presets(path: str | Path = PRESETS_PATH) -> tuple[Preset, ...]:
    """Read and validate every preset; a bad preset file fails loudly, naming the preset."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    presets = []
    for name, entry in raw.items():
        try:
            scenario = Scenario.from_json(json.dumps(entry["scenario"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"Preset {name!r} in {path} is invalid: {error}") from None
        presets.append(Preset(name, entry.get("description", ""), scenario))
    return tuple(presets)
