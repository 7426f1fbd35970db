"""Head-office edits of the central roster and settings: companies, sites, departments with rule sets, employees.

People name sites, departments and employees by codes unique within their company (`north`, `eng`, `E001`); the
rows are keyed by internal ids that nobody types (see `wire.schema`). Each function validates its input first (a
bad value changes nothing) and writes in one transaction. Kiosks pick the changes up through their pull cursor.
"""

from __future__ import annotations

import logging
import uuid
import zoneinfo
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from central.database import transaction
from central.keys import record_erasure
from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.roster import parse_code, parse_daily_rate, parse_person_name
from wire.schema import companies, departments, employees, rule_sets, sites

log = logging.getLogger(__name__)


def new_id() -> str:
    """A fresh internal id for a site, department or employee: unique in the whole database, never shown."""
    return uuid.uuid4().hex


def upsert_company(
    engine: Engine | Connection,
    company_id: str,
    name: str,
    *,
    missed_clockout_enabled: bool | None = None,
    block_reports_on_pending: bool | None = None,
    open_session_limit_minutes: int | None = None,
    kiosk_may_deactivate: bool | None = None,
) -> None:
    """Create a company or change its name and settings (settings left None keep their value)."""
    company_id = parse_code(company_id, "company code")
    if not name.strip():
        raise RuleViolation("company_name_missing", "a company needs a name")
    if open_session_limit_minutes is not None and not 60 <= open_session_limit_minutes <= 1440:
        raise RuleViolation("bad_open_session_limit", "the open-session limit must be 60 to 1440 minutes")
    values: dict[str, object] = {"id": company_id, "name": name.strip(), "updated_at": datetime.now(UTC)}
    for key, value in (
        ("missed_clockout_enabled", missed_clockout_enabled),
        ("block_reports_on_pending", block_reports_on_pending),
        ("open_session_limit_minutes", open_session_limit_minutes),
        ("kiosk_may_deactivate", kiosk_may_deactivate),
    ):
        if value is not None:
            values[key] = value
    statement = insert(companies).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[companies.c.id], set_={k: statement.excluded[k] for k in values if k != "id"}
    )
    with transaction(engine) as connection:
        connection.execute(statement)


def upsert_site(engine: Engine | Connection, company_id: str, site_code: str, name: str, timezone: str) -> str:
    """Create or change the company's site with this code; its time zone must be a known IANA name. Returns the
    site's internal id."""
    site_code = parse_code(site_code, "site code")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise RuleViolation("unknown_timezone", f"unknown time zone {timezone!r}: use an IANA name") from error
    values = {"name": name.strip() or site_code, "timezone": timezone, "updated_at": func.now()}
    with transaction(engine) as connection:
        _require_company(connection, company_id)
        site_id = site_id_of(connection, company_id, site_code, missing_ok=True)
        if site_id is None:
            site_id = new_id()
            connection.execute(insert(sites).values(id=site_id, company_id=company_id, code=site_code, **values))
        else:
            connection.execute(update(sites).where(sites.c.id == site_id).values(**values))
    return site_id


def site_id_of(connection: Connection, company_id: str, site_code: str, *, missing_ok: bool = False) -> str | None:
    """The internal id of the company's site with this code (None when there is none and `missing_ok`).

    Raises:
        RuleViolation: `unknown_site`.
    """
    found = connection.execute(
        select(sites.c.id).where(sites.c.company_id == company_id, sites.c.code == site_code)
    ).scalar()
    if found is None and not missing_ok:
        raise RuleViolation("unknown_site", f"company {company_id!r} has no site {site_code!r}")
    return found


