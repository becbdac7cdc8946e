"""The privacy mechanisms, the private models, and what they guarantee.

Lives here: diffprivlib's mechanisms and models as the explorer uses them (and the vectorised
equivalents held equal to them by tests), the user's controls applied to the data (consent,
opt-out, local randomisation, held-out people), the accuracy and membership measures, the
stated guarantee (unit of protection, k·ε, best-guess bounds) and the empirical audit.

May import: ``core.setting``, ``core.people``. See docs/architecture.md.
"""
