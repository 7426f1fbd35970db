"""initial local schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 13:08:44.474775
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('companies',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('missed_clockout_enabled', sa.Boolean(), nullable=False),
    sa.Column('block_reports_on_pending', sa.Boolean(), nullable=False),
    sa.Column('open_session_limit_minutes', sa.Integer(), nullable=False),
    sa.Column('pin_punching_allowed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies'))
    )
    op.create_table('device_settings',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_device_settings'))
    )
    op.create_table('corrections',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('target_punch_id', sa.String(length=36), nullable=False),
    sa.Column('effective_at', sa.DateTime(), nullable=True),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('made_by', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('sync_state', sa.String(length=12), nullable=False),
    sa.Column('sync_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_corrections_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrections'))
    )
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrections_employee_id'), ['employee_id'], unique=False)

    op.create_table('departments',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('undertime', sa.Boolean(), nullable=False),
    sa.Column('shift_start', sa.String(length=5), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('half_day_after', sa.String(length=5), nullable=False),
    sa.Column('half_day_hours', sa.String(length=40), nullable=False),
    sa.Column('regular_hours', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_departments_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index('ix_departments_company_name', ['company_id', 'name'], unique=True)

    op.create_table('missed_clockout_incidents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('clock_in_punch_id', sa.String(length=36), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('login_time', sa.DateTime(), nullable=False),
    sa.Column('employee_claimed_logout_time', sa.DateTime(), nullable=True),
    sa.Column('employee_reason', sa.String(length=40), nullable=True),
    sa.Column('employee_note', sa.Text(), nullable=True),
    sa.Column('employee_claimed_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('admin_set_logout_time', sa.DateTime(), nullable=True),
    sa.Column('admin_notes', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('sync_state', sa.String(length=12), nullable=False),
    sa.Column('sync_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_missed_clockout_incidents_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missed_clockout_incidents')),
    sa.UniqueConstraint('clock_in_punch_id', name=op.f('uq_missed_clockout_incidents_clock_in_punch_id'))
    )
    with op.batch_alter_table('missed_clockout_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_missed_clockout_incidents_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_missed_clockout_incidents_status'), ['status'], unique=False)

    op.create_table('punches',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=True),
    sa.Column('kiosk_id', sa.String(length=64), nullable=True),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('break_type', sa.String(length=8), nullable=True),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('identified_by', sa.String(length=8), nullable=False),
    sa.Column('match_distance', sa.Float(), nullable=True),
    sa.Column('liveness_passed', sa.Boolean(), nullable=True),
    sa.Column('pc_time', sa.DateTime(), nullable=True),
    sa.Column('anchored_time', sa.DateTime(), nullable=True),
    sa.Column('clock_suspect', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('sync_state', sa.String(length=12), nullable=False),
    sa.Column('sync_error', sa.Text(), nullable=True),
    sa.Column('synced_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_punches_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_punches'))
    )
    with op.batch_alter_table('punches', schema=None) as batch_op:
        batch_op.create_index('ix_punches_employee_time', ['employee_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_punches_sync_state', ['sync_state'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_sites_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    op.create_table('employees',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.String(length=64), nullable=True),
    sa.Column('daily_rate', sa.String(length=40), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_employees_company_id_companies')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_employees_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employees'))
    )
    op.create_table('biometric_consents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('text_version', sa.String(length=40), nullable=False),
    sa.Column('consented_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_biometric_consents_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_biometric_consents'))
    )
    with op.batch_alter_table('biometric_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_biometric_consents_employee_id'), ['employee_id'], unique=False)

    op.create_table('face_templates',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('pose', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sync_state', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_face_templates_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face_templates'))
    )
    with op.batch_alter_table('face_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_face_templates_employee_id'), ['employee_id'], unique=False)



    # Facts are append-only: a punch or correction row never changes but for its sync bookkeeping, and is never
    # deleted; the audit log never changes at all. The database itself refuses, whatever code runs against it.
    for statement in APPEND_ONLY_TRIGGERS:
        op.execute(statement)


APPEND_ONLY_TRIGGERS = [
    """CREATE TRIGGER punches_facts_immutable BEFORE UPDATE OF id, company_id, site_id, kiosk_id, employee_id, kind,
       break_type, occurred_at, identified_by, match_distance, liveness_passed, pc_time, anchored_time, clock_suspect,
       recorded_at ON punches BEGIN SELECT RAISE(ABORT, 'punches are immutable facts'); END""",
    """CREATE TRIGGER punches_never_deleted BEFORE DELETE ON punches
       BEGIN SELECT RAISE(ABORT, 'punches are never deleted'); END""",
    """CREATE TRIGGER corrections_facts_immutable BEFORE UPDATE OF id, company_id, kind, employee_id, target_punch_id,
       effective_at, made_at, made_by, reason ON corrections
       BEGIN SELECT RAISE(ABORT, 'corrections are immutable facts'); END""",
    """CREATE TRIGGER corrections_never_deleted BEFORE DELETE ON corrections
       BEGIN SELECT RAISE(ABORT, 'corrections are never deleted'); END""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]


def downgrade() -> None:
    for name in ("punches_facts_immutable", "punches_never_deleted", "corrections_facts_immutable",
                 "corrections_never_deleted", "audit_log_no_update", "audit_log_no_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('face_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_templates_employee_id'))

    op.drop_table('face_templates')
    with op.batch_alter_table('biometric_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_biometric_consents_employee_id'))

    op.drop_table('biometric_consents')
    op.drop_table('employees')
    op.drop_table('sites')
    with op.batch_alter_table('punches', schema=None) as batch_op:
        batch_op.drop_index('ix_punches_sync_state')
        batch_op.drop_index('ix_punches_employee_time')

    op.drop_table('punches')
    with op.batch_alter_table('missed_clockout_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_missed_clockout_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_missed_clockout_incidents_employee_id'))

    op.drop_table('missed_clockout_incidents')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index('ix_departments_company_name')

    op.drop_table('departments')
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corrections_employee_id'))

    op.drop_table('corrections')
    op.drop_table('device_settings')
    op.drop_table('companies')
    op.drop_table('audit_log')
