"""Turn raw profiles into the model matrix, using only the public schema.

Every column is scaled to [0, 1] with the schema's public bounds (min-max from the schema, never
from the data) and categorical features are one-hot encoded with the schema's public value list.
Nothing here is fitted on private data, so nothing here spends privacy budget. With every column
in [0, 1], the bounds for diffprivlib are ``(0, 1)`` per column and the L2 ``data_norm`` is
``sqrt(n_columns)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.setting.schema import Schema

# Value given to a column that was not collected (no consent). It is public and the same for
# everyone, so imputing it leaks nothing; it is the middle of the column's public range.
NOT_COLLECTED_NUMERIC = 0.5


def model_bounds(schema: Schema) -> tuple[np.ndarray, np.ndarray]:
    """Public per-column bounds of the model matrix: all columns live in [0, 1]."""
    n_columns = len(schema.columns)
    return np.zeros(n_columns), np.ones(n_columns)


def data_norm(schema: Schema) -> float:
    """Public bound on the L2 norm of one row of the model matrix."""
    return float(np.sqrt(len(schema.columns)))


def encode(features: pd.DataFrame, schema: Schema) -> np.ndarray:
    """Model matrix of shape (n_people, n_columns), float64 in [0, 1].

    Values outside the public bounds are clipped to them (the schema's promise to DP). A missing
    value (NaN, or categorical code -1, possible in uploaded data) stays NaN in every column of
    its feature; :func:`missing_mask` finds them and the controls treat them as not collected.
    """
    blocks = []
    for feature in schema.features:
        values = features[feature.name].to_numpy()
        if feature.type == "categorical":
            codes = values.astype(np.int64)
            known = codes >= 0
            block = np.full((len(codes), len(feature.values)), np.nan)
            block[known] = np.eye(len(feature.values))[codes[known]]
            blocks.append(block)
        else:
            scaled = (values.astype(float) - feature.lower) / (feature.upper - feature.lower)
            blocks.append(np.clip(scaled, 0.0, 1.0)[:, None])
    return np.hstack(blocks)


def not_collected_values(schema: Schema) -> np.ndarray:
    """The public placeholder per column for data a person did not consent to share.

    Numeric columns get the middle of their range; one-hot columns get 0 (no category known).
    """
    return np.array(
        [
            0.0 if feature.type == "categorical" else NOT_COLLECTED_NUMERIC
            for feature in schema.features
            for _ in feature.columns
        ]
    )


def missing_mask(X: np.ndarray) -> np.ndarray:
    """Cells of the model matrix whose value the data did not hold."""
    return np.isnan(X)
