"""The web console's users and database role, and the status each kiosk reports at the end of a sync.

`timeclock_console` is a role without login that the console switches to for every request (`SET LOCAL ROLE`),
after setting, for that transaction only, who is asking: `timeclock.company`, `timeclock.role` (admin, payroll or
supervisor), `timeclock.sites` (`*` for every site of the company, or the site ids a supervisor may see, separated
by commas) and `timeclock.user`. Its row-level policies read those settings, so a page that asked for another
company's or another site's row gets nothing, and a role that may not change something (payroll resolving a claim,
a supervisor editing the roster) is refused by the database whatever the page code does. With nothing set it sees
nothing.

Kiosks report their status through `report_kiosk_status(...)`, which keeps one row per kiosk: a kiosk may insert
facts but updates nothing itself, so the function (SECURITY DEFINER) writes the row of the calling kiosk alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)

COMPANY = "company_id = (SELECT console_company())"
ADMIN = "(SELECT console_role()) = 'admin'"
RESOLVER = "(SELECT console_role()) IN ('admin', 'supervisor')"
INCIDENT_VISIBLE = "EXISTS (SELECT 1 FROM missed_clockout_incidents i WHERE i.id = incident_id)"
KIOSK_VISIBLE = "EXISTS (SELECT 1 FROM kiosks k WHERE k.id = kiosk_id)"

# table -> (privilege, policy condition); SELECT policies say what is seen, the others what may be written.
CONSOLE_POLICIES: dict[str, list[tuple[str, str]]] = {
    # INSERT too, because saving settings is an upsert (`central.roster.upsert_company`); only its own row.
    "companies": [
        ("SELECT", "id = (SELECT console_company())"),
        ("INSERT", f"id = (SELECT console_company()) AND {ADMIN}"),
        ("UPDATE", f"id = (SELECT console_company()) AND {ADMIN}"),
    ],
    "sites": [("SELECT", f"{COMPANY} AND console_site_visible(id)")],
    "kiosks": [("SELECT", f"{COMPANY} AND console_site_visible(site_id)")],
    "departments": [("SELECT", COMPANY), ("INSERT", f"{COMPANY} AND {ADMIN}"), ("UPDATE", f"{COMPANY} AND {ADMIN}")],
    "rule_sets": [("SELECT", COMPANY), ("INSERT", f"{COMPANY} AND {ADMIN}"), ("UPDATE", f"{COMPANY} AND {ADMIN}")],
    "employees": [("SELECT", COMPANY), ("INSERT", f"{COMPANY} AND {ADMIN}"), ("UPDATE", f"{COMPANY} AND {ADMIN}")],
    "face_templates": [("SELECT", COMPANY), ("UPDATE", f"{COMPANY} AND {ADMIN}")],
    # Deactivating an employee records the erasure of their face data, whose trigger revokes the templates.
    "biometric_erasures": [("SELECT", COMPANY), ("INSERT", f"{COMPANY} AND {ADMIN}")],
    "punches": [("SELECT", f"{COMPANY} AND console_site_visible(site_id)")],
    "corrections": [("SELECT", COMPANY), ("INSERT", f"{COMPANY} AND {RESOLVER}")],
    "missed_clockout_incidents": [("SELECT", f"{COMPANY} AND console_site_visible(site_id)")],
    "missed_clockout_claims": [("SELECT", f"{COMPANY} AND {INCIDENT_VISIBLE}")],
    "incident_resolutions": [
        ("SELECT", f"{COMPANY} AND {INCIDENT_VISIBLE}"),
        ("INSERT", f"{COMPANY} AND {RESOLVER} AND {INCIDENT_VISIBLE}"),
    ],
    "audit_log": [("SELECT", f"{COMPANY} AND {ADMIN}"), ("INSERT", COMPANY)],
    "roster_changes": [("SELECT", COMPANY)],
    "kiosk_status": [("SELECT", f"{COMPANY} AND {KIOSK_VISIBLE}")],
    "console_users": [
        ("SELECT", f"{COMPANY} AND ({ADMIN} OR id = (SELECT console_user()))"),
        ("INSERT", f"{COMPANY} AND {ADMIN}"),
        ("UPDATE", f"{COMPANY} AND {ADMIN}"),
    ],
    "console_user_sites": [
        ("SELECT", f"{COMPANY} AND ({ADMIN} OR user_id = (SELECT console_user()))"),
        ("INSERT", f"{COMPANY} AND {ADMIN}"),
        ("DELETE", f"{COMPANY} AND {ADMIN}"),
    ],
}
NEW_TABLES = ("kiosk_status", "console_users", "console_user_sites")


def upgrade() -> None:
    op.create_table(
        "kiosk_status",
        sa.Column("kiosk_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("reported_at", TZ, nullable=False),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.Column("clock_offset_seconds", sa.Float(), nullable=True),
        sa.Column("punches_waiting", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("camera_status", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_status_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_kiosk_status_company_id_companies")),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_kiosk_status")),
    )
    op.create_index(op.f("ix_kiosk_status_company_id"), "kiosk_status", ["company_id"], unique=False)
    op.create_table(
        "console_users",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("created_at", TZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", TZ, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'payroll', 'supervisor')", name=op.f("ck_console_users_role")),
        sa.CheckConstraint("email = lower(email) AND email LIKE '%_@_%'", name=op.f("ck_console_users_email")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_console_users_company_id_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_users")),
        sa.UniqueConstraint("email", name="uq_console_users_email"),
    )
    op.create_index(op.f("ix_console_users_company_id"), "console_users", ["company_id"], unique=False)
    op.create_table(
        "console_user_sites",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["console_users.id"], name=op.f("fk_console_user_sites_user_id_console_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_console_user_sites_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_console_user_sites_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("user_id", "site_id", name=op.f("pk_console_user_sites")),
    )
    op.create_index(op.f("ix_console_user_sites_company_id"), "console_user_sites", ["company_id"], unique=False)
    # The incident list filters and sorts by these.
    op.create_index("ix_incidents_company_login", "missed_clockout_incidents", ["company_id", "login_time"])
    op.create_index("ix_punches_company_time", "punches", ["company_id", "occurred_at"])
    # The fleet page's last punch received from each kiosk.
    op.create_index("ix_punches_kiosk_received", "punches", ["kiosk_id", "received_at"])

    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'timeclock_console') THEN
                CREATE ROLE timeclock_console NOLOGIN;
            END IF;
            -- The console's owner login switches to the role for each request, which needs membership.
            IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                EXECUTE format('GRANT timeclock_console TO %I', current_user);
            END IF;
        END
        $$
        """
    )
    for name, setting in (("console_company", "company"), ("console_role", "role")):
        op.execute(
            f"""
            CREATE FUNCTION {name}() RETURNS text LANGUAGE sql STABLE
            AS $$ SELECT nullif(current_setting('timeclock.{setting}', true), '') $$
            """
        )
    op.execute(
        """
        CREATE FUNCTION console_user() RETURNS uuid LANGUAGE sql STABLE
        AS $$ SELECT nullif(current_setting('timeclock.user', true), '')::uuid $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION console_site_visible(site text) RETURNS boolean LANGUAGE sql STABLE
        AS $$
            SELECT coalesce(current_setting('timeclock.sites', true), '') = '*'
                OR coalesce(site = ANY (string_to_array(nullif(current_setting('timeclock.sites', true), ''), ',')),
                            false)
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION report_kiosk_status(
            p_app_version text, p_clock_offset_seconds double precision, p_punches_waiting integer,
            p_last_error text, p_camera_status text
        ) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
        DECLARE
            v_kiosk uuid := kiosk_self();
        BEGIN
            IF v_kiosk IS NULL THEN
                RAISE EXCEPTION 'only a kiosk reports its status' USING ERRCODE = 'insufficient_privilege';
            END IF;
            INSERT INTO kiosk_status AS s (kiosk_id, company_id, reported_at, app_version, clock_offset_seconds,
                                           punches_waiting, last_error, camera_status)
            VALUES (v_kiosk, kiosk_company(), clock_timestamp(), left(p_app_version, 40), p_clock_offset_seconds,
                    greatest(p_punches_waiting, 0), left(p_last_error, 2000), left(p_camera_status, 40))
            ON CONFLICT (kiosk_id) DO UPDATE SET
                reported_at = EXCLUDED.reported_at, app_version = EXCLUDED.app_version,
                clock_offset_seconds = EXCLUDED.clock_offset_seconds, punches_waiting = EXCLUDED.punches_waiting,
                last_error = EXCLUDED.last_error, camera_status = EXCLUDED.camera_status;
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION report_kiosk_status(text, double precision, integer, text, text) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION report_kiosk_status(text, double precision, integer, text, text) TO timeclock_kiosk")
    for name in ("console_company()", "console_role()", "console_user()", "console_site_visible(text)"):
        op.execute(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {name} TO timeclock_console, timeclock_admin")
    for table in NEW_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO timeclock_admin")
        op.execute(f"CREATE POLICY admin_all ON {table} TO timeclock_admin USING (true) WITH CHECK (true)")
    for table, rules in CONSOLE_POLICIES.items():
        for privilege, condition in rules:
            op.execute(f"GRANT {privilege} ON {table} TO timeclock_console")
            name = f"console_{privilege.lower()}"
            if privilege == "INSERT":
                clause = f"WITH CHECK ({condition})"
            elif privilege == "UPDATE":
                clause = f"USING ({condition}) WITH CHECK ({condition})"
            else:
                clause = f"USING ({condition})"
            op.execute(f"CREATE POLICY {name} ON {table} FOR {privilege} TO timeclock_console {clause}")


def downgrade() -> None:
    for table, rules in CONSOLE_POLICIES.items():
        for privilege, _ in rules:
            op.execute(f"DROP POLICY IF EXISTS console_{privilege.lower()} ON {table}")
        op.execute(f"REVOKE ALL ON {table} FROM timeclock_console")
    op.execute("DROP FUNCTION IF EXISTS report_kiosk_status(text, double precision, integer, text, text)")
    for name in ("console_company()", "console_role()", "console_user()", "console_site_visible(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {name}")
    op.drop_index("ix_punches_kiosk_received", table_name="punches")
    op.drop_index("ix_punches_company_time", table_name="punches")
    op.drop_index("ix_incidents_company_login", table_name="missed_clockout_incidents")
    op.drop_table("console_user_sites")
    op.drop_table("console_users")
    op.drop_table("kiosk_status")
