"""employee numbers: what people type, unique within the company, apart from the internal id

Until now an employee's id was both the key facts refer to and what a person had to type. The id stays as it is
(no punch, template or incident is rewritten); the employee number becomes a column of its own, unique within the
company, and starts out as the id, so `vision enroll --employee ID` keeps working for an existing kiosk.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=64), nullable=True))
    op.execute("UPDATE employees SET number = id")
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index('ix_employees_company_number', ['company_id', 'number'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_index('ix_employees_company_number')
        batch_op.drop_column('number')
