"""kept sessions and day summaries, derived in the same transaction as each fact; corrections by their target,
punches by site and time and by company and time

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kept_sessions',
    sa.Column('clock_in_punch_id', sa.String(length=36), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('business_date', sa.String(length=10), nullable=False),
    sa.Column('clock_in', sa.DateTime(), nullable=False),
    sa.Column('clock_out', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=12), nullable=True),
    sa.Column('clock_out_punch_id', sa.String(length=36), nullable=True),
    sa.Column('closing_correction_id', sa.String(length=36), nullable=True),
    sa.Column('breaks', sa.Text(), nullable=False),
    sa.Column('anomalies', sa.Text(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('latest', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('clock_in_punch_id', name=op.f('pk_kept_sessions'))
    )
    op.create_index('ix_kept_sessions_employee_clock_in', 'kept_sessions', ['employee_id', 'clock_in'], unique=False)
    op.create_index(
        'ix_kept_sessions_company_latest', 'kept_sessions', ['company_id', 'latest', 'employee_id'], unique=False
    )
    op.create_index(
        'ix_kept_sessions_company_open', 'kept_sessions', ['company_id', 'is_open', 'employee_id'], unique=False
    )
    op.create_table('employee_days',
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('business_date', sa.String(length=10), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('open_sessions', sa.Integer(), nullable=False),
    sa.Column('first_in', sa.DateTime(), nullable=False),
    sa.Column('last_out', sa.DateTime(), nullable=True),
    sa.Column('total_seconds', sa.Integer(), nullable=False),
    sa.Column('break_seconds', sa.Integer(), nullable=False),
    sa.Column('working_seconds', sa.Integer(), nullable=False),
    sa.Column('anomalies', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('employee_id', 'business_date', name=op.f('pk_employee_days'))
    )
    op.create_index('ix_employee_days_company_date', 'employee_days', ['company_id', 'business_date'], unique=False)
    op.create_index('ix_corrections_target_punch_id', 'corrections', ['target_punch_id'], unique=False)
    op.create_index('ix_punches_site_time', 'punches', ['site_id', 'occurred_at'], unique=False)
    op.create_index('ix_punches_company_time', 'punches', ['company_id', 'occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_punches_company_time', table_name='punches')
    op.drop_index('ix_punches_site_time', table_name='punches')
    op.drop_index('ix_corrections_target_punch_id', table_name='corrections')
    op.drop_table('employee_days')
    op.drop_table('kept_sessions')
