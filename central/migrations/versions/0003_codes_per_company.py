"""Codes per company: employee numbers, department and site codes unique within their company only.

Until now the id a person typed (`E001`, `eng`, `north`) was the row's key and therefore unique across every
company. The key stays as the internal id that punches, templates, incidents and kiosks refer to, so no fact is
rewritten; the code people use moves to a column of its own, unique per company, and starts out as the old key.
New codes must be letters, digits, '-', '_' or '.' (1-64); the checks are NOT VALID so that rows saved before
them are kept as they are.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CODE = "'^[A-Za-z0-9._-]{1,64}$'"
CODES = (("sites", "code"), ("departments", "code"), ("employees", "number"))


def upgrade() -> None:
    for table, column in CODES:
        op.add_column(table, sa.Column(column, sa.String(length=64), nullable=True))
        # Writing the column would stamp a new change_txid and send the whole roster down again; that is harmless
        # (pulls are idempotent) and is what lets kiosks learn the codes.
        op.execute(f"UPDATE {table} SET {column} = id")
        op.alter_column(table, column, nullable=False)
        op.create_unique_constraint(f"uq_{table}_company_{column}", table, ["company_id", column])
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{column} CHECK ({column} ~ {CODE}) NOT VALID")
    op.execute(f"ALTER TABLE companies ADD CONSTRAINT ck_companies_id CHECK (id ~ {CODE}) NOT VALID")


def downgrade() -> None:
    op.execute("ALTER TABLE companies DROP CONSTRAINT ck_companies_id")
    for table, column in reversed(CODES):
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{column}")
        op.drop_constraint(f"uq_{table}_company_{column}", table, type_="unique")
        op.drop_column(table, column)
