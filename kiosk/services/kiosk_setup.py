"""Setting a kiosk up and guarding its supervisor mode.

The first start asks for the company, the site, its time zone and a supervisor PIN of at least six digits; after
that the kiosk starts straight into punching. The supervisor PIN is stored hashed (scrypt, salted, with the pepper in
the secret store); wrong PINs lock the entry, for a time that doubles with every failure from the fifth on, and the lock
survives a restart so that pulling the plug does not reset it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from kiosk.domain.errors import RuleViolation
from kiosk.services.clock import TimeSource, trusted_now
from kiosk.services.pins import ADMIN_PIN_DIGITS, check_pin_format, hash_pin, verify_pin
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import DeviceSettings, load_device_settings, save_device_settings
from kiosk.store.repository import CompanyRecord, SiteRecord
from kiosk.store.secrets import PIN_PEPPER, SecretStore

log = logging.getLogger(__name__)

FREE_ATTEMPTS = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(hours=1)
_FAILURES = "admin_pin.failures"
_LOCKED_UNTIL = "admin_pin.locked_until"


def check_time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise RuleViolation("unknown_time_zone", f"{name!r} is not a time zone name such as Asia/Manila") from error


@dataclass(frozen=True, slots=True)
class PinCheck:
    accepted: bool
    locked_for: timedelta = timedelta(0)  # how long the entry stays locked after this attempt
    failures: int = 0


class KioskSetup:
    """First-start set-up, device settings and the supervisor PIN of this kiosk."""

    def __init__(self, database: Database, secrets: SecretStore, time_source: TimeSource) -> None:
        self._db = database
        self._secrets = secrets
        self._time = time_source

    def _now(self) -> datetime:
        return trusted_now(self._time.clock_facts())

    def settings(self) -> DeviceSettings:
        with self._db.read() as session:
            return load_device_settings(session)

    def set_up(
        self,
        *,
        company_name: str,
        site_name: str,
        timezone: str,
        admin_pin: str,
        kiosk_name: str = "Kiosk",
        language: str = "en",
    ) -> DeviceSettings:
        """Create the company, the site and this kiosk's identity; refuses to run twice.

        `language` (the one the set-up screen was filled in) becomes the kiosk's own.

        A kiosk provisioned against the central database already has its identity, company and site (they came
        down with the token and the first pull): set-up then keeps them as they are and only sets the supervisor PIN,
        so the kiosk goes on syncing as itself.
        """
        if self.settings().is_set_up:
            raise RuleViolation("already_set_up", "this kiosk is already set up")
        names = {"company": company_name.strip(), "site": site_name.strip(), "kiosk": kiosk_name.strip()}
        for what, value in names.items():
            if not value:
                raise RuleViolation(f"{what}_name_missing", f"the {what} needs a name")
        check_time_zone(timezone)
        DeviceSettings(language=language)  # refuses a language the screens do not speak, before anything is written
        check_pin_format(admin_pin, ADMIN_PIN_DIGITS, "supervisor PIN")
        pin_hash = hash_pin(admin_pin, self._secrets.get_or_create(PIN_PEPPER), ADMIN_PIN_DIGITS)
        now = self._now()
        with self._db.write() as session:
            current = load_device_settings(session)
            provisioned = _provisioned_place(session, current)
            if provisioned is not None:
                company, site = provisioned
                settings = current.replace(admin_pin_hash=pin_hash, language=language)
            else:
                company = CompanyRecord(str(uuid.uuid4()), names["company"], False, False, timedelta(hours=16), True)
                site = SiteRecord(str(uuid.uuid4()), company.id, names["site"], timezone)
                settings = DeviceSettings(
                    company_id=company.id,
                    site_id=site.id,
                    kiosk_id=str(uuid.uuid4()),
                    kiosk_name=names["kiosk"],
                    admin_pin_hash=pin_hash,
                    language=language,
                )
                repository.put_company(session, company, now)
                repository.put_site(session, site, now)
            save_device_settings(session, settings, now)
            repository.audit(
                session,
                at=now,
                actor="setup",
                action="kiosk.set_up",
                subject=settings.kiosk_id,
                company=company.name,
                site=site.name,
                timezone=site.timezone,
                provisioned=provisioned is not None,
                language=language,
            )
        log.info("kiosk %s set up for %s, %s", settings.kiosk_id, company.name, site.name)
        return settings

    def update_settings(self, changed_by: str, **changes: object) -> DeviceSettings:
        """Change device settings (validated by the schema); the identity and PIN have their own paths."""
        protected = {"company_id", "site_id", "kiosk_id", "admin_pin_hash", "roster_from_head_office"} & changes.keys()
        if protected:
            raise RuleViolation("protected_setting", f"{', '.join(sorted(protected))} cannot be changed here")
        now = self._now()
        with self._db.write() as session:
            settings = load_device_settings(session).replace(**changes)
            save_device_settings(session, settings, now)
            repository.audit(session, at=now, actor=changed_by, action="settings.device", subject=None, **changes)
        return settings

    def check_admin_pin(self, pin: str) -> PinCheck:
        """Check a supervisor PIN. While locked, nothing is checked and the remaining lock time is returned."""
        now = self._now()
        with self._db.write() as session:
            values = repository.device_values(session)
            failures = int(values.get(_FAILURES, 0))
            locked_until = datetime.fromisoformat(values[_LOCKED_UNTIL]) if values.get(_LOCKED_UNTIL) else None
            if locked_until is not None and now < locked_until:
                return PinCheck(False, locked_until - now, failures)
            stored = load_device_settings(session).admin_pin_hash
            if stored is None:
                raise RuleViolation("not_set_up", "this kiosk has no supervisor PIN yet; run the first-start set-up")
            if verify_pin(pin, stored, self._secrets.get_or_create(PIN_PEPPER)):
                repository.put_device_values(session, {_FAILURES: 0, _LOCKED_UNTIL: None}, now)
                repository.audit(session, at=now, actor="supervisor", action="admin.unlocked", subject=None)
                return PinCheck(True)
            failures += 1
            lock = lock_after(failures)
            repository.put_device_values(
                session, {_FAILURES: failures, _LOCKED_UNTIL: (now + lock).isoformat() if lock else None}, now
            )
            repository.audit(
                session, at=now, actor="unknown", action="admin.pin_failed", subject=None, failures=failures
            )
        return PinCheck(False, lock, failures)

    def change_admin_pin(self, current: str, new: str) -> None:
        if not self.check_admin_pin(current).accepted:
            raise RuleViolation("wrong_pin", "the current supervisor PIN is not right")
        pin_hash = hash_pin(new, self._secrets.get_or_create(PIN_PEPPER), ADMIN_PIN_DIGITS)
        now = self._now()
        with self._db.write() as session:
            save_device_settings(session, load_device_settings(session).replace(admin_pin_hash=pin_hash), now)
            repository.audit(session, at=now, actor="supervisor", action="admin.pin_changed", subject=None)


def _provisioned_place(session: Session, current: DeviceSettings) -> tuple[CompanyRecord, SiteRecord] | None:
    """The company and site a provisioned kiosk already belongs to (they came down with its first pull), or None."""
    if not (current.company_id and current.site_id and current.kiosk_id):
        return None
    company = repository.get_company(session, current.company_id)
    site = repository.get_site(session, current.site_id)
    return None if company is None or site is None else (company, site)


def lock_after(failures: int) -> timedelta:
    """How long the PIN entry locks after `failures` wrong PINs in a row: nothing for the first four, then 30 s,
    doubling with each further failure, at most an hour."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    doubled: timedelta = FIRST_LOCK * 2 ** (failures - FREE_ATTEMPTS)
    return min(doubled, LONGEST_LOCK)
