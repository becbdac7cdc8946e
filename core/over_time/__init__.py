"""Privacy over time: a budget spent across many releases, and how it adds up.

Lives here: the planner (composition of repeated releases, basic and privacy-loss-distribution
accounting, what an adversary can best guess), its explanations and its figures.

May import: ``core.setting``, ``core.people``, ``core.privacy``, ``core.engine``,
``core.presentation``. See docs/architecture.md.
"""
