"""Checking the kept sessions against a full derivation, and repairing them (`python main.py kept-state`)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.store import kept_state, repository
from kiosk.store.database import Database


@dataclass(frozen=True, slots=True)
class KeptStateCheck:
    """What deriving every fact again found, per company: the employees whose kept state differed, with why."""

    employees_checked: int
    differences: tuple[tuple[str, kept_state.Difference], ...]  # (company id, difference)
    repaired: bool


def check_kept_state(database: Database, *, repair: bool) -> KeptStateCheck:
    """Derive every employee of every company from all their facts and compare with the kept sessions and day
    summaries; with `repair`, keep the full derivation for those that differ, in the same transaction."""
    found: list[tuple[str, kept_state.Difference]] = []
    checked = 0
    with database.write() if repair else database.read() as session:
        for company in repository.companies(session):
            differences = kept_state.differences(session, company.id)
            checked += kept_state.employees_checked(session, company.id)
            found += [(company.id, difference) for difference in differences]
            if repair and differences:
                kept_state.repair(session, company.id, [difference.employee_id for difference in differences])
    return KeptStateCheck(checked, tuple(found), repair and bool(found))
