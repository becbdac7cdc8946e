"""Baseline: saved scenarios with owners, rooms, activities and answers.

The same tables as the last pre-Alembic SQLite schema (core.store.database.LEGACY_MIGRATIONS,
user_version 3), so a file from those releases is stamped with this revision and upgraded from here.
Nothing here identifies a participant: a browser is known only by the SHA-256 of a random token.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("scenario_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text),
        sa.Column("owner", sa.Text),
    )
    op.create_table(
        "rooms",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("key_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("closed_at", sa.Text),
        sa.Column("current_activity", sa.Integer),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "room_code",
            sa.Text,
            sa.ForeignKey("rooms.code", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False, server_default=""),
        sa.Column("truth_probability", sa.Float),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("revealed_at", sa.Text),
    )
    op.create_index("activities_by_room", "activities", ["room_code"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "activity_id",
            sa.Integer,
            sa.ForeignKey("activities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("voter_hash", sa.Text, nullable=False),
        sa.Column("answer_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.UniqueConstraint("activity_id", "voter_hash"),
    )


def downgrade() -> None:
    op.drop_table("answers")
    op.drop_index("activities_by_room", table_name="activities")
    op.drop_table("activities")
    op.drop_table("rooms")
    op.drop_table("scenarios")
