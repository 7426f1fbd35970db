"""Head office edits the roster with `python -m central add-...`; every bad input is refused and changes nothing."""

from __future__ import annotations

import contextlib
import io

import pytest
from sqlalchemy import select

from central.commands import main
from tests.central_database import CentralDatabase
from wire.schema import companies, departments, employees, rule_sets, sites


def run_cli(central: CentralDatabase, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--database-url", central.url, *args])
    return code, out.getvalue(), err.getvalue()


def everything(central: CentralDatabase) -> list[object]:
    with central.engine.connect() as connection:
        return [
            sorted(tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns)))
            for table in (companies, sites, departments, rule_sets, employees)
        ]


@pytest.fixture(scope="module")
def roster(central: CentralDatabase) -> CentralDatabase:
    central.add_company("acme", sites={"north": "Asia/Manila"})
    central.add_company("globex", sites={"hq": "America/New_York"})
    return central


def test_the_roster_commands_write_what_they_say(roster: CentralDatabase) -> None:
    steps = [
        ("add-company", "--company", "initrode", "--name", "Initrode", "--missed-clockout",
         "--open-session-limit", "600"),
        ("add-site", "--company", "initrode", "--site", "plant", "--timezone", "America/Chicago"),
        ("add-department", "--company", "initrode", "--department", "ini-eng", "--name", "Engineers", "--undertime",
         "--shift-start", "07:30", "--grace-minutes", "5", "--half-day-after", "08:30"),
        ("add-employee", "--company", "initrode", "--employee", "ini-1", "--first-name", "Peter", "--last-name",
         "Gibbons", "--department", "ini-eng", "--daily-rate", "950.50"),
    ]  # fmt: skip
    for step in steps:
        code, out, err = run_cli(roster, *step)
        assert code == 0, err
        assert "saved" in out
    with roster.engine.connect() as connection:
        company = connection.execute(select(companies).where(companies.c.id == "initrode")).mappings().one()
        department = connection.execute(select(departments).where(departments.c.code == "ini-eng")).mappings().one()
        rules = (
            connection.execute(select(rule_sets).where(rule_sets.c.department_id == department["id"])).mappings().one()
        )
        person = connection.execute(select(employees).where(employees.c.number == "ini-1")).mappings().one()
    assert company["missed_clockout_enabled"] and company["open_session_limit_minutes"] == 600
    assert (str(rules["shift_start"]), rules["grace_minutes"], rules["undertime"]) == ("07:30:00", 5, True)
    assert (person["department_id"], str(person["daily_rate"])) == (department["id"], "950.50")
    assert person["id"] != "ini-1" and department["id"] != "ini-eng"  # internal ids, never typed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add-company", "--company", "", "--name", "X"], "the company code is required"),
        (["add-company", "--company", "x'; drop table punches;--", "--name", "X"],
         "the company code \"x'; drop table punches;--\" is not allowed: use 1 to 64 letters, digits"),
        (["add-company", "--company", "c" * 65, "--name", "X"], "the company code is longer than 64 characters"),
        (["add-site", "--company", "acme", "--site", "north gate", "--timezone", "UTC"],
         "the site code 'north gate' is not allowed"),
        (["add-department", "--company", "acme", "--department", "eng/1", "--name", "E"],
         "the department code 'eng/1' is not allowed"),
        (["add-employee", "--company", "acme", "--employee", "E 1", "--first-name", "A", "--last-name", "B"],
         "the employee number 'E 1' is not allowed"),
        (["add-employee", "--company", "acme", "--employee", "é1", "--first-name", "A", "--last-name", "B"],
         "the employee number 'é1' is not allowed"),
        (["add-company", "--company", "x", "--name", "  "], "a company needs a name"),
        (["add-company", "--company", "acme", "--name", "A", "--open-session-limit", "5"], "60 to 1440 minutes"),
        (["add-site", "--company", "acme", "--site", "s2", "--timezone", "Mars/Base"], "unknown time zone 'Mars/Base'"),
        (["add-site", "--company", "nobody", "--site", "s2", "--timezone", "UTC"], "no company 'nobody'"),
        (["add-department", "--company", "acme", "--department", "d", "--name", "D", "--shift-start", "8am"],
         "must be HH:MM"),
        (["add-department", "--company", "acme", "--department", "d", "--name", "D", "--grace-minutes", "500"],
         "grace_minutes"),
        (["add-department", "--company", "acme", "--department", "d", "--name", "D", "--half-day-after", "07:00"],
         "half_day_after"),
        (["add-department", "--company", "acme", "--department", "d", "--name", "D", "--regular-hours", "lots"],
         "decimal numbers"),
        (["add-department", "--company", "acme", "--department", "other", "--name", "Operations"],
         "company 'acme' has a department named 'Operations' already"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", "A", "--last-name", "B",
          "--daily-rate", "-5"], "the daily rate must be from 0 to 1,000,000"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", "A", "--last-name", "B",
          "--daily-rate", "10.005"], "has fractions of a cent"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", "A", "--last-name", "B",
          "--daily-rate", "ten"], "is not an amount such as 800 or 812.50"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", "A", "--last-name", "B",
          "--department", "globex-ops"], "has no department 'globex-ops'"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", " ", "--last-name", "B"],
         "the first name is required"),
        (["deactivate-employee", "--company", "acme", "--employee", "nobody"],
         "company 'acme' has no employee 'nobody'"),
        (["deactivate-employee", "--company", "acme", "--employee", "globex-E001"],
         "company 'acme' has no employee 'globex-E001'"),
    ],
)  # fmt: skip
def test_bad_roster_input_is_refused_and_changes_nothing(
    roster: CentralDatabase, args: list[str], message: str
) -> None:
    before = everything(roster)
    code, out, err = run_cli(roster, *args)
    assert code == 1
    assert out == ""
    assert message in err
    assert everything(roster) == before


def test_two_companies_use_the_same_codes(central: CentralDatabase) -> None:
    for company in ("bureau-a", "bureau-b"):
        steps = [
            ("add-company", "--company", company, "--name", company.upper()),
            ("add-site", "--company", company, "--site", "main", "--timezone", "Asia/Manila"),
            ("add-department", "--company", company, "--department", "eng", "--name", "ENGINEER SA SITE"),
            ("add-employee", "--company", company, "--employee", "E1", "--first-name", company,
             "--last-name", "One", "--department", "eng"),
        ]  # fmt: skip
        for step in steps:
            code, _out, err = run_cli(central, *step)
            assert code == 0, err
    with central.engine.connect() as connection:
        people = connection.execute(
            select(employees.c.company_id, employees.c.number, employees.c.first_name, departments.c.code)
            .join(departments, departments.c.id == employees.c.department_id)
            .where(employees.c.number == "E1")
            .order_by(employees.c.company_id)
        ).all()
        site_ids = connection.execute(select(sites.c.id).where(sites.c.code == "main")).scalars().all()
    assert [tuple(row) for row in people] == [
        ("bureau-a", "E1", "bureau-a", "eng"),
        ("bureau-b", "E1", "bureau-b", "eng"),
    ]
    assert len(set(site_ids)) == 2
    # Deactivating E1 of one company leaves the other's E1 alone.
    code, _out, err = run_cli(central, "deactivate-employee", "--company", "bureau-b", "--employee", "E1")
    assert code == 0, err
    with central.engine.connect() as connection:
        active = dict(
            connection.execute(
                select(employees.c.company_id, employees.c.active).where(employees.c.number == "E1")
            ).all()
        )
    assert active == {"bureau-a": True, "bureau-b": False}
