"""What the numbers look like and what they say: figures and words.

Lives here: Plotly figure builders (pure functions returning a ``go.Figure``) and the data
behind them, the plain-language explanations and glossary, the guided tour, and the evidence
people take away (comparison tables, spreadsheet-safe CSV, the HTML report).

May import: ``core.setting``, ``core.people``, ``core.privacy``, ``core.engine``.
See docs/architecture.md.
"""
