"""The web console's reach into scheduled reports: the company's schedules and runs, for its admins and payroll.

Admins see, add and remove their company's schedules (removing one cancels its runs not yet queued, an update of
those runs); payroll sees them and their runs but changes nothing; site supervisors see neither, since a report
covers every site. Nothing else of the report tables is granted: the outbox holds other people's mail and
attachments, and the head-office mail settings a password reference, which the pages never need.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 00:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COMPANY = "company_id = (SELECT console_company())"
ADMIN = "(SELECT console_role()) = 'admin'"
READER = "(SELECT console_role()) IN ('admin', 'payroll')"

# table -> (privilege, policy condition), as in 0009.
CONSOLE_POLICIES: dict[str, list[tuple[str, str]]] = {
    "report_schedules": [
        ("SELECT", f"{COMPANY} AND {READER}"),
        ("INSERT", f"{COMPANY} AND {ADMIN}"),
        ("UPDATE", f"{COMPANY} AND {ADMIN}"),
    ],
    "report_runs": [("SELECT", f"{COMPANY} AND {READER}"), ("UPDATE", f"{COMPANY} AND {ADMIN}")],
}


def upgrade() -> None:
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
