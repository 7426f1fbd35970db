"""Updates in the sync: head office's choice of update source and window comes down, the kiosk's update facts go up.

Head office may set where a kiosk takes its releases from (`python -m central set-update-source`); a kiosk adopts a
source and window head office has set at its next sync, and keeps its own (set at provisioning) where head office
has set none. Then it reports its running version, the version staged, its last check, when its update metadata last
verified and its last update error, through `report_kiosk_update_status()`, which writes the calling kiosk's own
row only (the kiosk's role may update no table itself).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select, text

from kiosk.domain.errors import RuleViolation
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings, save_device_settings
from kiosk.store.update_state import UpdateStateFiles
from wire import schema as central

log = logging.getLogger(__name__)


def exchange_update_facts(connection: Connection, database: Database, running_version: str | None) -> bool:
    """Adopt head office's update source and window, and report the update status; True if the settings changed."""
    kiosk = central.kiosks.c
    status = UpdateStateFiles(database.path.parent).report(running_version)
    with connection.begin():
        row = connection.execute(
            select(kiosk.update_source, kiosk.update_window).where(kiosk.id == func.kiosk_self())
        ).first()
        connection.execute(
            text("SELECT report_kiosk_update_status(:running, :staged, :checked, :verified, :error, :error_at)"),
            {
                "running": status.running_version,
                "staged": status.staged_version,
                "checked": _moment(status.last_check_at),
                "verified": _moment(status.last_verified_at),
                "error": status.error,
                "error_at": _moment(status.error_at),
            },
        )
    if row is None or (row.update_source is None and row.update_window is None):
        return False
    with database.write() as session:
        settings = load_device_settings(session)
        changes = {}
        if row.update_source is not None and row.update_source != settings.update_source:
            changes["update_source"] = row.update_source
        if row.update_window is not None and row.update_window != settings.update_window:
            changes["update_window"] = row.update_window
        if not changes:
            return False
        try:
            settings = settings.replace(**changes)
        except RuleViolation as problem:
            log.warning("head office's update settings %s are refused: %s", changes, problem)
            return False
        save_device_settings(session, settings, datetime.now(UTC))
    log.info("update settings from head office: %s", changes)
    return True


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
