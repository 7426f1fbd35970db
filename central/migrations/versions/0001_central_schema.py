"""Central schema: one table per kind of record, each with its company column.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 13:10:23.668265
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('companies',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('missed_clockout_enabled', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('block_reports_on_pending', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('open_session_limit_minutes', sa.Integer(), server_default=sa.text('960'), nullable=False),
    sa.Column('pin_punching_allowed', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.CheckConstraint('open_session_limit_minutes BETWEEN 60 AND 1440', name=op.f('ck_companies_open_session_limit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies'))
    )
    op.create_index(op.f('ix_companies_change_txid'), 'companies', ['change_txid'], unique=False)
    op.create_table('departments',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_departments_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('company_id', 'name', name='uq_departments_company_name')
    )
    op.create_index(op.f('ix_departments_change_txid'), 'departments', ['change_txid'], unique=False)
    op.create_index(op.f('ix_departments_company_id'), 'departments', ['company_id'], unique=False)
    op.create_table('sites',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_sites_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    op.create_index(op.f('ix_sites_change_txid'), 'sites', ['change_txid'], unique=False)
    op.create_index(op.f('ix_sites_company_id'), 'sites', ['company_id'], unique=False)
    op.create_table('employees',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.String(length=64), nullable=True),
    sa.Column('daily_rate', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.CheckConstraint('daily_rate >= 0', name=op.f('ck_employees_daily_rate')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_employees_company_id_companies')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_employees_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employees'))
    )
    op.create_index(op.f('ix_employees_change_txid'), 'employees', ['change_txid'], unique=False)
    op.create_index(op.f('ix_employees_company_id'), 'employees', ['company_id'], unique=False)
    op.create_table('kiosks',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role_name', sa.String(length=63), nullable=False),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('provisioned_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_kiosks_company_id_companies')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_kiosks_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosks')),
    sa.UniqueConstraint('role_name', name=op.f('uq_kiosks_role_name'))
    )
    op.create_index(op.f('ix_kiosks_change_txid'), 'kiosks', ['change_txid'], unique=False)
    op.create_index(op.f('ix_kiosks_company_id'), 'kiosks', ['company_id'], unique=False)
    op.create_table('rule_sets',
    sa.Column('department_id', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('undertime', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('shift_start', sa.Time(), server_default=sa.text("'08:00'"), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), server_default=sa.text('3'), nullable=False),
    sa.Column('half_day_after', sa.Time(), server_default=sa.text("'09:00'"), nullable=False),
    sa.Column('half_day_hours', sa.Numeric(precision=5, scale=2), server_default=sa.text('4'), nullable=False),
    sa.Column('regular_hours', sa.Numeric(precision=5, scale=2), server_default=sa.text('8'), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.CheckConstraint('grace_minutes BETWEEN 0 AND 240', name=op.f('ck_rule_sets_grace_minutes')),
    sa.CheckConstraint('half_day_hours > 0 AND half_day_hours <= regular_hours', name=op.f('ck_rule_sets_half_day_hours')),
    sa.CheckConstraint('regular_hours > 0 AND regular_hours <= 24', name=op.f('ck_rule_sets_regular_hours')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_rule_sets_company_id_companies')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_rule_sets_department_id_departments')),
    sa.PrimaryKeyConstraint('department_id', name=op.f('pk_rule_sets'))
    )
    op.create_index(op.f('ix_rule_sets_change_txid'), 'rule_sets', ['change_txid'], unique=False)
    op.create_index(op.f('ix_rule_sets_company_id'), 'rule_sets', ['company_id'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.UUID(), nullable=True),
    sa.Column('at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_audit_log_company_id_companies')),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_audit_log_kiosk_id_kiosks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_change_txid'), 'audit_log', ['change_txid'], unique=False)
    op.create_index(op.f('ix_audit_log_company_id'), 'audit_log', ['company_id'], unique=False)
    op.create_table('corrections',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('target_punch_id', sa.UUID(), nullable=False),
    sa.Column('effective_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('made_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('made_by', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('kiosk_id', sa.UUID(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.CheckConstraint("(kind = 'void_punch') = (effective_at IS NULL)", name=op.f('ck_corrections_effective_at')),
    sa.CheckConstraint("kind IN ('close_session', 'void_punch', 'move_punch')", name=op.f('ck_corrections_kind')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_corrections_company_id_companies')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_corrections_employee_id_employees')),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_corrections_kiosk_id_kiosks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrections'))
    )
    op.create_index(op.f('ix_corrections_change_txid'), 'corrections', ['change_txid'], unique=False)
    op.create_index(op.f('ix_corrections_company_id'), 'corrections', ['company_id'], unique=False)
    op.create_table('face_templates',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=True),
    sa.Column('pose', sa.String(length=20), nullable=False),
    sa.Column('kiosk_id', sa.UUID(), nullable=True),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('revoked_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.CheckConstraint('(sealed IS NULL) = (revoked_at IS NOT NULL)', name=op.f('ck_face_templates_sealed_until_revoked')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_face_templates_company_id_companies')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_face_templates_employee_id_employees')),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_face_templates_kiosk_id_kiosks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face_templates'))
    )
    op.create_index(op.f('ix_face_templates_change_txid'), 'face_templates', ['change_txid'], unique=False)
    op.create_index(op.f('ix_face_templates_company_id'), 'face_templates', ['company_id'], unique=False)
    op.create_index(op.f('ix_face_templates_employee_id'), 'face_templates', ['employee_id'], unique=False)
    op.create_table('missed_clockout_incidents',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=True),
    sa.Column('kiosk_id', sa.UUID(), nullable=True),
    sa.Column('clock_in_punch_id', sa.UUID(), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('login_time', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_missed_clockout_incidents_company_id_companies')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_missed_clockout_incidents_employee_id_employees')),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_missed_clockout_incidents_kiosk_id_kiosks')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_missed_clockout_incidents_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missed_clockout_incidents')),
    sa.UniqueConstraint('clock_in_punch_id', name=op.f('uq_missed_clockout_incidents_clock_in_punch_id'))
    )
    op.create_index(op.f('ix_missed_clockout_incidents_change_txid'), 'missed_clockout_incidents', ['change_txid'], unique=False)
    op.create_index(op.f('ix_missed_clockout_incidents_company_id'), 'missed_clockout_incidents', ['company_id'], unique=False)
    op.create_table('punches',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.UUID(), nullable=True),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('break_type', sa.String(length=8), nullable=True),
    sa.Column('occurred_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('identified_by', sa.String(length=8), nullable=False),
    sa.Column('match_distance', sa.Float(), nullable=True),
    sa.Column('liveness_passed', sa.Boolean(), nullable=True),
    sa.Column('pc_time', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('anchored_time', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('clock_suspect', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('recorded_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('received_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.CheckConstraint("(kind = 'break_start') = (break_type IS NOT NULL) AND (break_type IS NULL OR break_type IN ('lunch', 'rest', 'other'))", name=op.f('ck_punches_break_type')),
    sa.CheckConstraint("identified_by IN ('face', 'pin', 'admin')", name=op.f('ck_punches_identified_by')),
    sa.CheckConstraint("kind IN ('clock_in', 'break_start', 'break_end', 'clock_out')", name=op.f('ck_punches_kind')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_punches_company_id_companies')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_punches_employee_id_employees')),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_punches_kiosk_id_kiosks')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_punches_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_punches'))
    )
    op.create_index(op.f('ix_punches_change_txid'), 'punches', ['change_txid'], unique=False)
    op.create_index(op.f('ix_punches_company_id'), 'punches', ['company_id'], unique=False)
    op.create_index('ix_punches_site_employee_time', 'punches', ['site_id', 'employee_id', 'occurred_at'], unique=False)
    op.create_table('incident_resolutions',
    sa.Column('incident_id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('admin_set_logout_time', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('admin_notes', sa.Text(), nullable=False),
    sa.Column('resolved_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(length=100), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.CheckConstraint("status IN ('approved', 'rejected')", name=op.f('ck_incident_resolutions_status')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_incident_resolutions_company_id_companies')),
    sa.ForeignKeyConstraint(['incident_id'], ['missed_clockout_incidents.id'], name=op.f('fk_incident_resolutions_incident_id_missed_clockout_incidents')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_incident_resolutions'))
    )
    op.create_index(op.f('ix_incident_resolutions_change_txid'), 'incident_resolutions', ['change_txid'], unique=False)
    op.create_index(op.f('ix_incident_resolutions_company_id'), 'incident_resolutions', ['company_id'], unique=False)
    op.create_table('missed_clockout_claims',
    sa.Column('incident_id', sa.UUID(), nullable=False),
    sa.Column('company_id', sa.String(length=64), nullable=False),
    sa.Column('employee_claimed_logout_time', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('employee_reason', sa.String(length=40), nullable=False),
    sa.Column('employee_note', sa.Text(), nullable=True),
    sa.Column('employee_claimed_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_missed_clockout_claims_company_id_companies')),
    sa.ForeignKeyConstraint(['incident_id'], ['missed_clockout_incidents.id'], name=op.f('fk_missed_clockout_claims_incident_id_missed_clockout_incidents')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_missed_clockout_claims'))
    )
    op.create_index(op.f('ix_missed_clockout_claims_change_txid'), 'missed_clockout_claims', ['change_txid'], unique=False)
    op.create_index(op.f('ix_missed_clockout_claims_company_id'), 'missed_clockout_claims', ['company_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_missed_clockout_claims_company_id'), table_name='missed_clockout_claims')
    op.drop_index(op.f('ix_missed_clockout_claims_change_txid'), table_name='missed_clockout_claims')
    op.drop_table('missed_clockout_claims')
    op.drop_index(op.f('ix_incident_resolutions_company_id'), table_name='incident_resolutions')
    op.drop_index(op.f('ix_incident_resolutions_change_txid'), table_name='incident_resolutions')
    op.drop_table('incident_resolutions')
    op.drop_index('ix_punches_site_employee_time', table_name='punches')
    op.drop_index(op.f('ix_punches_company_id'), table_name='punches')
    op.drop_index(op.f('ix_punches_change_txid'), table_name='punches')
    op.drop_table('punches')
    op.drop_index(op.f('ix_missed_clockout_incidents_company_id'), table_name='missed_clockout_incidents')
    op.drop_index(op.f('ix_missed_clockout_incidents_change_txid'), table_name='missed_clockout_incidents')
    op.drop_table('missed_clockout_incidents')
    op.drop_index(op.f('ix_face_templates_employee_id'), table_name='face_templates')
    op.drop_index(op.f('ix_face_templates_company_id'), table_name='face_templates')
    op.drop_index(op.f('ix_face_templates_change_txid'), table_name='face_templates')
    op.drop_table('face_templates')
    op.drop_index(op.f('ix_corrections_company_id'), table_name='corrections')
    op.drop_index(op.f('ix_corrections_change_txid'), table_name='corrections')
    op.drop_table('corrections')
    op.drop_index(op.f('ix_audit_log_company_id'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_change_txid'), table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index(op.f('ix_rule_sets_company_id'), table_name='rule_sets')
    op.drop_index(op.f('ix_rule_sets_change_txid'), table_name='rule_sets')
    op.drop_table('rule_sets')
    op.drop_index(op.f('ix_kiosks_company_id'), table_name='kiosks')
    op.drop_index(op.f('ix_kiosks_change_txid'), table_name='kiosks')
    op.drop_table('kiosks')
    op.drop_index(op.f('ix_employees_company_id'), table_name='employees')
    op.drop_index(op.f('ix_employees_change_txid'), table_name='employees')
    op.drop_table('employees')
    op.drop_index(op.f('ix_sites_company_id'), table_name='sites')
    op.drop_index(op.f('ix_sites_change_txid'), table_name='sites')
    op.drop_table('sites')
    op.drop_index(op.f('ix_departments_company_id'), table_name='departments')
    op.drop_index(op.f('ix_departments_change_txid'), table_name='departments')
    op.drop_table('departments')
    op.drop_index(op.f('ix_companies_change_txid'), table_name='companies')
    op.drop_table('companies')
