"""The fleet of kiosks as head office sees it: what each reported at its last sync, and which need attention."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from wire.schema import kiosk_status, kiosks, punches, sites

# A kiosk syncs every minute and right after each punch; an hour without a word means something is wrong.
SILENT_AFTER = timedelta(hours=1)
# The kiosk flags punches whose PC clock is this far from the server's (DESIGN.md 5).
CLOCK_OFFSET_LIMIT = 120.0
CAMERA_OK = "ok"


@dataclass(frozen=True, slots=True)
class KioskHealth:
    """One kiosk: where it stands, what it last reported, and what is wrong with it now."""

    id: uuid.UUID
    name: str
    site_code: str
    provisioned_at: datetime | None
    last_sync: datetime | None
    app_version: str | None
    clock_offset_seconds: float | None
    punches_waiting: int | None
    last_error: str | None
    camera_status: str | None
    problems: tuple[str, ...]

    @property
    def needs_attention(self) -> bool:
        return bool(self.problems)


def _problems(row: dict[str, object], last_sync: datetime | None, now: datetime) -> tuple[str, ...]:
    found = []
    if last_sync is None:
        found.append("not provisioned yet" if row["provisioned_at"] is None else "never synced")
    elif now - last_sync > SILENT_AFTER:
        hours = (now - last_sync) / timedelta(hours=1)
        found.append(f"silent for {hours:.1f} h")
    offset = row["clock_offset_seconds"]
    if isinstance(offset, float) and abs(offset) > CLOCK_OFFSET_LIMIT:
        found.append(f"PC clock off by {offset:+.0f} s")
    if row["last_error"]:
        found.append("reported an error")
    camera = row["camera_status"]
    if camera is not None and camera != CAMERA_OK:
        found.append(f"camera {camera}")
    return tuple(found)


def fleet(connection: Connection, company_id: str, now: datetime) -> list[KioskHealth]:
    """The company's kiosks the connection may see, by site and name.

    The last sync is the kiosk's last status report or, for a kiosk that has not reported one yet (an older
    version), the last punch head office received from it.
    """
    # One index probe per kiosk (ix_punches_kiosk_received), not an aggregate over every punch of the company.
    last_punch = (
        select(func.max(punches.c.received_at).label("received"))
        .where(punches.c.kiosk_id == kiosks.c.id)
        .scalar_subquery()
        .label("received")
    )
    rows = connection.execute(
        select(
            kiosks.c.id,
            kiosks.c.name,
            kiosks.c.provisioned_at,
            sites.c.code.label("site_code"),
            kiosk_status.c.reported_at,
            kiosk_status.c.app_version,
            kiosk_status.c.clock_offset_seconds,
            kiosk_status.c.punches_waiting,
            kiosk_status.c.last_error,
            kiosk_status.c.camera_status,
            last_punch,
        )
        .select_from(
            kiosks.join(sites, sites.c.id == kiosks.c.site_id).outerjoin(
                kiosk_status, kiosk_status.c.kiosk_id == kiosks.c.id
            )
        )
        .where(kiosks.c.company_id == company_id)
        .order_by(sites.c.code, kiosks.c.name)
    ).mappings()
    found = []
    for row in rows:
        values = dict(row)
        last_sync = values["reported_at"] or values["received"]
        found.append(
            KioskHealth(
                id=values["id"],
                name=values["name"],
                site_code=values["site_code"],
                provisioned_at=values["provisioned_at"],
                last_sync=last_sync,
                app_version=values["app_version"],
                clock_offset_seconds=values["clock_offset_seconds"],
                punches_waiting=values["punches_waiting"],
                last_error=values["last_error"],
                camera_status=values["camera_status"],
                problems=_problems(values, last_sync, now),
            )
        )
    return found
