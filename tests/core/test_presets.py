"""Presets in data/presets.json are valid Scenarios; a broken preset file names the preset."""

import json

import pytest

from core.setting.presets import load_presets


def test_every_preset_is_a_valid_scenario():
    """Each named preset parses, has a description, and the names are the documented ones."""
    presets = load_presets()
    names = {p.name for p in presets}
    assert {
        "Workshop start",
        "Strict regulator",
        "Ad-tech maximum",
        "Privacy-first startup",
    } <= names
    assert all(p.description for p in presets)


def test_bad_preset_names_the_preset(tmp_path):
    """An out-of-range value in a preset file is reported with the preset and field names."""
    path = tmp_path / "presets.json"
    path.write_text(json.dumps({"Broken": {"scenario": {"epsilon": -1}}}))
    with pytest.raises(ValueError, match="Broken.*epsilon"):
        load_presets.__wrapped__(path)
