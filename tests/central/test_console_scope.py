"""Row-level security of the web console, queried as its database role directly, not through pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from central.incidents import list_incidents, resolve
from central.scope import console_transaction
from central.users import ConsoleRole, ConsoleUser, add_user
from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import IncidentStatus
from tests.central.test_incidents_admin import claimed_incident, send_incident
from tests.central_database import CentralDatabase
from wire.schema import audit_log, companies, console_users, employees, incident_resolutions, punches

NOW = datetime.now(UTC)


def console_user(central: CentralDatabase, company: str, role: ConsoleRole, *sites: str) -> ConsoleUser:
    return ConsoleUser(
        id=uuid.uuid4(),
        company_id=company,
        email=f"{role.value}@{company}.example",
        role=role,
        site_ids=tuple(central.site_id(company, code) for code in sites),
    )


@pytest.fixture(scope="module")
def two_companies(central: CentralDatabase) -> dict[str, uuid.UUID]:
    """Two companies, `acme` with sites north and south, `globex` with one, each with a claimed incident per site."""
    central.add_company("acme", sites={"north": "Asia/Manila", "south": "Asia/Manila"})
    central.add_company("globex", sites={"main": "Asia/Manila"})
    found = {}
    for company, site, number in (("acme", "north", "E001"), ("acme", "south", "E002"), ("globex", "main", "E001")):
        profile = central.add_kiosk(company, site, f"{site} gate")
        employee = central.employee_id(company, f"{company}-{number}")
        incident = claimed_incident(company, employee, 20)
        send_incident(profile, incident)
        found[f"{company}/{site}"] = incident.id
    return found


def test_nothing_is_seen_without_a_user(central: CentralDatabase, two_companies: dict[str, uuid.UUID]) -> None:
    with central.engine.begin() as connection:
        connection.execute(text("SET LOCAL ROLE timeclock_console"))
        assert connection.execute(select(func.count()).select_from(employees)).scalar() == 0
        assert list_incidents(connection) == []


def test_an_admin_sees_their_company_only(central: CentralDatabase, two_companies: dict[str, uuid.UUID]) -> None:
    admin = console_user(central, "acme", ConsoleRole.ADMIN)
    with console_transaction(central.engine, admin) as connection:
        seen = {incident.id for incident in list_incidents(connection)}
        assert seen == {two_companies["acme/north"], two_companies["acme/south"]}
        assert set(connection.execute(select(employees.c.company_id)).scalars()) == {"acme"}
        assert connection.execute(select(companies.c.id)).scalars().all() == ["acme"]
        # Asking for the other company's rows by their key finds nothing.
        other = two_companies["globex/main"]
        assert list_incidents(connection, company_id="globex") == []
        assert (
            connection.execute(select(incident_resolutions).where(incident_resolutions.c.incident_id == other)).first()
            is None
        )


def test_a_supervisor_sees_their_sites_only(central: CentralDatabase, two_companies: dict[str, uuid.UUID]) -> None:
    supervisor = console_user(central, "acme", ConsoleRole.SUPERVISOR, "north")
    with console_transaction(central.engine, supervisor) as connection:
        assert {incident.id for incident in list_incidents(connection)} == {two_companies["acme/north"]}
        assert set(connection.execute(select(punches.c.site_id)).scalars()) <= {central.site_id("acme", "north")}


def test_a_supervisor_cannot_resolve_another_sites_claim(
    central: CentralDatabase, two_companies: dict[str, uuid.UUID]
) -> None:
    supervisor = console_user(central, "acme", ConsoleRole.SUPERVISOR, "north")
    with (
        console_transaction(central.engine, supervisor) as connection,
        pytest.raises(RuleViolation, match="no missed clock-out incident"),
    ):
        resolve(
                connection, two_companies["acme/south"], approve=True, resolved_by=supervisor.email, notes="ok",
                logout_time=None, now=datetime.now(UTC),
            )  # fmt: skip
    with central.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(incident_resolutions)).scalar() == 0


def test_payroll_may_read_but_not_resolve_or_edit(
    central: CentralDatabase, two_companies: dict[str, uuid.UUID]
) -> None:
    payroll = console_user(central, "acme", ConsoleRole.PAYROLL)
    with console_transaction(central.engine, payroll) as connection:
        assert len(list_incidents(connection)) == 2
    with (
        console_transaction(central.engine, payroll) as connection,
        pytest.raises(DBAPIError, match="row-level security"),
    ):
        resolve(
            connection, two_companies["acme/north"], approve=True, resolved_by=payroll.email, notes="ok",
            logout_time=None, now=datetime.now(UTC),
        )  # fmt: skip
    with console_transaction(central.engine, payroll) as connection:
        # An UPDATE the policies do not allow touches no row.
        changed = connection.execute(update(employees).values(daily_rate=1)).rowcount
        assert changed == 0
    with central.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(incident_resolutions)).scalar() == 0


def test_a_user_cannot_write_into_another_company(
    central: CentralDatabase, two_companies: dict[str, uuid.UUID]
) -> None:
    admin = console_user(central, "acme", ConsoleRole.ADMIN)
    with (
        pytest.raises(DBAPIError, match="row-level security"),
        console_transaction(central.engine, admin) as connection,
    ):
        connection.execute(
            insert(audit_log).values(
                id=uuid.uuid4(), company_id="globex", at=NOW, actor="x", action="forged", subject=None, detail={}
            )
        )
    with (
        pytest.raises(DBAPIError, match="row-level security"),
        console_transaction(central.engine, admin) as connection,
    ):
        connection.execute(
            insert(console_users).values(
                id=uuid.uuid4(), company_id="globex", email="mole@globex.example", role="admin", password_hash="x"
            )
        )


def test_console_users_of_another_company_are_invisible(
    central: CentralDatabase, two_companies: dict[str, uuid.UUID]
) -> None:
    add_user(
        central.engine, company_id="globex", email="boss@globex.example", role="admin", password="a long password",
        actor="test", now=NOW,
    )  # fmt: skip
    admin = console_user(central, "acme", ConsoleRole.ADMIN)
    with console_transaction(central.engine, admin) as connection:
        assert connection.execute(select(console_users.c.email)).scalars().all() == []


def test_an_admin_resolves_their_companys_claim(central: CentralDatabase, two_companies: dict[str, uuid.UUID]) -> None:
    admin = console_user(central, "acme", ConsoleRole.ADMIN)
    with console_transaction(central.engine, admin) as connection:
        resolved = resolve(
            connection, two_companies["acme/south"], approve=False, resolved_by=admin.email, notes="left at 17:00",
            logout_time=datetime.now(UTC) - timedelta(hours=14), now=datetime.now(UTC),
        )  # fmt: skip
    assert resolved.status is IncidentStatus.REJECTED
    with central.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(incident_resolutions)).scalar() == 1
