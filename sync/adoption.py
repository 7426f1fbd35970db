"""Provisioning a kiosk that ran on its own: its departments, employees and every record go to head office.

Head office matches each department by name and each employee by employee number within the kiosk's company, and
takes on, under the kiosk's own ids, whoever it does not know yet (see the central migration 0004). The kiosk then
pulls the central roster and files its own records again under the central company, site and employee ids
(`kiosk.store.adoption`); its punches, corrections and missed clock-outs are still in its outbox and go up with
the next sync. Done twice, the second time finds nothing to move.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from kiosk.store import repository
from kiosk.store import roster as roster_store
from kiosk.store.adoption import move_records
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings, save_device_settings
from kiosk.store.repository import EmployeeRecord
from sync.connection import CentralConnector
from sync.errors import link_errors
from wire.provisioning import CentralProfile

log = logging.getLogger(__name__)


@dataclass
class HandOver:
    """What a standalone kiosk handed to head office."""

    departments: int = 0
    employees: int = 0
    matched: dict[str, str] = field(default_factory=dict)  # employee number -> central id, where head office knew them
    moved: dict[str, int] = field(default_factory=dict)  # records re-filed, per table


def needs_hand_over(database: Database, profile: CentralProfile) -> bool:
    """Whether this kiosk still files its records under a company of its own rather than the profile's."""
    with database.read() as session:
        company = load_device_settings(session).company_id
        return (
            company is not None
            and company != profile.company_id
            and repository.get_company(session, company) is not None
        )


def _keep_pins(session: Session, people: list[EmployeeRecord], remapped: dict[str, str], now: datetime) -> None:
    """The PINs employees had at the standalone kiosk stay theirs where head office has none for them; they go up
    as roster changes, as a PIN set at a provisioned kiosk does."""
    for person in people:
        if person.pin_hash is None:
            continue
        central = repository.get_employee(session, remapped.get(person.id, person.id))
        if central is None or central.pin_hash is not None:
            continue
        repository.put_employee(session, replace(central, pin_hash=person.pin_hash), now)
        roster_store.add_roster_change(
            session,
            employee_id=central.id,
            kind="pin_set",
            pin_hash=person.pin_hash,
            made_at=now,
            made_by="provisioning",
        )


def hand_over(database: Database, profile: CentralProfile, pull: Callable[[], object]) -> HandOver:
    """Give head office this kiosk's own departments and employees, `pull` the central roster (the kiosk's pull),
    and file the kiosk's records under the central company, site and ids, taking the profile's identity in the same
    transaction. Nothing local changes unless head office took everything.

    Raises:
        CentralUnreachable, CentralAuthRefused: the central database could not be used (nothing was moved).
    """
    report = HandOver()
    if not needs_hand_over(database, profile):
        return report
    with database.read() as session:
        settings = load_device_settings(session)
        old_company, old_site = settings.company_id, settings.site_id
        assert old_company is not None  # needs_hand_over said so
        rules = repository.department_rules(session, old_company)
        people = repository.employees(session, old_company)
    central_ids: dict[str, str] = {}
    connector = CentralConnector(profile)
    engine = connector.engine()
    try:
        with link_errors(), engine.begin() as connection:
            for rule in rules.values():
                connection.execute(
                    text(
                        "SELECT kiosk_adopt_department(:name, :undertime, :shift_start, :grace, :half_day_after, "
                        ":half_day_hours, :regular_hours)"
                    ),
                    {
                        "name": rule.name,
                        "undertime": rule.undertime,
                        "shift_start": rule.shift_start,
                        "grace": rule.grace_minutes,
                        "half_day_after": rule.half_day_after,
                        "half_day_hours": rule.half_day_hours,
                        "regular_hours": rule.regular_hours,
                    },
                )
                report.departments += 1
            for person in people:
                central_ids[person.id] = connection.execute(
                    text("SELECT kiosk_adopt_employee(:id, :number, :first, :last, :department, :rate, :active)"),
                    {
                        "id": person.id,
                        "number": person.number,
                        "first": person.first_name,
                        "last": person.last_name,
                        "department": person.department,
                        "rate": person.daily_rate,
                        "active": person.active,
                    },
                ).scalar_one()
                report.employees += 1
    finally:
        engine.dispose()
        connector.close()
    pull()
    numbers = {person.id: person.number for person in people}
    remapped = {old: new for old, new in central_ids.items() if old != new}
    report.matched = {numbers[old]: new for old, new in remapped.items()}
    now = datetime.now(UTC)
    with database.write() as session:
        report.moved = move_records(
            session,
            old_company=old_company,
            old_site=old_site,
            new_company=profile.company_id,
            new_site=profile.site_id,
            employee_ids=remapped,
            at=now,
        )
        _keep_pins(session, people, remapped, now)
        settings = load_device_settings(session).replace(
            company_id=profile.company_id,
            site_id=profile.site_id,
            kiosk_id=profile.kiosk_id,
            roster_from_head_office=True,
        )
        save_device_settings(session, settings, now)
    log.info(
        "handed over %d departments and %d employees (%d known at head office)",
        report.departments,
        report.employees,
        len(remapped),
    )
    return report
