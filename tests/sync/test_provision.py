"""Registering a kiosk at head office and provisioning it with its one-time token."""

from __future__ import annotations

import base64
import contextlib
import io
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from keyring.backends import fail
from sqlalchemy import select

from central import commands as central_commands
from central.database import newest_revision
from central.keys import default_key_file
from central.kiosks import add_kiosk
from kiosk import commands as kiosk_commands
from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.clock import SystemTimeSource
from kiosk.services.local_kiosk import this_kiosks_time_clock
from kiosk.store.database import Database
from kiosk.store.location import database_path
from kiosk.store.secrets import SERVICE, SecretStore
from sync.connection import CentralConnector
from sync.credentials import PROFILE_KEY, ProfileStore, provision
from sync.errors import CentralAuthRefused
from sync.kiosk_sync import KioskSync
from tests.central_database import ROOT, CentralDatabase
from tests.conftest import MemoryKeyring
from wire.provisioning import decode_token
from wire.schema import kiosks


@pytest.fixture(scope="module")
def company(central: CentralDatabase) -> str:
    central.add_company("initech", sites={"initech-plant": "America/Chicago"})
    return "initech"


def new_token(central: CentralDatabase) -> str:
    return add_kiosk(
        central.engine,
        company_id="initech",
        site_code="initech-plant",
        name="door",
        require_tls=False,
        head_office=central.head_office,
    ).token


def test_provisioning_stores_a_new_password_in_the_keyring_only(
    central: CentralDatabase, company: str, memory_keyring: MemoryKeyring
) -> None:
    token = new_token(central)
    first = decode_token(token)
    stored = provision(token, ProfileStore(SecretStore(memory_keyring)))

    assert ProfileStore(SecretStore(memory_keyring)).load() == stored
    assert stored.password != first.password
    assert (stored.kiosk_id, stored.company_id, stored.site_id) == (
        first.kiosk_id,
        "initech",
        central.site_id("initech", "initech-plant"),
    )
    connector = CentralConnector(stored)
    with connector.connect() as connection:
        assert str(connection.execute("SELECT kiosk_self()").fetchone()[0]) == stored.kiosk_id  # type: ignore[index]
    with pytest.raises(CentralAuthRefused):
        CentralConnector(first).connect()
    with central.engine.connect() as admin:
        provisioned = admin.execute(select(kiosks.c.provisioned_at).where(kiosks.c.id == uuid.UUID(first.kiosk_id)))
        assert provisioned.scalar_one() is not None


def test_a_token_works_once(central: CentralDatabase, company: str, memory_keyring: MemoryKeyring) -> None:
    token = new_token(central)
    stored = provision(token, ProfileStore(SecretStore(memory_keyring)))
    with pytest.raises(RuleViolation, match="works once"):
        provision(token, ProfileStore(SecretStore(memory_keyring)))
    assert ProfileStore(SecretStore(memory_keyring)).load() == stored, "a refused token must leave the profile alone"


def test_the_server_refuses_a_second_claim_even_with_the_first_password(
    central: CentralDatabase, company: str, memory_keyring: MemoryKeyring
) -> None:
    token = new_token(central)
    profile = decode_token(token)
    with CentralConnector(profile).connect() as connection:
        connection.execute("SELECT * FROM claim_kiosk_provisioning()")
        connection.commit()
    with pytest.raises(RuleViolation, match="works once"):
        provision(token, ProfileStore(SecretStore(memory_keyring)))
    assert memory_keyring.secrets == {}


@pytest.mark.parametrize(
    "token",
    [
        "",
        "hello",
        "tck1.%%%",
        "tck1." + base64.urlsafe_b64encode(b"not json").decode(),
        "tck1." + base64.urlsafe_b64encode(b'{"host": "x"}').decode(),
    ],
)
def test_bad_tokens_are_refused_and_change_nothing(token: str, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(RuleViolation):
        provision(token, ProfileStore(SecretStore(memory_keyring)))
    assert memory_keyring.secrets == {}


def test_unreachable_server_leaves_the_keyring_as_it_was(
    central: CentralDatabase, company: str, memory_keyring: MemoryKeyring
) -> None:
    token = new_token(central)
    profile = decode_token(token)
    from dataclasses import replace

    from wire.provisioning import TOKEN_PREFIX

    dead = replace(profile, port=1)
    dead_token = TOKEN_PREFIX + base64.urlsafe_b64encode(dead.to_json().encode()).decode()
    with pytest.raises(EnvironmentProblem, match="cannot reach"):
        provision(dead_token, ProfileStore(SecretStore(memory_keyring)))
    assert memory_keyring.secrets == {}


@pytest.mark.parametrize("private_key", [None, "00" * 32])
def test_a_token_without_the_kiosks_key_is_refused_and_stays_usable(
    central: CentralDatabase, company: str, memory_keyring: MemoryKeyring, private_key: str | None
) -> None:
    from dataclasses import replace

    from wire.keys import KeyUnwrapError
    from wire.provisioning import encode_token

    good = new_token(central)
    altered = encode_token(replace(decode_token(good), private_key=private_key))
    with pytest.raises((RuleViolation, KeyUnwrapError), match=r"no key for the company|not wrapped for this key"):
        provision(altered, ProfileStore(SecretStore(memory_keyring)))
    assert memory_keyring.secrets == {}
    stored = provision(good, ProfileStore(SecretStore(memory_keyring)))  # the claim was rolled back
    assert stored.private_key is not None


def test_a_kiosk_replaces_its_key_pair_only_with_every_version_it_holds(
    central: CentralDatabase, company: str, memory_keyring: MemoryKeyring
) -> None:
    import psycopg

    from wire.keys import KeyPair

    profile = provision(new_token(central), ProfileStore(SecretStore(memory_keyring)))
    with central.kiosk_connection(profile) as connection:
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="every key version"):
            connection.execute("SELECT kiosk_replace_key(%s, %s, %s)", (KeyPair.generate().public, [], []))
        connection.rollback()
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="32 bytes"):
            connection.execute("SELECT kiosk_replace_key(%s, %s, %s)", (b"short", [1], [b"x"]))


