"""roster changes at a provisioned kiosk: the outbox that takes them to head office, and the company's switch

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kiosk_may_deactivate', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('roster_changes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('made_by', sa.String(length=100), nullable=False),
    sa.Column('sync_state', sa.String(length=12), nullable=False),
    sa.Column('sync_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_roster_changes_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_changes'))
    )
    with op.batch_alter_table('roster_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_changes_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_changes_sync_state'), ['sync_state'], unique=False)


def downgrade() -> None:
    op.drop_table('roster_changes')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_column('kiosk_may_deactivate')
