"""Saved scenarios get an owner key: its SHA-256 only, the key is shown once at save.

The creator's browser token lives in a cookie that can be lost; the key (kept by the person)
still lets them rename, overwrite or delete what they saved. Rows from before stay without one.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("scenarios", sa.Column("owner_key_hash", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("scenarios") as batch:
        batch.drop_column("owner_key_hash")