def test_no_keyring_backend_is_a_clear_error() -> None:
    with pytest.raises(EnvironmentProblem, match="no OS keyring"):
        ProfileStore(SecretStore(fail.Keyring())).load()  # type: ignore[no-untyped-call]


# (where --data-dir stands, who punches): a different employee each time, since a kiosk pulls its site's punches
# made at the others.
@pytest.mark.parametrize("case", [("after the command", "initech-E002"), ("before the command", "initech-E003")])
@pytest.mark.usefixtures("company")
def test_provision_command_stores_credentials_takes_the_identity_and_pulls_the_roster(
    central: CentralDatabase,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    case: tuple[str, str],
) -> None:
    place, employee = case
    token = new_token(central)
    folder = ["--data-dir", str(tmp_path)]
    arguments = ["provision", token, *folder] if place == "after the command" else [*folder, "provision", token]
    assert kiosk_commands.main(arguments) == 0
    assert not database_path(None).exists()  # the default data folder was left alone
    out = capsys.readouterr().out
    assert "provisioned for company initech" in out
    assert "roster pulled: 3 employees" in out
    profile = ProfileStore(SecretStore(memory_keyring)).load()
    assert profile is not None and (SERVICE, PROFILE_KEY) in memory_keyring.secrets
    database = Database(database_path(tmp_path))
    try:
        clock = this_kiosks_time_clock(database, SystemTimeSource())
        assert (clock.company_id, clock.site_id, clock.kiosk_id) == (
            "initech",
            central.site_id("initech", "initech-plant"),
            profile.kiosk_id,
        )
        outcome = clock.record_punch(
            central.employee_id("initech", employee), PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN
        )
        assert outcome.punch is not None
        sync = KioskSync(database, profile)
        assert sync.push().delivered == 1
        sync.close()
    finally:
        database.close()


def test_tls_is_the_default_and_needs_a_ca(central: CentralDatabase, company: str) -> None:
    with pytest.raises(RuleViolation, match="--ca-file"):
        add_kiosk(
            central.engine,
            company_id="initech",
            site_code="initech-plant",
            name="door",
            head_office=central.head_office,
        )
    with pytest.raises(RuleViolation, match="no PEM"):
        add_kiosk(
            central.engine,
            company_id="initech",
            site_code="initech-plant",
            name="door",
            ca_pem="junk",
            head_office=central.head_office,
        )


@pytest.mark.parametrize(
    ("site", "company_id", "message"),
    [("nowhere", "initech", "has no site 'nowhere'"), ("initech-plant", "other", "company 'other' has no site")],
)
def test_add_kiosk_refuses_unknown_places_and_creates_no_role(
    central: CentralDatabase, company: str, site: str, company_id: str, message: str
) -> None:
    with central.engine.connect() as admin:
        before = admin.execute(select(kiosks.c.id)).all()
        roles_before = admin.exec_driver_sql(
            "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, 'kiosk_')"
        ).scalar()
    with pytest.raises(RuleViolation, match=message):
        add_kiosk(
            central.engine,
            company_id=company_id,
            site_code=site,
            name="door",
            require_tls=False,
            head_office=central.head_office,
        )
    with central.engine.connect() as admin:
        assert admin.execute(select(kiosks.c.id)).all() == before
        roles_after = admin.exec_driver_sql(
            "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, 'kiosk_')"
        ).scalar()
        assert roles_after == roles_before


def run_central(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "central", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_former_name_python_m_sync_runs_the_same_commands_with_a_notice(central: CentralDatabase) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sync", "--database-url", central.url, "init"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"revision {newest_revision()}" in result.stdout
    assert "`python -m sync` is now `python -m central`" in result.stderr


def run_central_here(*args: str) -> subprocess.CompletedProcess[str]:
    """The same command in this process (the program itself is run above)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = central_commands.main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_cli_init_is_repeatable_and_add_kiosk_prints_a_token(central: CentralDatabase, company: str) -> None:
    central.head_office.write(default_key_file())  # the key this company's keys were made with
    for _ in range(2):
        result = run_central("--database-url", central.url, "init")
        assert result.returncode == 0, result.stderr
        assert f"revision {newest_revision()}" in result.stdout
        assert "head-office key made" not in result.stdout
    result = run_central(
        "--database-url", central.url, "add-kiosk", "--company", "initech", "--site", "initech-plant", "--name", "x",
        "--no-tls",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    token = result.stdout.split()[-1]
    assert decode_token(token).company_id == "initech"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init"], "give --database-url or set TIMECLOCK_CENTRAL_URL"),
        (["--database-url", "mysql://x@y/z", "init"], "the central database is PostgreSQL"),
        (["--database-url", "not a url", "init"], "not a database URL"),
        (["--database-url", "postgresql://nobody:x@127.0.0.1:1/none", "init"], "cannot reach"),
    ],
)
def test_cli_bad_connection_input_is_a_clear_error(args: list[str], message: str) -> None:
    result = run_central_here(*args)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_cli_add_kiosk_with_a_missing_ca_file(central: CentralDatabase, company: str) -> None:
    result = run_central_here(
        "--database-url", central.url, "add-kiosk", "--company", "initech", "--site", "initech-plant", "--name", "x",
        "--ca-file", "/nonexistent/ca.pem",
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot read the CA file" in result.stderr
