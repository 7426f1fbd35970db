"""Alembic environment for the central database: always run on the connection `central.database` hands over."""

from __future__ import annotations

from alembic import context

from wire.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table="alembic_version_central")
with context.begin_transaction():
    context.run_migrations()
