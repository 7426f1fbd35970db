"""Roles, row-level security and fact triggers.

Two group roles: `timeclock_admin` (head office: reads and edits everything) and `timeclock_kiosk` (every kiosk's
login role is a member). Forced row-level security confines a kiosk to its company (and, for punches, its site);
it may insert facts as itself and read its company's roster, settings, rule sets and resolutions, and it has no
UPDATE or DELETE privilege anywhere. Facts refuse UPDATE and DELETE from anyone through a trigger. Every row is
stamped with the id of the transaction that wrote it, which the pull cursor reads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 13:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ALL_TABLES = (
    "companies",
    "sites",
    "kiosks",
    "departments",
    "rule_sets",
    "employees",
    "face_templates",
    "punches",
    "corrections",
    "missed_clockout_incidents",
    "missed_clockout_claims",
    "incident_resolutions",
    "audit_log",
)
WITH_EMPLOYEE = ("face_templates", "punches", "corrections", "missed_clockout_incidents")
FACTS = (
    "punches",
    "corrections",
    "missed_clockout_incidents",
    "missed_clockout_claims",
    "incident_resolutions",
    "audit_log",
)
MINE = "company_id = (SELECT kiosk_company())"
INCIDENT_IS_MINE = "EXISTS (SELECT 1 FROM missed_clockout_incidents i WHERE i.id = incident_id)"
AS_MYSELF = "kiosk_id = (SELECT kiosk_self())"
MY_SITE = "site_id = (SELECT kiosk_site())"

KIOSK_READ = {
    "companies": "id = (SELECT kiosk_company())",
    "sites": MINE,
    "kiosks": MINE,
    "departments": MINE,
    "rule_sets": MINE,
    "employees": MINE,
    "face_templates": MINE,
    "punches": f"{MINE} AND {MY_SITE}",
    "corrections": MINE,
    "missed_clockout_incidents": MINE,
    "missed_clockout_claims": MINE,
    "incident_resolutions": MINE,
}
KIOSK_INSERT = {
    "face_templates": f"{MINE} AND {AS_MYSELF}",
    "punches": f"{MINE} AND {MY_SITE} AND {AS_MYSELF}",
    "corrections": f"{MINE} AND {AS_MYSELF}",
    "missed_clockout_incidents": f"{MINE} AND {MY_SITE} AND {AS_MYSELF}",
    "missed_clockout_claims": f"{MINE} AND {INCIDENT_IS_MINE}",
    "incident_resolutions": f"{MINE} AND {INCIDENT_IS_MINE}",
    "audit_log": f"{MINE} AND {AS_MYSELF}",
}


def upgrade() -> None:
    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'timeclock_kiosk') THEN
                CREATE ROLE timeclock_kiosk NOLOGIN;
            END IF;
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'timeclock_admin') THEN
                CREATE ROLE timeclock_admin NOLOGIN;
            END IF;
            -- Whoever owns the tables is subject to the forced policies too, unless a superuser.
            IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                EXECUTE format('GRANT timeclock_admin TO %I', current_user);
            END IF;
        END
        $$
        """
    )
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    # The kiosk's identity comes from the role it logged in as (session_user, which SET ROLE does not change);
    # SECURITY DEFINER so that the lookup does not need the kiosk to read the kiosks table itself.
    for name, column in (("kiosk_company", "company_id"), ("kiosk_site", "site_id"), ("kiosk_self", "id")):
        kind = "uuid" if column == "id" else "text"
        op.execute(
            f"""
            CREATE FUNCTION {name}() RETURNS {kind} LANGUAGE sql STABLE SECURITY DEFINER
            SET search_path = public, pg_temp
            AS $$ SELECT {column} FROM kiosks WHERE role_name = session_user $$
            """
        )
        op.execute(f"REVOKE ALL ON FUNCTION {name}() FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {name}() TO timeclock_kiosk, timeclock_admin")
    op.execute(
        """
        CREATE FUNCTION claim_kiosk_provisioning()
        RETURNS TABLE (kiosk_id uuid, company_id text, site_id text, kiosk_name text)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
        BEGIN
            RETURN QUERY
                UPDATE kiosks AS k SET provisioned_at = now()
                WHERE k.role_name = session_user AND k.provisioned_at IS NULL
                RETURNING k.id, k.company_id::text, k.site_id::text, k.name::text;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'this kiosk was already provisioned: the token works once'
                    USING ERRCODE = 'invalid_authorization_specification';
            END IF;
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION claim_kiosk_provisioning() FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION claim_kiosk_provisioning() TO timeclock_kiosk")
    op.execute(
        """
        CREATE FUNCTION stamp_change_txid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.change_txid := (pg_current_xact_id()::text)::bigint;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION refuse_fact_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'rows of % are facts: they are never updated or deleted', TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    # A foreign key proves the employee exists, not that they belong to the row's company; this says so plainly.
    op.execute(
        """
        CREATE FUNCTION check_employee_company() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM employees WHERE id = NEW.employee_id AND company_id = NEW.company_id) THEN
                RAISE EXCEPTION 'employee % is not on the roster of company %', NEW.employee_id, NEW.company_id
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    for table in WITH_EMPLOYEE:
        op.execute(
            f"CREATE TRIGGER check_employee_company BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION check_employee_company()"
        )
    for table in ALL_TABLES:
        op.execute(
            f"CREATE TRIGGER stamp_change_txid BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION stamp_change_txid()"
        )
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO timeclock_admin")
        op.execute(f"CREATE POLICY admin_all ON {table} TO timeclock_admin USING (true) WITH CHECK (true)")
    for table in FACTS:
        op.execute(
            f"CREATE TRIGGER refuse_fact_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_fact_change()"
        )
        op.execute(
            f"CREATE TRIGGER refuse_fact_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_fact_change()"
        )
    for table, condition in KIOSK_READ.items():
        op.execute(f"GRANT SELECT ON {table} TO timeclock_kiosk")
        op.execute(f"CREATE POLICY kiosk_read ON {table} FOR SELECT TO timeclock_kiosk USING ({condition})")
    for table, condition in KIOSK_INSERT.items():
        op.execute(f"GRANT INSERT ON {table} TO timeclock_kiosk")
        op.execute(f"CREATE POLICY kiosk_insert ON {table} FOR INSERT TO timeclock_kiosk WITH CHECK ({condition})")


def downgrade() -> None:
    for table in (*KIOSK_READ, *KIOSK_INSERT, *ALL_TABLES):
        op.execute(f"DROP POLICY IF EXISTS kiosk_read ON {table}")
        op.execute(f"DROP POLICY IF EXISTS kiosk_insert ON {table}")
        op.execute(f"DROP POLICY IF EXISTS admin_all ON {table}")
    for table in ALL_TABLES:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"DROP TRIGGER IF EXISTS stamp_change_txid ON {table}")
        op.execute(f"REVOKE ALL ON {table} FROM timeclock_kiosk, timeclock_admin")
    for table in WITH_EMPLOYEE:
        op.execute(f"DROP TRIGGER IF EXISTS check_employee_company ON {table}")
    for table in FACTS:
        op.execute(f"DROP TRIGGER IF EXISTS refuse_fact_change ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS refuse_fact_truncate ON {table}")
    for name in ("check_employee_company", "refuse_fact_change", "stamp_change_txid", "claim_kiosk_provisioning", "kiosk_self", "kiosk_site"):
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.execute("DROP FUNCTION IF EXISTS kiosk_company()")
