"""The people and their data, before any privacy mechanism touches it.

Lives here: the synthetic population and each person's own keys (seeded coins and noise),
the train/test dataset, the encoding of profiles into model features, k-anonymity
(generalisation and re-identification risk) and uploaded data sets.

May import: ``core.setting``. See docs/architecture.md.
"""
