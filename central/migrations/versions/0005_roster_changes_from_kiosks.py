"""Roster changes made at a provisioned kiosk: a new PIN, a PIN removed, a deactivation.

Head office owns the roster of provisioned kiosks. The few changes a supervisor may make at a kiosk go up as facts
of their own (`roster_changes`, inserted by the kiosk as itself, never changed); a trigger applies each to the
employee's row, so it comes back to every kiosk of the company with the next pull, and writes it to the audit log.
A deactivation is refused unless the company lets its kiosks deactivate (`companies.kiosk_may_deactivate`); it
revokes the employee's face templates as a deactivation at head office does.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 20:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHANGE_TXID = sa.text("(pg_current_xact_id()::text)::bigint")


def upgrade() -> None:
    op.add_column(
        "companies", sa.Column("kiosk_may_deactivate", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.create_table(
        "roster_changes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.UUID(), nullable=False),
        sa.Column("employee_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=True),
        sa.Column("made_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("change_txid", sa.BigInteger(), server_default=CHANGE_TXID, nullable=False),
        sa.CheckConstraint("kind IN ('pin_set', 'pin_cleared', 'deactivated')", name=op.f("ck_roster_changes_kind")),
        sa.CheckConstraint("(kind = 'pin_set') = (pin_hash IS NOT NULL)", name=op.f("ck_roster_changes_pin_hash")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_roster_changes_company_id_companies")),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_roster_changes_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_roster_changes_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_changes")),
    )
    op.create_index(op.f("ix_roster_changes_change_txid"), "roster_changes", ["change_txid"], unique=False)
    op.create_index(op.f("ix_roster_changes_company_id"), "roster_changes", ["company_id"], unique=False)
    op.execute(
        """
        CREATE FUNCTION apply_roster_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            v_number text;
        BEGIN
            SELECT number INTO v_number FROM employees WHERE id = NEW.employee_id;
            IF NEW.kind = 'deactivated' THEN
                IF NOT (SELECT kiosk_may_deactivate FROM companies WHERE id = NEW.company_id) THEN
                    RAISE EXCEPTION 'company % does not let its kiosks deactivate employees: ask head office',
                        NEW.company_id USING ERRCODE = 'insufficient_privilege';
                END IF;
                UPDATE employees SET active = false, updated_at = now() WHERE id = NEW.employee_id;
                UPDATE face_templates SET sealed = NULL, revoked_at = now()
                    WHERE employee_id = NEW.employee_id AND revoked_at IS NULL;
            ELSE
                UPDATE employees SET pin_hash = NEW.pin_hash, updated_at = now() WHERE id = NEW.employee_id;
            END IF;
            INSERT INTO audit_log (id, company_id, kiosk_id, at, actor, action, subject, detail)
            VALUES (gen_random_uuid(), NEW.company_id, NEW.kiosk_id, NEW.made_at, NEW.made_by,
                    'employee.' || NEW.kind, v_number, jsonb_build_object('change', NEW.id));
            RETURN NEW;
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION apply_roster_change() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER apply_roster_change AFTER INSERT ON roster_changes "
        "FOR EACH ROW EXECUTE FUNCTION apply_roster_change()"
    )
    op.execute(
        "CREATE TRIGGER check_employee_company BEFORE INSERT OR UPDATE ON roster_changes "
        "FOR EACH ROW EXECUTE FUNCTION check_employee_company()"
    )
    op.execute(
        "CREATE TRIGGER stamp_change_txid BEFORE INSERT OR UPDATE ON roster_changes "
        "FOR EACH ROW EXECUTE FUNCTION stamp_change_txid()"
    )
    op.execute(
        "CREATE TRIGGER refuse_fact_change BEFORE UPDATE OR DELETE ON roster_changes "
        "FOR EACH ROW EXECUTE FUNCTION refuse_fact_change()"
    )
    op.execute("ALTER TABLE roster_changes ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE roster_changes FORCE ROW LEVEL SECURITY")
    op.execute("REVOKE ALL ON roster_changes FROM PUBLIC")
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON roster_changes TO timeclock_admin")
    op.execute("CREATE POLICY admin_all ON roster_changes TO timeclock_admin USING (true) WITH CHECK (true)")
    op.execute("GRANT SELECT, INSERT ON roster_changes TO timeclock_kiosk")
    op.execute(
        "CREATE POLICY kiosk_read ON roster_changes FOR SELECT TO timeclock_kiosk "
        "USING (company_id = (SELECT kiosk_company()))"
    )
    op.execute(
        "CREATE POLICY kiosk_insert ON roster_changes FOR INSERT TO timeclock_kiosk "
        "WITH CHECK (company_id = (SELECT kiosk_company()) AND kiosk_id = (SELECT kiosk_self()))"
    )


def downgrade() -> None:
    op.drop_table("roster_changes")
    op.execute("DROP FUNCTION IF EXISTS apply_roster_change()")
    op.drop_column("companies", "kiosk_may_deactivate")
