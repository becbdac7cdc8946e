"""The engine of Privacy Tradeoff Explorer: pure functions of a Scenario (no Streamlit here)."""

__version__ = "0.1.0"
