"""Alembic's entry point: upgrades run on the connection the store passes in
(core/store/database.py).

``alembic`` on the command line is not needed: a store upgrades its database when it opens.
"""

from alembic import context

from core.store.database import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Run migrations by opening a store (core.store.database.Database), which passes its "
        "connection."
    )
context.configure(
    connection=connection,
    target_metadata=METADATA,
    # SQLite alters tables by copying them; PostgreSQL alters in place.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
