"""Head-office edits of the central roster and settings: companies, sites, departments with rule sets, employees.

Each function validates its input first (a bad value changes nothing) and writes in one transaction. Kiosks pick
the changes up through their pull cursor.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import DepartmentRules
from wire.schema import companies, departments, employees, face_templates, rule_sets, sites

log = logging.getLogger(__name__)


def _require_id(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > 64:
        raise RuleViolation(f"bad_{what}_id", f"a {what} id must have 1 to 64 characters, got {value!r}")
    return value


def upsert_company(
    engine: Engine,
    company_id: str,
    name: str,
    *,
    missed_clockout_enabled: bool | None = None,
    block_reports_on_pending: bool | None = None,
    open_session_limit_minutes: int | None = None,
) -> None:
    """Create a company or change its name and settings (settings left None keep their value)."""
    company_id = _require_id(company_id, "company")
    if not name.strip():
        raise RuleViolation("company_name_missing", "a company needs a name")
    if open_session_limit_minutes is not None and not 60 <= open_session_limit_minutes <= 1440:
        raise RuleViolation("bad_open_session_limit", "the open-session limit must be 60 to 1440 minutes")
    values: dict[str, object] = {"id": company_id, "name": name.strip(), "updated_at": datetime.now(UTC)}
    for key, value in (
        ("missed_clockout_enabled", missed_clockout_enabled),
        ("block_reports_on_pending", block_reports_on_pending),
        ("open_session_limit_minutes", open_session_limit_minutes),
    ):
        if value is not None:
            values[key] = value
    statement = insert(companies).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[companies.c.id], set_={k: statement.excluded[k] for k in values if k != "id"}
    )
    with engine.begin() as connection:
        connection.execute(statement)


def upsert_site(engine: Engine, company_id: str, site_id: str, name: str, timezone: str) -> None:
    """Create or change a site; its time zone must be a known IANA name."""
    site_id = _require_id(site_id, "site")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise RuleViolation("unknown_timezone", f"unknown time zone {timezone!r}: use an IANA name") from error
    values = {"id": site_id, "company_id": company_id, "name": name.strip() or site_id, "timezone": timezone}
    with engine.begin() as connection:
        _require_company(connection, company_id)
        existing = connection.execute(select(sites.c.company_id).where(sites.c.id == site_id)).scalar()
        if existing is not None and existing != company_id:
            raise RuleViolation("site_of_other_company", f"site {site_id!r} belongs to company {existing!r}")
        statement = insert(sites).values(**values, updated_at=func.now())
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[sites.c.id],
                set_={
                    "name": statement.excluded.name,
                    "timezone": statement.excluded.timezone,
                    "updated_at": func.now(),
                },
            )
        )


def _parse_clock(value: str, what: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError as error:
        raise RuleViolation(f"bad_{what}", f"{what.replace('_', ' ')} must be HH:MM, got {value!r}") from error


def upsert_department(
    engine: Engine,
    company_id: str,
    department_id: str,
    name: str,
    *,
    undertime: bool = False,
    shift_start: str = "08:00",
    grace_minutes: int = 3,
    half_day_after: str = "09:00",
    half_day_hours: str = "4",
    regular_hours: str = "8",
) -> None:
    """Create or change a department and its rule set (seed 002's defaults)."""
    department_id = _require_id(department_id, "department")
    try:
        half, regular = Decimal(half_day_hours), Decimal(regular_hours)
    except InvalidOperation as error:
        raise RuleViolation("bad_hours", "hours must be decimal numbers") from error
    # The domain's rule set validates the values the same way the kiosks will read them.
    checked = DepartmentRules(
        name=name.strip(),
        undertime=undertime,
        shift_start=_parse_clock(shift_start, "shift_start"),
        grace_minutes=grace_minutes,
        half_day_after=_parse_clock(half_day_after, "half_day_after"),
        half_day_hours=half,
        regular_hours=regular,
    )
    rules = {
        "undertime": undertime,
        "shift_start": checked.shift_start,
        "grace_minutes": checked.grace_minutes,
        "half_day_after": checked.half_day_after,
        "half_day_hours": checked.half_day_hours,
        "regular_hours": checked.regular_hours,
    }
    with engine.begin() as connection:
        _require_company(connection, company_id)
        existing = connection.execute(select(departments.c.company_id).where(departments.c.id == department_id))
        owner = existing.scalar()
        if owner is not None and owner != company_id:
            raise RuleViolation("department_of_other_company", f"department {department_id!r} belongs to {owner!r}")
        statement = insert(departments).values(id=department_id, company_id=company_id, name=name.strip())
        try:
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[departments.c.id], set_={"name": statement.excluded.name, "updated_at": func.now()}
                )
            )
        except IntegrityError as error:
            raise RuleViolation("department_name_taken", f"company {company_id!r} has a {name!r} already") from error
        rule_statement = insert(rule_sets).values(department_id=department_id, company_id=company_id, **rules)
        connection.execute(
            rule_statement.on_conflict_do_update(
                index_elements=[rule_sets.c.department_id], set_={**rules, "updated_at": func.now()}
            )
        )


