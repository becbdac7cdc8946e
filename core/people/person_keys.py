"""Each person's own key, and the per-person coins drawn from it.

Under the stated guarantee (add/remove one person, :mod:`core.privacy.guarantee`) the data set
without a person must be exactly the data set with them, minus their record. Anything drawn per
person (their consent and opt-out choices as simulated here, whether they are held out for testing,
which tree of the forest they train) must therefore travel with that person: it may depend on
their own key and the secret seed, never on their position in a table, which every earlier
person's removal would shift.

- Built-in synthetic people get a key when they are generated: a bijective mix of their
  generation number and the seed (:func:`generated_keys`), distinct by construction.
- Uploaded people get a key from their own row: a hash of every cell of it as uploaded, ignored
  columns included, plus the number of identical rows above it (:func:`content_keys`). An id
  column, if the file has one, is part of the row and so makes the keys distinct; identical rows
  are indistinguishable people, and removing any one of them leaves the same set of
  (record, key) pairs as removing the last.

:func:`keyed_uniform` turns (key, seed, purpose) into a uniform number in [0, 1): independent
across people and purposes, and unchanged by anyone else's presence. A real deployment would use
a keyed cryptographic hash with a secret key; here the seed is shown (see "The seed" in
``docs/privacy.md``), and splitmix64's finaliser is the mixing function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# Spawn-key prefixes: the salts never coincide with a stream the engine draws noise from.
_KEYS, _COINS = 0x6B657973, 0x636F696E  # "keys", "coin"


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that spreads every input bit."""
    with np.errstate(over="ignore"):
        z = np.asarray(values, dtype=np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _salt(seed: int, purpose: tuple[int, ...]) -> np.ndarray:
    return np.random.SeedSequence(int(seed), spawn_key=purpose).generate_state(2, np.uint64)


def generated_keys(n_people: int, seed: int) -> np.ndarray:
    """Keys of ``n_people`` people generated from ``seed``: distinct uint64s, one per person."""
    salt, _ = _salt(seed, (_KEYS,))
    with np.errstate(over="ignore"):
        return mix64(np.arange(n_people, dtype=np.uint64) * _GOLDEN + salt)


def content_keys(frame: pd.DataFrame) -> np.ndarray:
    """Keys of uploaded rows from their own cells (every column, as uploaded) and the number of
    identical rows above each: one uint64 per row, deterministic across processes."""
    row_hash = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    occurrence = pd.Series(row_hash).groupby(row_hash).cumcount().to_numpy(dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix64(row_hash ^ mix64(occurrence * _GOLDEN + np.uint64(1)))


def keyed_uniform(keys: np.ndarray, seed: int, *purpose: int) -> np.ndarray:
    """One uniform number in [0, 1) per key, for one purpose, from the seed.

    Each value depends only on (key, seed, purpose): adding or removing other people changes
    nobody else's value, and different purposes give independent values.
    """
    first, second = _salt(seed, (_COINS, *(int(p) for p in purpose)))
    with np.errstate(over="ignore"):
        z = mix64(np.asarray(keys, dtype=np.uint64) ^ first)
        z = mix64(z + second)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53
