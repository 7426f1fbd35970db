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
        rules = connection.execute(select(rule_sets).where(rule_sets.c.department_id == "ini-eng")).mappings().one()
        person = connection.execute(select(employees).where(employees.c.id == "ini-1")).mappings().one()
    assert company["missed_clockout_enabled"] and company["open_session_limit_minutes"] == 600
    assert (str(rules["shift_start"]), rules["grace_minutes"], rules["undertime"]) == ("07:30:00", 5, True)
    assert (person["department_id"], str(person["daily_rate"])) == ("ini-eng", "950.50")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add-company", "--company", "", "--name", "X"], "a company id must have 1 to 64 characters"),
        (["add-company", "--company", "x", "--name", "  "], "a company needs a name"),
        (["add-company", "--company", "acme", "--name", "A", "--open-session-limit", "5"], "60 to 1440 minutes"),
        (["add-site", "--company", "acme", "--site", "s2", "--timezone", "Mars/Base"], "unknown time zone 'Mars/Base'"),
        (["add-site", "--company", "nobody", "--site", "s2", "--timezone", "UTC"], "no company 'nobody'"),
        (["add-site", "--company", "acme", "--site", "hq", "--timezone", "UTC"], "belongs to company 'globex'"),
        (["add-department", "--company", "acme", "--department", "d", "--name", "D", "--shift-start", "8am"],
         "must be HH:MM"),
        (["add-department", "--company", "acme", "--department", "d", "--name", "D", "--grace-minutes", "500"],
         "grace_minutes"),
        (["add-department", "--company", "acme", "--department", "d", "--name", "D", "--half-day-after", "07:00"],
         "half_day_after"),
        (["add-department", "--company", "acme", "--department", "d", "--name", "D", "--regular-hours", "lots"],
         "decimal numbers"),
        (["add-department", "--company", "acme", "--department", "globex-ops", "--name", "Ops"],
         "belongs to 'globex'"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", "A", "--last-name", "B",
          "--daily-rate", "-5"], "positive with at most two decimals"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", "A", "--last-name", "B",
          "--daily-rate", "10.005"], "positive with at most two decimals"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", "A", "--last-name", "B",
          "--daily-rate", "ten"], "must be a decimal number"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", "A", "--last-name", "B",
          "--department", "globex-ops"], "has no department 'globex-ops'"),
        (["add-employee", "--company", "acme", "--employee", "globex-E001", "--first-name", "A", "--last-name", "B"],
         "belongs to 'globex'"),
        (["add-employee", "--company", "acme", "--employee", "e", "--first-name", " ", "--last-name", "B"],
         "first and a last name"),
        (["deactivate-employee", "--employee", "nobody"], "no employee 'nobody'"),
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