def upsert_employee(
    engine: Engine,
    company_id: str,
    employee_id: str,
    first_name: str,
    last_name: str,
    *,
    department_id: str | None = None,
    daily_rate: str = "0",
    active: bool = True,
) -> None:
    """Create or change an employee. Deactivating one revokes their face templates (see `deactivate_employee`)."""
    employee_id = _require_id(employee_id, "employee")
    if not first_name.strip() or not last_name.strip():
        raise RuleViolation("employee_name_missing", "an employee needs a first and a last name")
    try:
        rate = Decimal(daily_rate)
    except InvalidOperation as error:
        raise RuleViolation("bad_daily_rate", f"the daily rate must be a decimal number, got {daily_rate!r}") from error
    if rate < 0 or rate != rate.quantize(Decimal("0.01")):
        raise RuleViolation("bad_daily_rate", "the daily rate must be positive with at most two decimals")
    values = {
        "id": employee_id,
        "company_id": company_id,
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "department_id": department_id,
        "daily_rate": rate,
        "active": active,
    }
    with engine.begin() as connection:
        _require_company(connection, company_id)
        owner = connection.execute(select(employees.c.company_id).where(employees.c.id == employee_id)).scalar()
        if owner is not None and owner != company_id:
            raise RuleViolation("employee_of_other_company", f"employee {employee_id!r} belongs to {owner!r}")
        if department_id is not None:
            department_owner = connection.execute(
                select(departments.c.company_id).where(departments.c.id == department_id)
            ).scalar()
            if department_owner != company_id:
                raise RuleViolation("unknown_department", f"company {company_id!r} has no department {department_id!r}")
        statement = insert(employees).values(**values)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[employees.c.id],
                set_={**{k: statement.excluded[k] for k in values if k != "id"}, "updated_at": func.now()},
            )
        )
        if not active:
            _revoke_templates(connection, employee_id)


def deactivate_employee(engine: Engine, employee_id: str) -> int:
    """Mark an employee inactive and revoke (empty) their face templates; returns how many were revoked."""
    with engine.begin() as connection:
        changed = connection.execute(
            update(employees).where(employees.c.id == employee_id).values(active=False, updated_at=func.now())
        )
        if changed.rowcount == 0:
            raise RuleViolation("unknown_employee", f"no employee {employee_id!r}")
        return _revoke_templates(connection, employee_id)


def _revoke_templates(connection: Connection, employee_id: str) -> int:
    result = connection.execute(
        update(face_templates)
        .where(face_templates.c.employee_id == employee_id, face_templates.c.revoked_at.is_(None))
        .values(sealed=None, revoked_at=func.now())
    )
    log.info("revoked %d face templates of employee %s", result.rowcount, employee_id)
    return int(result.rowcount)


def _require_company(connection: Connection, company_id: str) -> None:
    if connection.execute(select(companies.c.id).where(companies.c.id == company_id)).first() is None:
        raise RuleViolation("unknown_company", f"no company {company_id!r} in the central database")
