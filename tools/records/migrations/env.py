"""Alembic's environment for the records database. tools/records/db.py runs it with an
open connection in `config.attributes["connection"]`; there is no alembic.ini and no URL
here. SQLite alters tables in batch mode (copy and move), which Alembic needs there."""

from __future__ import annotations

from alembic import context

from tools.records.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the records migrations through tools.records.db (`sightline db`)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
