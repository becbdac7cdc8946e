"""What persists: one SQL database (SQLite file or PostgreSQL) shared by every app replica.

Lives here: the tables and the connection (``database``), its Alembic migrations, saved
scenarios (``storage``) and rooms with their answers (``room_store``).

May import: every other group of ``core`` (this is the top layer). See docs/architecture.md.
"""
