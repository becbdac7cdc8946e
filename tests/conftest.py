"""Shared fixtures: the public schema and one small synthetic population (read-only)."""

import pytest

from core.engine.threads import limit_blas_threads
from core.people.population import Population, generate_profiles
from core.setting.schema import Schema, load_schema

# As the server, the CLI and the grid workers do: one BLAS thread (only speed depends on it).
limit_blas_threads()


@pytest.fixture(scope="session")
def schema() -> Schema:
    return load_schema()


@pytest.fixture(scope="session")
def population_5k(schema: Schema) -> Population:
    """5,000 people from seed 7; tests must not modify it."""
    return generate_profiles(5_000, 7, schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The store's database URL, once on a SQLite file and once on a real PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scenarios.sqlite3'}"
        return
    from tests.postgres import fresh_schema_url

    with fresh_schema_url() as url:
        yield url