def _parse_clock(value: str, what: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError as error:
        raise RuleViolation(f"bad_{what}", f"{what.replace('_', ' ')} must be HH:MM, got {value!r}") from error


def upsert_department(
    engine: Engine | Connection,
    company_id: str,
    department_code: str,
    name: str,
    *,
    undertime: bool = False,
    shift_start: str = "08:00",
    grace_minutes: int = 3,
    half_day_after: str = "09:00",
    half_day_hours: str = "4",
    regular_hours: str = "8",
) -> str:
    """Create or change the company's department with this code and its rule set (seed 002's defaults). Returns the
    department's internal id."""
    department_code = parse_code(department_code, "department code")
    if not name.strip():
        raise RuleViolation("department_name_missing", "a department needs a name")
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
    with transaction(engine) as connection:
        _require_company(connection, company_id)
        department_id = department_id_of(connection, company_id, department_code, missing_ok=True)
        try:
            with connection.begin_nested():
                if department_id is None:
                    department_id = new_id()
                    connection.execute(
                        insert(departments).values(
                            id=department_id, company_id=company_id, code=department_code, name=name.strip()
                        )
                    )
                else:
                    connection.execute(
                        update(departments)
                        .where(departments.c.id == department_id)
                        .values(name=name.strip(), updated_at=func.now())
                    )
        except IntegrityError as error:
            raise RuleViolation(
                "department_name_taken", f"company {company_id!r} has a department named {name.strip()!r} already"
            ) from error
        rule_statement = insert(rule_sets).values(department_id=department_id, company_id=company_id, **rules)
        connection.execute(
            rule_statement.on_conflict_do_update(
                index_elements=[rule_sets.c.department_id], set_={**rules, "updated_at": func.now()}
            )
        )
    return department_id


def department_id_of(
    connection: Connection, company_id: str, department_code: str, *, missing_ok: bool = False
) -> str | None:
    """The internal id of the company's department with this code (None when there is none and `missing_ok`).

    Raises:
        RuleViolation: `unknown_department`.
    """
    found = connection.execute(
        select(departments.c.id).where(departments.c.company_id == company_id, departments.c.code == department_code)
    ).scalar()
    if found is None and not missing_ok:
        raise RuleViolation("unknown_department", f"company {company_id!r} has no department {department_code!r}")
    return found


def upsert_employee(
    engine: Engine | Connection,
    company_id: str,
    number: str,
    first_name: str,
    last_name: str,
    *,
    department: str | None = None,
    daily_rate: str = "0",
    active: bool = True,
) -> str:
    """Create or change the company's employee with this employee number (`department` is a department code).
    Deactivating one revokes their face templates (see `deactivate_employee`). Returns the internal id."""
    number = parse_code(number, "employee number")
    first, last = parse_person_name(first_name, "first name"), parse_person_name(last_name, "last name")
    rate = parse_daily_rate(daily_rate)
    with transaction(engine) as connection:
        _require_company(connection, company_id)
        department_id = None
        if department is not None:
            department_id = department_id_of(connection, company_id, parse_code(department, "department code"))
        values = {
            "first_name": first,
            "last_name": last,
            "department_id": department_id,
            "daily_rate": rate,
            "active": active,
        }
        employee_id = employee_id_of(connection, company_id, number, missing_ok=True)
        if employee_id is None:
            employee_id = new_id()
            connection.execute(insert(employees).values(id=employee_id, company_id=company_id, number=number, **values))
        else:
            connection.execute(
                update(employees).where(employees.c.id == employee_id).values(**values, updated_at=func.now())
            )
        if not active:
            record_erasure(connection, company_id, employee_id, by="head office")
    return employee_id


def employee_id_of(connection: Connection, company_id: str, number: str, *, missing_ok: bool = False) -> str | None:
    """The internal id of the company's employee with this number (None when there is none and `missing_ok`).

    Raises:
        RuleViolation: `unknown_employee`.
    """
    found = connection.execute(
        select(employees.c.id).where(employees.c.company_id == company_id, employees.c.number == number)
    ).scalar()
    if found is None and not missing_ok:
        raise RuleViolation("unknown_employee", f"company {company_id!r} has no employee {number!r}")
    return found


def employee_numbers(connection: Connection, company_id: str | None = None) -> dict[str, str]:
    """Employee numbers by internal id (of one company, or of all), to show people by what they are known by."""
    query = select(employees.c.id, employees.c.number)
    if company_id is not None:
        query = query.where(employees.c.company_id == company_id)
    return {row.id: row.number for row in connection.execute(query)}


def deactivate_employee(engine: Engine | Connection, company_id: str, number: str) -> int:
    """Mark the company's employee with this number inactive and revoke (empty) their face templates; returns how
    many were revoked."""
    with transaction(engine) as connection:
        _require_company(connection, company_id)
        employee_id = employee_id_of(connection, company_id, number)
        connection.execute(
            update(employees).where(employees.c.id == employee_id).values(active=False, updated_at=func.now())
        )
        assert employee_id is not None  # employee_id_of raised otherwise
        # Consent ends with the job: every kiosk deletes the face data and withdraws the consent it holds.
        return record_erasure(connection, company_id, employee_id, by="head office")


def _require_company(connection: Connection, company_id: str) -> None:
    if connection.execute(select(companies.c.id).where(companies.c.id == company_id)).first() is None:
        raise RuleViolation("unknown_company", f"no company {company_id!r} in the central database")
