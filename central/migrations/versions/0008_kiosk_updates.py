"""Updates across the fleet: where each kiosk takes its releases from, and what it reports about them.

Head office may set a kiosk's update source and window (`python -m central set-update-source`); the kiosk adopts
them at its next sync. At every sync the kiosk reports its running version, the version it has staged, its last
update check, how old its newest verified update metadata is, and its last update error, through a function that
writes only the calling kiosk's own row (kiosks may update no table themselves).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)
COLUMNS = (
    sa.Column("update_source", sa.Text(), nullable=True),
    sa.Column("update_window", sa.String(length=11), nullable=True),
    sa.Column("running_version", sa.String(length=40), nullable=True),
    sa.Column("staged_version", sa.String(length=40), nullable=True),
    sa.Column("update_checked_at", TZ, nullable=True),
    sa.Column("update_verified_at", TZ, nullable=True),
    sa.Column("update_error", sa.Text(), nullable=True),
    sa.Column("update_error_at", TZ, nullable=True),
    sa.Column("update_reported_at", TZ, nullable=True),
)


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("kiosks", column)
    op.execute(
        """
        CREATE FUNCTION report_kiosk_update_status(
            running text, staged text, checked timestamptz, verified timestamptz, error text, error_at timestamptz
        ) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            UPDATE kiosks SET running_version = left(running, 40), staged_version = left(staged, 40),
                update_checked_at = checked, update_verified_at = verified, update_error = left(error, 2000),
                update_error_at = error_at, update_reported_at = now()
            WHERE role_name = session_user
        $$
        """
    )
    op.execute(
        "REVOKE ALL ON FUNCTION report_kiosk_update_status(text, text, timestamptz, timestamptz, text, timestamptz) "
        "FROM PUBLIC"
    )
    op.execute(
        "GRANT EXECUTE ON FUNCTION report_kiosk_update_status(text, text, timestamptz, timestamptz, text, timestamptz) "
        "TO timeclock_kiosk"
    )


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION report_kiosk_update_status(text, text, timestamptz, timestamptz, text, timestamptz)"
    )
    for column in reversed(COLUMNS):
        op.drop_column("kiosks", column.name)
