"""Workshop rooms: codes, keys and the maths of the room activities, with their figures.

Lives here: pure functions only (no storage, no Streamlit): room codes and secrets,
randomised response and its estimate, the room's consent and ε choices, and their figures.

May import: ``core.setting``, ``core.people``, ``core.privacy``, ``core.engine``,
``core.presentation``, ``core.over_time``. See docs/architecture.md.
"""
