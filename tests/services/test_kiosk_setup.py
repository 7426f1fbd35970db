"""First-start set-up, device settings and the supervisor PIN lock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from keyring.backends import fail

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.services.kiosk_setup import KioskSetup, lock_after
from kiosk.services.pins import hash_pin, verify_pin
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.secrets import SecretStore
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource

PIN = "482915"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path / "kiosk.db")
    yield db
    db.close()


@pytest.fixture
def time_source() -> ManualTimeSource:
    return ManualTimeSource()


@pytest.fixture
def setup(database: Database, time_source: ManualTimeSource) -> KioskSetup:
    return KioskSetup(database, SecretStore(), time_source)


def test_first_start_creates_company_site_and_kiosk(
    setup: KioskSetup, database: Database, memory_keyring: MemoryKeyring
) -> None:
    assert not setup.settings().is_set_up
    settings = setup.set_up(
        company_name="Giovanni Construction", site_name="North yard", timezone="Asia/Manila", admin_pin=PIN
    )
    assert settings.is_set_up and setup.settings() == settings
    with database.read() as session:
        assert settings.company_id is not None and settings.site_id is not None
        company = repository.get_company(session, settings.company_id)
        site = repository.get_site(session, settings.site_id)
    assert company is not None and company.name == "Giovanni Construction" and not company.missed_clockout_enabled
    assert site is not None and site.timezone == "Asia/Manila"
    assert PIN not in (settings.admin_pin_hash or "")
    assert ("timeclock-kiosk", "pin-pepper") in memory_keyring.secrets
    with pytest.raises(RuleViolation, match="already set up"):
        setup.set_up(company_name="Other", site_name="x", timezone="UTC", admin_pin=PIN)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown_time_zone"),
        ({"admin_pin": "12345"}, "pin_format"),
        ({"admin_pin": "12345a"}, "pin_format"),
        ({"company_name": "  "}, "company_name_missing"),
        ({"site_name": ""}, "site_name_missing"),
        ({"language": "tl"}, "language_value"),
    ],
)
def test_bad_set_up_input_changes_nothing(setup: KioskSetup, changes: dict[str, str], code: str) -> None:
    values = {"company_name": "Acme", "site_name": "Yard", "timezone": "Asia/Manila", "admin_pin": PIN} | changes
    with pytest.raises(RuleViolation) as caught:
        setup.set_up(**values)
    assert caught.value.code == code
    assert not setup.settings().is_set_up


def test_the_language_chosen_at_set_up_is_the_kiosks_own(setup: KioskSetup, database: Database) -> None:
    settings = setup.set_up(
        company_name="Giovanni Construction",
        site_name="North yard",
        timezone="Asia/Manila",
        admin_pin=PIN,
        language="fil",
    )
    assert settings.language == "fil" and setup.settings().language == "fil"
    with database.read() as session:
        (entry,) = repository.audit_entries(session, "kiosk.set_up")
        assert json.loads(entry.detail)["language"] == "fil"


def test_wrong_pins_lock_the_entry_for_doubling_times(setup: KioskSetup, time_source: ManualTimeSource) -> None:
    setup.set_up(company_name="Acme", site_name="Yard", timezone="UTC", admin_pin=PIN)
    time = time_source
    for attempt in range(1, 5):
        check = setup.check_admin_pin("000000")
        assert (check.accepted, check.locked_for, check.failures) == (False, timedelta(0), attempt)
    assert setup.check_admin_pin("000000").locked_for == timedelta(seconds=30)
    locked = setup.check_admin_pin(PIN)  # even the right PIN is not checked while locked
    assert not locked.accepted and locked.locked_for == timedelta(seconds=30)
    time.advance(seconds=31)
    assert setup.check_admin_pin("111111").locked_for == timedelta(seconds=60)
    time.advance(seconds=61)
    assert setup.check_admin_pin(PIN).accepted
    assert setup.check_admin_pin("000000").locked_for == timedelta(0)  # a success starts the count again


def test_the_lock_survives_a_restart(setup: KioskSetup, database: Database, time_source: ManualTimeSource) -> None:
    setup.set_up(company_name="Acme", site_name="Yard", timezone="UTC", admin_pin=PIN)
    for _ in range(5):
        setup.check_admin_pin("999999")
    again = KioskSetup(database, SecretStore(), time_source)
    assert again.check_admin_pin(PIN).locked_for > timedelta(0)


def test_lock_times_double_and_are_capped() -> None:
    assert [lock_after(n).total_seconds() for n in range(1, 9)] == [0, 0, 0, 0, 30, 60, 120, 240]
    assert lock_after(40) == timedelta(hours=1)


def test_device_settings_are_validated(setup: KioskSetup) -> None:
    setup.set_up(company_name="Acme", site_name="Yard", timezone="UTC", admin_pin=PIN)
    assert setup.update_settings("Lim", idle_timeout_seconds=45).idle_timeout_seconds == 45
    with pytest.raises(RuleViolation):
        setup.update_settings("Lim", idle_timeout_seconds=2)
    with pytest.raises(RuleViolation):
        setup.update_settings("Lim", liveness_strictness="paranoid")
    with pytest.raises(RuleViolation, match="cannot be changed"):
        setup.update_settings("Lim", kiosk_id="other")
    assert setup.settings().idle_timeout_seconds == 45


def test_pin_hashes_are_salted_and_need_the_pepper() -> None:
    first, second = hash_pin("4821", "pepper"), hash_pin("4821", "pepper")
    assert first != second
    assert verify_pin("4821", first, "pepper") and verify_pin("4821", second, "pepper")
    assert not verify_pin("4822", first, "pepper")
    assert not verify_pin("4821", first, "other pepper")
    assert not verify_pin("4821", "garbage", "pepper")


def test_without_a_keyring_the_pin_cannot_be_set(database: Database) -> None:
    no_keyring = fail.Keyring()  # type: ignore[no-untyped-call]
    setup = KioskSetup(database, SecretStore(backend=no_keyring), ManualTimeSource())
    with pytest.raises(EnvironmentProblem, match="keyring"):
        setup.set_up(company_name="Acme", site_name="Yard", timezone="UTC", admin_pin=PIN)
    assert not setup.settings().is_set_up


def test_set_up_of_a_provisioned_kiosk_keeps_its_identity(
    setup: KioskSetup, database: Database, time_source: ManualTimeSource
) -> None:
    from kiosk.store.device_settings import DeviceSettings, save_device_settings
    from kiosk.store.repository import CompanyRecord, SiteRecord

    now = time_source.now
    with database.write() as session:  # what provisioning and the first pull leave behind
        repository.put_company(
            session, CompanyRecord("acme", "Acme Central", True, False, timedelta(hours=12), False), now
        )
        repository.put_site(session, SiteRecord("yard", "acme", "Yard 7", "Asia/Manila"), now)
        save_device_settings(
            session, DeviceSettings(company_id="acme", site_id="yard", kiosk_id="k-7", kiosk_name="Gate"), now
        )
    settings = setup.set_up(company_name="Typed Name", site_name="Typed Site", timezone="UTC", admin_pin=PIN)
    assert (settings.company_id, settings.site_id, settings.kiosk_id, settings.kiosk_name) == (
        "acme",
        "yard",
        "k-7",
        "Gate",
    )
    assert settings.is_set_up
    with database.read() as session:
        company = repository.get_company(session, "acme")
        site = repository.get_site(session, "yard")
        assert [c.id for c in repository.companies(session)] == ["acme"]
    assert company is not None and company.name == "Acme Central" and company.missed_clockout_enabled
    assert site is not None and site.timezone == "Asia/Manila"
    assert setup.check_admin_pin(PIN).accepted
