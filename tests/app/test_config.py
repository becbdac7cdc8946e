"""Streamlit server settings are explicit and safe for a workshop server."""

import tomllib

from tests.app.conftest import ROOT


def test_server_settings_are_explicit():
    """Upload limit set, XSRF protection on, usage statistics off."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] <= 50
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False
