"""Console users: created and reset by command, argon2 passwords, lockout after repeated failures, all audited."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from central.commands import main
from central.database import _alembic_config
from central.users import MAX_FAILED_LOGINS, LoginRefused, authenticate
from tests.central_database import ROOT, CentralDatabase
from wire.schema import audit_log, console_user_sites, console_users

PASSWORD = "a long enough password"


def central_cli(central: CentralDatabase, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--database-url", central.url, *args])
    finally:
        sys.stdin = old_stdin
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def user_count(central: CentralDatabase) -> int:
    with central.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(console_users)).scalar_one())


@pytest.fixture(scope="module")
def company(central: CentralDatabase) -> CentralDatabase:
    central.add_company("acme", sites={"north": "Asia/Manila", "south": "Asia/Manila"})
    return central


def test_add_user_reads_the_password_from_standard_input(company: CentralDatabase) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "central", "--database-url", company.url, "add-user", "--company", "acme",
         "--email", "Sup@Acme.example", "--role", "supervisor", "--site", "north", "--password-stdin"],
        input=PASSWORD + "\n", cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "console user sup@acme.example added" in done.stdout
    with company.engine.connect() as connection:
        row = (
            connection.execute(select(console_users).where(console_users.c.email == "sup@acme.example"))
            .mappings()
            .one()
        )
        sites = connection.execute(select(console_user_sites.c.site_id)).scalars().all()
        audited = connection.execute(
            select(audit_log.c.action).where(audit_log.c.subject == "sup@acme.example")
        ).scalars()
        assert "console_user.added" in set(audited)
    assert row["role"] == "supervisor" and row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]
    assert sites == [company.site_id("acme", "north")]
    user = authenticate(company.engine, "sup@acme.example", PASSWORD, now=datetime.now(UTC), source="test")
    assert user.site_ids == (company.site_id("acme", "north"),)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--email", "x@acme.example", "--role", "admin"], PASSWORD, "--password-stdin"),
        (["--email", "x@acme.example", "--role", "admin", "--password-stdin"], "", "no password"),
        (["--email", "x@acme.example", "--role", "admin", "--password-stdin"], "short", "at least 10 characters"),
        (["--email", "not an address", "--role", "admin", "--password-stdin"], PASSWORD, "is not an email address"),
        (["--email", "x@acme.example", "--role", "supervisor", "--password-stdin"], PASSWORD,
         "needs at least one site"),
        (["--email", "x@acme.example", "--role", "payroll", "--site", "north", "--password-stdin"], PASSWORD,
         "sites are for supervisors"),
        (["--email", "x@acme.example", "--role", "supervisor", "--site", "east", "--password-stdin"], PASSWORD,
         "has no site 'east'"),
    ],
)  # fmt: skip
def test_bad_input_adds_nobody(company: CentralDatabase, args: list[str], stdin: str, message: str) -> None:
    before = user_count(company)
    done = central_cli(company, "add-user", "--company", "acme", *args, stdin=stdin + "\n" if stdin else "")
    assert done.returncode == 1
    assert message in done.stderr
    assert user_count(company) == before


def test_an_email_is_one_account(company: CentralDatabase) -> None:
    assert central_cli(
        company, "add-user", "--company", "acme", "--email", "pay@acme.example", "--role", "payroll",
        "--password-stdin", stdin=PASSWORD,
    ).returncode == 0  # fmt: skip
    again = central_cli(
        company, "add-user", "--company", "acme", "--email", "PAY@acme.example", "--role", "admin",
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    assert again.returncode == 1 and "already has a console account" in again.stderr


def test_repeated_wrong_passwords_lock_the_account_until_a_reset(company: CentralDatabase) -> None:
    assert central_cli(
        company, "add-user", "--company", "acme", "--email", "boss@acme.example", "--role", "admin",
        "--password-stdin", stdin=PASSWORD,
    ).returncode == 0  # fmt: skip
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    for attempt in range(1, MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused, match="wrong email or password"):
            authenticate(company.engine, "boss@acme.example", f"guess {attempt}", now=now, source="10.0.0.9")
    with pytest.raises(LoginRefused, match="locked until 09:15 UTC"):
        authenticate(company.engine, "boss@acme.example", "guess 5", now=now, source="10.0.0.9")
    # Locked: even the right password is refused, until the lockout ends.
    with pytest.raises(LoginRefused, match="locked"):
        authenticate(company.engine, "boss@acme.example", PASSWORD, now=now + timedelta(minutes=14), source="x")
    # Guessing on after it ends locks the account again, for twice as long; a reset lifts it at once.
    later = now + timedelta(minutes=16)
    for attempt in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginRefused, match="wrong email or password"):
            authenticate(company.engine, "boss@acme.example", f"again {attempt}", now=later, source="x")
    with pytest.raises(LoginRefused, match="locked until 09:46 UTC"):
        authenticate(company.engine, "boss@acme.example", "again 5", now=later, source="x")
    with pytest.raises(LoginRefused, match="locked until 09:46 UTC"):
        authenticate(company.engine, "boss@acme.example", PASSWORD, now=later, source="x")
    reset = central_cli(
        company, "reset-password", "--company", "acme", "--email", "boss@acme.example", "--password-stdin",
        stdin="a brand new password",
    )  # fmt: skip
    assert reset.returncode == 0, reset.stderr
    assert authenticate(
        company.engine, "boss@acme.example", "a brand new password", now=now + timedelta(hours=1), source="x"
    )
    with company.engine.connect() as connection:
        actions = (
            connection.execute(
                select(audit_log.c.action).where(audit_log.c.subject == "boss@acme.example").order_by(audit_log.c.at)
            )
            .scalars()
            .all()
        )
    assert actions.count("console.login_failed") == 2 * MAX_FAILED_LOGINS
    assert actions.count("console.locked") == 2
    assert "console_user.password_reset" in actions and actions[-1] == "console.login"


def test_an_unknown_email_is_refused_like_a_wrong_password(company: CentralDatabase) -> None:
    with pytest.raises(LoginRefused, match="wrong email or password"):
        authenticate(company.engine, "nobody@acme.example", PASSWORD, now=datetime.now(UTC), source="x")


def test_reset_of_an_unknown_user_changes_nothing(company: CentralDatabase) -> None:
    done = central_cli(
        company, "reset-password", "--company", "acme", "--email", "ghost@acme.example", "--password-stdin",
        stdin=PASSWORD,
    )  # fmt: skip
    assert done.returncode == 1 and "has no console user ghost@acme.example" in done.stderr


def test_the_console_tables_and_role_go_down_and_up_again(fresh_central: CentralDatabase) -> None:
    fresh_central.add_company("acme", sites={"yard": "Asia/Manila"})
    with fresh_central.engine.begin() as connection:
        config = _alembic_config(connection)
        [revision] = [
            r
            for r in ScriptDirectory.from_config(config).walk_revisions()
            if (r.doc or "").startswith("The web console's users")
        ]
        assert isinstance(revision.down_revision, str)
        command.downgrade(config, revision.down_revision)
        assert connection.scalar(text("SELECT to_regclass('console_users')")) is None
        assert connection.scalar(text("SELECT count(*) FROM pg_policies WHERE policyname LIKE 'console_%'")) == 0
        command.upgrade(config, "head")
    assert central_cli(
        fresh_central, "add-user", "--company", "acme", "--email", "a@acme.example", "--role", "admin",
        "--password-stdin", stdin=PASSWORD,
    ).returncode == 0  # fmt: skip
