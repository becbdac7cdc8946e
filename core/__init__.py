"""The core of Privacy Tradeoff Explorer: pure functions of a Scenario (no Streamlit here).

``core`` is grouped by concern into packages, listed in :data:`LAYERS` from the bottom up. A
module may import from its own group and from the groups below it, never from a group above:
the public schema knows nothing of the engine, the engine nothing of rooms or the database.
``core.cli`` (``python -m core``) sits on top and may import any group. The rule is enforced by
``tests/core/test_architecture.py``; docs/architecture.md draws the map.
"""

__version__ = "0.1.0"

LAYERS = (
    "setting",  # the public schema, the Scenario and its parameter table, number formatting
    "people",  # the population, each person's keys, the dataset, encoding, k-anonymity, uploads
    "privacy",  # DP mechanisms and models, user controls, measures, the guarantee, the audit
    "engine",  # evaluate() and the frontier, page lenses, the persona, the grid
    "presentation",  # figures, explanations, glossary, tour, export
    "over_time",  # the privacy-over-time planner, its words and figures
    "rooms",  # workshop room maths and figures
    "store",  # the database, saved scenarios, the room store
)
