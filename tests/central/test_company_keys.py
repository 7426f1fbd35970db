"""Head office's key file and the company-key commands: `init` makes the key, `add-kiosk` wraps the company's key
set for the kiosk, `rotate-company-key` and `forget-face` do what they say; every bad input is refused and changes
nothing."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from central.keys import HeadOfficeKey, default_key_file
from tests.central.test_roster_admin import run_cli
from tests.central_database import CentralDatabase
from wire.keys import HEAD_OFFICE, KeyPair, unwrap
from wire.provisioning import decode_token
from wire.schema import audit_log, company_keys, kiosk_key_wraps, kiosks


def counts(central: CentralDatabase) -> tuple[int, int, int]:
    with central.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (company_keys, kiosk_key_wraps, kiosks)
        )


def test_init_makes_the_key_file_once_and_add_kiosk_wraps_the_company_key_for_the_kiosk(
    fresh_central: CentralDatabase,
) -> None:
    central = fresh_central
    central.add_company("acme", sites={"north": "Asia/Manila"})
    path = default_key_file()
    code, out, err = run_cli(central, "init")
    assert code == 0, err
    assert f"head-office key made: {path}" in out
    assert os.stat(path).st_mode & 0o777 == 0o600
    made = path.read_bytes()
    code, out, err = run_cli(central, "init")
    assert code == 0 and "head-office key made" not in out and path.read_bytes() == made  # never replaced

    code, out, err = run_cli(central, "add-kiosk", "--company", "acme", "--site", "north", "--name", "x", "--no-tls")
    assert code == 0, err
    profile = decode_token(out.split()[-1])
    head_office = HeadOfficeKey.load(path)
    with central.engine.connect() as connection:
        (held,) = connection.execute(select(company_keys)).mappings().all()
        (wrapped,) = connection.execute(select(kiosk_key_wraps)).mappings().all()
    assert (held["company_id"], held["version"], bytes(held["head_office_public_key"])) == (
        "acme",
        1,
        head_office.pair.public,
    )
    company = unwrap(bytes(held["wrapped"]), head_office.pair, company_id="acme", version=1, recipient=HEAD_OFFICE)
    assert profile.private_key is not None
    for_kiosk = unwrap(
        bytes(wrapped["wrapped"]),
        KeyPair.from_hex(profile.private_key),
        company_id="acme",
        version=1,
        recipient=profile.kiosk_id,
    )
    assert for_kiosk == company


def test_key_file_problems_are_refused_with_what_to_do(fresh_central: CentralDatabase, tmp_path: Path) -> None:
    central = fresh_central
    central.add_company("acme", sites={"north": "Asia/Manila"})
    add = ("add-kiosk", "--company", "acme", "--site", "north", "--name", "x", "--no-tls")
    before = counts(central)

    missing = tmp_path / "nowhere.key"
    code, _, err = run_cli(central, *add, "--head-office-key", str(missing))
    assert code == 1 and "there is no head-office key at" in err and "head-office-key" in err

    damaged = tmp_path / "damaged.key"
    damaged.write_text("not a key\n")
    damaged.chmod(0o600)
    code, _, err = run_cli(central, *add, "--head-office-key", str(damaged))
    assert code == 1 and "is not a head-office key file" in err
    damaged.write_bytes(b"\xff\xfe binary")
    code, _, err = run_cli(central, *add, "--head-office-key", str(damaged))
    assert code == 1 and "is not a head-office key file" in err

    open_file = tmp_path / "open.key"
    HeadOfficeKey(KeyPair.generate()).write(open_file)
    open_file.chmod(0o644)
    code, _, err = run_cli(central, *add, "--head-office-key", str(open_file))
    assert code == 1 and f"chmod 600 {open_file}" in err
    assert counts(central) == before

    code, _, err = run_cli(central, "head-office-key", "--head-office-key", str(open_file))
    assert code == 1 and "is never replaced" in err
    code, _, err = run_cli(central, "head-office-key", "--head-office-key", str(damaged / "inside-a-file.key"))
    assert code == 1 and "cannot write the head-office key" in err

    # The company's keys were made with one head-office key; another one opens nothing and changes nothing.
    central.add_kiosk("acme", "north")
    other = tmp_path / "other.key"
    HeadOfficeKey(KeyPair.generate()).write(other)
    before = counts(central)
    code, _, err = run_cli(central, *add, "--head-office-key", str(other))
    assert code == 1 and "another head-office key" in err
    code, _, err = run_cli(
        central, "rotate-company-key", "--company", "acme", "--by", "IT", "--head-office-key", str(other)
    )
    assert code == 1 and "another head-office key" in err
    assert counts(central) == before


def test_rotate_and_forget_commands_and_their_bad_inputs(fresh_central: CentralDatabase) -> None:
    central = fresh_central
    central.add_company("acme", sites={"north": "Asia/Manila"})
    central.add_company("beta", sites={"north": "Asia/Manila"})
    central.add_kiosk("acme", "north")
    central.head_office.write(default_key_file())

    code, _, err = run_cli(central, "rotate-company-key", "--company", "beta", "--by", "IT")
    assert code == 1 and "has no key yet" in err
    code, _, err = run_cli(central, "rotate-company-key", "--company", "nobody", "--by", "IT")
    assert code == 1 and "no company 'nobody'" in err
    code, _, err = run_cli(central, "rotate-company-key", "--company", "acme", "--by", " ")
    assert code == 1 and "say who rotates" in err
    code, out, err = run_cli(central, "rotate-company-key", "--company", "acme", "--by", "IT")
    assert code == 0, err
    assert out.strip() == "company acme: key version 2; 0 face templates sealed again, wrapped for 1 kiosks"
    with central.engine.connect() as connection:
        versions = connection.execute(
            select(company_keys.c.version, company_keys.c.retired_at.is_not(None)).order_by(company_keys.c.version)
        ).all()
        wraps = connection.execute(select(kiosk_key_wraps.c.version)).scalars().all()
        rotated = connection.execute(select(audit_log.c.actor).where(audit_log.c.action == "company.key_rotated"))
        assert rotated.scalars().all() == ["IT"]
    assert [tuple(row) for row in versions] == [(1, True), (2, False)]
    assert wraps == [2]

    code, _, err = run_cli(central, "forget-face", "--company", "acme", "--employee", "E404", "--by", "HR")
    assert code == 1 and "E404" in err
    code, out, err = run_cli(central, "forget-face", "--company", "acme", "--employee", "acme-E001", "--by", "HR")
    assert code == 0, err
    assert "0 face templates revoked, consent withdrawn" in out


def test_a_kiosk_reads_only_its_own_wraps_and_never_head_offices(central: CentralDatabase) -> None:
    central.add_company("hooli", sites={"campus": "America/Los_Angeles"})
    first, second = central.add_kiosk("hooli", "campus"), central.add_kiosk("hooli", "campus")
    with central.kiosk_connection(first) as connection:
        mine = connection.execute("SELECT kiosk_id FROM kiosk_key_wraps").fetchall()
        assert [str(row[0]) for row in mine] == [first.kiosk_id]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("SELECT * FROM company_keys")
    assert second.kiosk_id != first.kiosk_id
