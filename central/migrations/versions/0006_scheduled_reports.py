"""Scheduled payroll reports: head office's settings, the schedules, one run per schedule and period, and the
outbox that carries reports and their held-back notices.

Only head office reads and writes these tables (the kiosks' role has no grant). A resolution of a missed clock-out
notifies `incident_resolved`, so a scheduler waiting on reports held back for it wakes at once. Reports read a
company's punches employee by employee: an index serves that.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)
CODE_CHECK = "{} ~ '^[A-Za-z0-9._-]{{1,64}}$'"
TABLES = (
    "central_settings",
    "report_admins",
    "report_schedules",
    "report_runs",
    "central_outbox",
    "central_outbox_attachments",
)


def upgrade() -> None:
    op.create_table(
        "central_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_central_settings")),
    )
    op.create_table(
        "report_admins",
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_report_admins_company_id_companies")),
        sa.PrimaryKeyConstraint("company_id", "email", name=op.f("pk_report_admins")),
    )
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=True),
        sa.Column("department_code", sa.String(length=64), nullable=True),
        sa.Column("recipients", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("removed_at", TZ, nullable=True),
        sa.Column("removed_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "frequency IN ('weekly', 'semi-monthly', 'monthly', 'cron')", name=op.f("ck_report_schedules_frequency")
        ),
        sa.CheckConstraint(CODE_CHECK.format("name"), name=op.f("ck_report_schedules_name")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_report_schedules_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )
    op.create_index(op.f("ix_report_schedules_company_id"), "report_schedules", ["company_id"])
    op.create_index(
        "uq_report_schedules_live_name",
        "report_schedules",
        ["company_id", "name"],
        unique=True,
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "report_runs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("schedule_id", sa.UUID(), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("blocked_incidents", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('due', 'blocked', 'queued', 'sent', 'failed', 'cancelled')", name=op.f("ck_report_runs_status")
        ),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_report_runs_company_id_companies")),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["report_schedules.id"], name=op.f("fk_report_runs_schedule_id_report_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
        sa.UniqueConstraint("schedule_id", "period_first", "period_last", name="uq_report_runs_schedule_period"),
    )
    op.create_index(op.f("ix_report_runs_company_id"), "report_runs", ["company_id"])
    op.create_index("ix_report_runs_status_due", "report_runs", ["status", "due_at"])
    op.create_table(
        "central_outbox",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipients", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", TZ, nullable=True),
        sa.CheckConstraint("kind IN ('report', 'report_held')", name=op.f("ck_central_outbox_kind")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_central_outbox_company_id_companies")),
        sa.ForeignKeyConstraint(["run_id"], ["report_runs.id"], name=op.f("fk_central_outbox_run_id_report_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_central_outbox")),
        sa.UniqueConstraint("run_id", "kind", name="uq_central_outbox_run_kind"),
    )
    op.create_index(op.f("ix_central_outbox_company_id"), "central_outbox", ["company_id"])
    op.create_index(
        "ix_central_outbox_unsent", "central_outbox", ["next_attempt_at"], postgresql_where=sa.text("sent_at IS NULL")
    )
    op.create_table(
        "central_outbox_attachments",
        sa.Column("message_id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["central_outbox.id"],
            name=op.f("fk_central_outbox_attachments_message_id_central_outbox"),
        ),
        sa.PrimaryKeyConstraint("message_id", "filename", name=op.f("pk_central_outbox_attachments")),
    )
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO timeclock_admin")
        op.execute(f"CREATE POLICY admin_all ON {table} TO timeclock_admin USING (true) WITH CHECK (true)")
    op.create_index("ix_punches_company_employee_time", "punches", ["company_id", "employee_id", "occurred_at"])
    op.execute(
        """
        CREATE FUNCTION notify_incident_resolved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('incident_resolved', NEW.company_id);
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER notify_incident_resolved AFTER INSERT ON incident_resolutions "
        "FOR EACH ROW EXECUTE FUNCTION notify_incident_resolved()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS notify_incident_resolved ON incident_resolutions")
    op.execute("DROP FUNCTION IF EXISTS notify_incident_resolved()")
    op.drop_index("ix_punches_company_employee_time", table_name="punches")
    for table in reversed(TABLES):
        op.drop_table(table)
