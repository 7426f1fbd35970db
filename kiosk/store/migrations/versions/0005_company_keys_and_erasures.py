"""company-wide faces: the company's key sets wrapped for this kiosk, biometric erasures, department and site codes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=64), nullable=True))
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=64), nullable=True))
    op.create_table('company_key_wraps',
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('company_id', 'version', name=op.f('pk_company_key_wraps'))
    )
    op.create_table('biometric_erasures',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('made_by', sa.String(length=100), nullable=False),
    sa.Column('sync_state', sa.String(length=12), nullable=False),
    sa.Column('sync_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_biometric_erasures'))
    )
    with op.batch_alter_table('biometric_erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_biometric_erasures_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_biometric_erasures_sync_state'), ['sync_state'], unique=False)


def downgrade() -> None:
    op.drop_table('biometric_erasures')
    op.drop_table('company_key_wraps')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('code')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('code')
