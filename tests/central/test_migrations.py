"""Upgrading a central database that holds a roster and synced punches: every row and every punch is kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, select, text

from central.database import _alembic_config, admin_engine, migrate
from central.roster import upsert_company, upsert_employee
from tests.central_database import PostgresServer
from tests.pg import create_database, drop_database
from wire.schema import departments, employees, punches, sites

AT = datetime(2026, 11, 2, 0, 10, tzinfo=UTC)


def test_codes_per_company_keep_every_row_and_punch(postgres_server: PostgresServer) -> None:
    name = f"central_upgrade_{uuid.uuid4().hex[:8]}"
    create_database(postgres_server.dsn(), name)
    engine = admin_engine(postgres_server.url(name))
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0002")
            # The roster as the earlier schema kept it: the code people typed was the key.
            connection.execute(text("INSERT INTO companies (id, name) VALUES ('acme', 'Acme')"))
            connection.execute(
                text("INSERT INTO sites (id, company_id, name, timezone) VALUES ('north', 'acme', 'N', 'Asia/Manila')")
            )
            connection.execute(text("INSERT INTO departments (id, company_id, name) VALUES ('eng', 'acme', 'Eng')"))
            connection.execute(
                text(
                    "INSERT INTO employees (id, company_id, first_name, last_name, department_id) "
                    "VALUES ('E1', 'acme', 'Maria', 'Santos', 'eng')"
                )
            )
            punch_ids = [uuid.uuid4() for _ in range(3)]
            for punch_id in punch_ids:
                connection.execute(
                    text(
                        "INSERT INTO punches (id, company_id, site_id, employee_id, kind, occurred_at, identified_by, "
                        "recorded_at) VALUES (:id, 'acme', 'north', 'E1', 'clock_in', :at, 'face', :at)"
                    ),
                    {"id": punch_id, "at": AT},
                )
            before = connection.execute(text("SELECT * FROM punches ORDER BY id")).all()

        migrate(engine)  # to the newest revision, or it raises

        with engine.connect() as connection:
            assert connection.execute(text("SELECT * FROM punches ORDER BY id")).all() == before
            person = connection.execute(select(employees)).mappings().one()
            assert (person["id"], person["number"], person["department_id"]) == ("E1", "E1", "eng")
            assert connection.execute(select(sites.c.id, sites.c.code)).one() == ("north", "north")
            assert connection.execute(select(departments.c.id, departments.c.code)).one() == ("eng", "eng")
        # Another company may now use the same number; the old employee is still found by it.
        upsert_company(engine, "beta", "Beta")
        beta_e1 = upsert_employee(engine, "beta", "E1", "Jose", "Reyes")
        assert upsert_employee(engine, "acme", "E1", "Maria", "Santos-Cruz") == "E1"
        with engine.begin() as connection:
            connection.execute(
                insert(punches).values(
                    id=uuid.uuid4(),
                    company_id="acme",
                    site_id="north",
                    employee_id="E1",
                    kind="clock_out",
                    occurred_at=AT,
                    identified_by="face",
                    recorded_at=AT,
                )
            )
            owners = connection.execute(select(employees.c.id, employees.c.company_id).order_by(employees.c.company_id))
            assert owners.all() == [("E1", "acme"), (beta_e1, "beta")]
    finally:
        engine.dispose()
        drop_database(postgres_server.dsn(), name)
