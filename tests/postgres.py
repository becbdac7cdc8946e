"""A fresh PostgreSQL schema per test, on the server named by PTE_TEST_POSTGRES_URL.

`.ci/run` and `make postgres` start a throwaway local server (scripts/postgres.sh) and export the
URL. Without it the PostgreSQL half of the store tests skips on a developer's machine and fails
in CI (CI=true), so CI can never pass without really running them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

POSTGRES_URL_ENV = "PTE_TEST_POSTGRES_URL"


def server_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    message = (
        f"{POSTGRES_URL_ENV} is not set: start a local PostgreSQL with `make postgres` and export "
        "the URL it prints."
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def fresh_schema_url() -> Iterator[str]:
    """A URL whose connections work in a new, empty schema (dropped afterwards)."""
    base = server_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
