"""Where the profiles come from: the built-in synthetic people or a table a user uploaded.

A Dataset pairs a public :class:`~core.setting.schema.Schema` with its people. The built-in one
generates its people from the Scenario (``profiles`` and ``seed``); an uploaded one holds a fixed
table, so ``profiles`` does not apply to it and the seed only drives the split, consent and noise.
Caches key a Dataset by its ``fingerprint`` (a hash of the parsed table and its mapping), never by
content.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.people.population import Population, generate_profiles
from core.setting.scenario import Scenario
from core.setting.schema import Schema, load_schema

BUILTIN_SEGMENT_LABELS = {"majority": "Majority tastes", "minority": "Minority tastes"}


@dataclass(frozen=True, eq=False)
class Dataset:
    """A public schema and the people it describes (None: generate them per Scenario)."""

    name: str
    schema: Schema
    population: Population | None = None
    fingerprint: str = "builtin"
    segment_labels: dict[str, str] = field(default_factory=lambda: dict(BUILTIN_SEGMENT_LABELS))
    notes: tuple[str, ...] = ()  # what was done to an uploaded file (clipped values, dropped rows)

    @property
    def is_builtin(self) -> bool:
        return self.population is None

    def population_for(self, scenario: Scenario) -> Population:
        if self.population is not None:
            return self.population
        return generate_profiles(scenario.profiles, scenario.seed, self.schema)

    def size(self, scenario: Scenario) -> int:
        """Number of people the Scenario runs on."""
        return scenario.profiles if self.population is None else self.population.n_profiles

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dataset) and other.fingerprint == self.fingerprint


def builtin() -> Dataset:
    """The built-in synthetic consumers of ``data/schema.json``."""
    return Dataset(name="Built-in synthetic shoppers", schema=load_schema())
