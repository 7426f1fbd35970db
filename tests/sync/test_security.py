"""A kiosk's own role sees only its company, inserts only as itself, and can rewrite nothing."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, update

from tests.central_database import CentralDatabase, utc
from wire.provisioning import CentralProfile
from wire.schema import face_templates, punches


@pytest.fixture(scope="module")
def two_companies(central: CentralDatabase) -> dict[str, CentralProfile]:
    # The same site, department and employee codes in both companies: they are unique per company only.
    central.add_company("acme", sites={"north": "Asia/Manila", "south": "Asia/Manila"}, prefix="staff")
    central.add_company("globex", sites={"north": "America/New_York"}, prefix="staff")
    profiles = {
        "acme-north": central.add_kiosk("acme", "north"),
        "acme-south": central.add_kiosk("acme", "south"),
        "globex-hq": central.add_kiosk("globex", "north"),
    }
    for profile in profiles.values():
        employee = central.employee_id(profile.company_id, "staff-E001")
        with central.kiosk_connection(profile) as connection:
            insert_punch(connection, profile, employee)
            insert_template(connection, profile, employee)
    return profiles


def punch_values(profile: CentralProfile, employee_id: str, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "company_id": profile.company_id,
        "site_id": profile.site_id,
        "kiosk_id": uuid.UUID(profile.kiosk_id),
        "employee_id": employee_id,
        "kind": "clock_in",
        "occurred_at": utc(2026, 3, 2, 0, 0),
        "identified_by": "face",
        "recorded_at": utc(2026, 3, 2, 0, 0),
    }
    return values | changes


def insert_punch(
    connection: psycopg.Connection[Any], profile: CentralProfile, employee_id: str, **changes: Any
) -> None:
    values = punch_values(profile, employee_id, **changes)
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({name})s" for name in values)
    connection.execute(f"INSERT INTO punches ({columns}) VALUES ({placeholders})", values)


def insert_template(
    connection: psycopg.Connection[Any], profile: CentralProfile, employee_id: str, **changes: Any
) -> None:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "company_id": profile.company_id,
        "employee_id": employee_id,
        "sealed": b"\x01sealed-template",
        "pose": "frontal",
        "kiosk_id": uuid.UUID(profile.kiosk_id),
        "created_at": utc(2026, 3, 1),
    } | changes
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({name})s" for name in values)
    connection.execute(f"INSERT INTO face_templates ({columns}) VALUES ({placeholders})", values)


def rows(connection: psycopg.Connection[Any], query: str) -> list[tuple[Any, ...]]:
    return connection.execute(query).fetchall()


def test_kiosk_reads_only_its_company(central: CentralDatabase, two_companies: dict[str, CentralProfile]) -> None:
    with central.kiosk_connection(two_companies["acme-north"]) as connection:
        assert rows(connection, "SELECT id FROM companies") == [("acme",)]
        assert {r[0] for r in rows(connection, "SELECT company_id FROM employees")} == {"acme"}
        assert {r[0] for r in rows(connection, "SELECT company_id FROM sites")} == {"acme"}
        assert {r[0] for r in rows(connection, "SELECT company_id FROM departments")} == {"acme"}
        assert {r[0] for r in rows(connection, "SELECT company_id FROM rule_sets")} == {"acme"}
        assert {r[0] for r in rows(connection, "SELECT company_id FROM kiosks")} == {"acme"}
        # Asking for the other company by name finds nothing either.
        assert rows(connection, "SELECT id FROM employees WHERE company_id = 'globex'") == []


def test_kiosk_sees_no_templates_of_another_company(
    central: CentralDatabase, two_companies: dict[str, CentralProfile]
) -> None:
    with central.engine.connect() as admin:
        assert {r.company_id for r in admin.execute(select(face_templates.c.company_id))} == {"acme", "globex"}
    with central.kiosk_connection(two_companies["globex-hq"]) as connection:
        seen = rows(connection, "SELECT company_id, employee_id FROM face_templates")
        assert seen == [("globex", central.employee_id("globex", "staff-E001"))]


def test_kiosk_reads_punches_of_its_own_site_only(
    central: CentralDatabase, two_companies: dict[str, CentralProfile]
) -> None:
    with central.kiosk_connection(two_companies["acme-north"]) as connection:
        assert {r[0] for r in rows(connection, "SELECT site_id FROM punches")} == {central.site_id("acme", "north")}


@pytest.mark.parametrize("statement", ["UPDATE punches SET kind = 'clock_out'", "DELETE FROM punches"])
def test_kiosk_can_neither_update_nor_delete_punches(
    central: CentralDatabase, two_companies: dict[str, CentralProfile], statement: str
) -> None:
    with central.kiosk_connection(two_companies["acme-north"]) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(statement)
        connection.rollback()
        assert rows(connection, "SELECT count(*) FROM punches") == [(1,)]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE employees SET active = false",
        "UPDATE companies SET missed_clockout_enabled = true",
        "DELETE FROM face_templates",
        "UPDATE face_templates SET sealed = NULL",
        "DELETE FROM employees",
        "CREATE TABLE loot (x int)",
        "SELECT * FROM audit_log",
    ],
)
def test_kiosk_cannot_change_roster_settings_or_schema(
    central: CentralDatabase, two_companies: dict[str, CentralProfile], statement: str
) -> None:
    with (
        central.kiosk_connection(two_companies["acme-north"]) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(statement)


@pytest.mark.parametrize(
    ("changes", "refusal", "message"),
    [
        (
            {"company_id": "globex", "site_id": ("globex", "north"), "employee_id": ("globex", "staff-E001")},
            psycopg.errors.InsufficientPrivilege,
            "row-level security",
        ),
        ({"site_id": ("acme", "south")}, psycopg.errors.InsufficientPrivilege, "row-level security"),
        ({"kiosk_id": "other"}, psycopg.errors.InsufficientPrivilege, "row-level security"),
        (
            {"employee_id": ("globex", "staff-E002")},
            psycopg.errors.ForeignKeyViolation,
            "not on the roster of company acme",
        ),
    ],
    ids=["another-company", "another-site", "another-kiosk", "employee-of-another-company"],
)
def test_kiosk_inserts_punches_only_as_itself(
    central: CentralDatabase,
    two_companies: dict[str, CentralProfile],
    changes: dict[str, Any],
    refusal: type[Exception],
    message: str,
) -> None:
    profile = two_companies["acme-north"]
    if changes.get("kiosk_id") == "other":
        changes["kiosk_id"] = uuid.UUID(two_companies["acme-south"].kiosk_id)
    if "site_id" in changes:
        changes["site_id"] = central.site_id(*changes["site_id"])
    employee = central.employee_id(*changes.pop("employee_id", ("acme", "staff-E002")))
    punch_id = uuid.uuid4()
    with central.kiosk_connection(profile) as connection, pytest.raises(refusal, match=message):
        insert_punch(connection, profile, employee, id=punch_id, **changes)
    with central.engine.connect() as admin:
        assert admin.execute(select(punches.c.id).where(punches.c.id == punch_id)).first() is None


def test_kiosk_cannot_enrol_a_face_for_another_company(
    central: CentralDatabase, two_companies: dict[str, CentralProfile]
) -> None:
    profile = two_companies["acme-north"]
    with (
        central.kiosk_connection(profile) as connection,
        pytest.raises(psycopg.errors.ForeignKeyViolation, match="not on the roster of company acme"),
    ):
        insert_template(connection, profile, central.employee_id("globex", "staff-E001"))
    with (
        central.kiosk_connection(profile) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        insert_template(connection, profile, central.employee_id("globex", "staff-E001"), company_id="globex")


def test_punches_are_facts_even_for_head_office(
    central: CentralDatabase, two_companies: dict[str, CentralProfile]
) -> None:
    with central.engine.connect() as admin, pytest.raises(Exception, match="never updated or deleted"):
        admin.execute(update(punches).values(kind="clock_out"))
    with central.engine.connect() as admin, pytest.raises(Exception, match="never updated or deleted"):
        admin.execute(punches.delete())


def test_a_kiosk_cannot_forge_the_change_stamp(
    central: CentralDatabase, two_companies: dict[str, CentralProfile]
) -> None:
    profile = two_companies["acme-north"]
    punch_id = uuid.uuid4()
    with central.kiosk_connection(profile) as connection:
        insert_punch(connection, profile, central.employee_id("acme", "staff-E003"), id=punch_id, change_txid=1)
        connection.commit()
    with central.engine.connect() as admin:
        stamp = admin.execute(select(punches.c.change_txid).where(punches.c.id == punch_id)).scalar_one()
    assert stamp > 1


def test_a_wrong_password_is_refused(central: CentralDatabase, two_companies: dict[str, CentralProfile]) -> None:
    from sync.errors import CentralAuthRefused

    wrong = two_companies["acme-north"].with_password("not-the-password")
    with pytest.raises(CentralAuthRefused, match="refused"):
        central.kiosk_connection(wrong)
