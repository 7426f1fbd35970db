"""People who log in to the head-office web console: their roles, passwords (argon2) and login lockout.

A console user belongs to one company and has one role: `admin` (everything of the company), `payroll`
(timesheets and reports, the roster read-only) or `supervisor` (claims, roster and kiosks of their sites only).
Logging in looks a user up by email before anything is known of their company, so `authenticate` runs as the
console's owner; everything a logged-in user does afterwards runs as `timeclock_console`, confined by the
database's row-level policies (see `central.console.database`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from central.audit import record
from central.database import transaction
from central.roster import site_id_of
from kiosk.domain.errors import RuleViolation
from wire.schema import console_user_sites, console_users, sites

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# After this many wrong passwords in a row the account is locked for LOCKOUT, doubling with each lockout after.
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
LONGEST_LOCKOUT = timedelta(hours=24)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps the answer as slow as for a known one.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class ConsoleRole(StrEnum):
    """What a console user may do."""

    ADMIN = "admin"
    PAYROLL = "payroll"
    SUPERVISOR = "supervisor"

    @property
    def label(self) -> str:
        return {"admin": "Company admin", "payroll": "Payroll", "supervisor": "Site supervisor"}[self.value]


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """A console user as a request sees them: who, which company, which role and (supervisors) which sites."""

    id: uuid.UUID
    company_id: str
    email: str
    role: ConsoleRole
    site_ids: tuple[str, ...]
    active: bool = True
    locked_until: datetime | None = None
    # Changes with the password: a session made with an earlier password ends when it is reset.
    credential_stamp: str = ""

    @property
    def all_sites(self) -> bool:
        """Admins and payroll see every site of their company; supervisors only theirs."""
        return self.role is not ConsoleRole.SUPERVISOR

    @property
    def may_resolve(self) -> bool:
        return self.role in (ConsoleRole.ADMIN, ConsoleRole.SUPERVISOR)

    @property
    def may_edit_roster(self) -> bool:
        return self.role is ConsoleRole.ADMIN


class LoginRefused(RuleViolation):
    """A login that did not succeed: wrong email or password, an inactive account, or a lockout."""


def parse_email(value: str) -> str:
    """An email address, trimmed and lower-cased; a malformed one is a clear error."""
    email = value.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise RuleViolation("bad_email", f"{value.strip()!r} is not an email address")
    return email


def parse_role(value: str) -> ConsoleRole:
    try:
        return ConsoleRole(value.strip().lower())
    except ValueError as error:
        valid = ", ".join(role.value for role in ConsoleRole)
        raise RuleViolation("bad_role", f"unknown role {value!r}; choose one of: {valid}") from error


def check_password(password: str) -> str:
    """The password if it is acceptable; too short or too long is a clear error."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation("password_too_short", f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RuleViolation("password_too_long", f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    return password


def _site_ids(connection: Connection, company_id: str, role: ConsoleRole, site_codes: Sequence[str]) -> list[str]:
    codes = sorted({code.strip() for code in site_codes if code.strip()})
    if role is ConsoleRole.SUPERVISOR and not codes:
        raise RuleViolation("supervisor_without_site", "a site supervisor needs at least one site")
    if role is not ConsoleRole.SUPERVISOR and codes:
        raise RuleViolation("sites_for_supervisors", f"a {role.value} user sees every site; sites are for supervisors")
    found = [site_id_of(connection, company_id, code) for code in codes]
    return [site_id for site_id in found if site_id is not None]


def add_user(
    target: Engine | Connection,
    *,
    company_id: str,
    email: str,
    role: str,
    password: str,
    site_codes: Sequence[str] = (),
    actor: str,
    now: datetime,
) -> uuid.UUID:
    """Create a console user of the company; returns their id.

    Raises:
        RuleViolation: a malformed email, an unknown role or site, a weak password, an email already in use, a
            supervisor without a site or sites for another role.
    """
    address, kind, secret = parse_email(email), parse_role(role), check_password(password)
    user_id = uuid.uuid4()
    with transaction(target) as connection:
        site_ids = _site_ids(connection, company_id, kind, site_codes)
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(console_users).values(
                        id=user_id, company_id=company_id, email=address, role=kind.value,
                        password_hash=_hasher.hash(secret),
                    )
                )  # fmt: skip
        except IntegrityError as error:
            raise RuleViolation("email_taken", f"{address} already has a console account") from error
        _set_sites(connection, company_id, user_id, site_ids)
        record(
            connection, company_id=company_id, actor=actor, action="console_user.added", subject=address, at=now,
            detail={"role": kind.value, "sites": sorted(site_codes)},
        )  # fmt: skip
    log.info("console user %s (%s) added to %s", address, kind.value, company_id)
    return user_id


def change_user(
    target: Engine | Connection,
    *,
    company_id: str,
    user_id: uuid.UUID,
    role: str,
    site_codes: Sequence[str],
    active: bool,
    actor: str,
    now: datetime,
) -> None:
    """Change a user's role, sites and whether they may log in."""
    kind = parse_role(role)
    with transaction(target) as connection:
        email = connection.execute(
            select(console_users.c.email).where(console_users.c.id == user_id, console_users.c.company_id == company_id)
        ).scalar()
        if email is None:
            raise RuleViolation("unknown_user", "there is no such console user")
        site_ids = _site_ids(connection, company_id, kind, site_codes)
        connection.execute(
            update(console_users)
            .where(console_users.c.id == user_id)
            .values(role=kind.value, active=active, updated_at=func.now())
        )
        _set_sites(connection, company_id, user_id, site_ids)
        record(
            connection, company_id=company_id, actor=actor, action="console_user.changed", subject=email, at=now,
            detail={"role": kind.value, "sites": sorted(site_codes), "active": active},
        )  # fmt: skip


def _set_sites(connection: Connection, company_id: str, user_id: uuid.UUID, site_ids: Sequence[str]) -> None:
    connection.execute(delete(console_user_sites).where(console_user_sites.c.user_id == user_id))
    for site_id in site_ids:
        connection.execute(insert(console_user_sites).values(user_id=user_id, site_id=site_id, company_id=company_id))


def reset_password(
    target: Engine | Connection, *, company_id: str, email: str, password: str, actor: str, now: datetime
) -> None:
    """Set a new password for the company's user with this email and lift any lockout."""
    address, secret = parse_email(email), check_password(password)
    with transaction(target) as connection:
        changed = connection.execute(
            update(console_users)
            .where(console_users.c.company_id == company_id, console_users.c.email == address)
            .values(password_hash=_hasher.hash(secret), failed_logins=0, locked_until=None, updated_at=func.now())
        ).rowcount
        if not changed:
            raise RuleViolation("unknown_user", f"company {company_id!r} has no console user {address}")
        record(
            connection, company_id=company_id, actor=actor, action="console_user.password_reset", subject=address,
            at=now,
        )  # fmt: skip


def _user(connection: Connection, row: object) -> ConsoleUser:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    site_ids = tuple(
        connection.execute(
            select(console_user_sites.c.site_id)
            .where(console_user_sites.c.user_id == values["id"])
            .order_by(console_user_sites.c.site_id)
        ).scalars()
    )
    return ConsoleUser(
        id=values["id"],
        company_id=values["company_id"],
        email=values["email"],
        role=ConsoleRole(values["role"]),
        site_ids=site_ids,
        active=values["active"],
        locked_until=values["locked_until"],
        credential_stamp=hashlib.sha256(values["password_hash"].encode()).hexdigest()[:32],
    )


def load_user(connection: Connection, user_id: uuid.UUID) -> ConsoleUser | None:
    """The user with this id, or None when there is none (or they can no longer log in)."""
    row = connection.execute(select(console_users).where(console_users.c.id == user_id)).first()
    if row is None:
        return None
    user = _user(connection, row)
    return user if user.active else None


def list_users(connection: Connection) -> list[tuple[ConsoleUser, list[str]]]:
    """The users the connection may see, by email, each with the codes of their sites."""
    codes = {row.id: row.code for row in connection.execute(select(sites.c.id, sites.c.code))}
    rows = connection.execute(select(console_users).order_by(console_users.c.email)).all()
    users = [_user(connection, row) for row in rows]
    return [(user, [codes.get(site_id, site_id) for site_id in user.site_ids]) for user in users]


def authenticate(engine: Engine, email: str, password: str, *, now: datetime, source: str) -> ConsoleUser:
    """The user with this email and password, or `LoginRefused`.

    Wrong passwords are counted; after MAX_FAILED_LOGINS in a row the account is locked for LOCKOUT (doubling
    with each further lockout, at most LONGEST_LOCKOUT), and while locked even the right password is refused. The
    same message is given for an unknown email and a wrong password. Every attempt is written to the audit log
    of the account's company (`source` is where the attempt came from, e.g. the client's address).
    """
    refused = LoginRefused("login_refused", "wrong email or password")
    try:
        address = parse_email(email)
    except RuleViolation:
        raise refused from None
    # Each outcome commits what it counted and audited before it answers; leaving the block otherwise rolls back.
    with engine.connect() as connection:
        row = connection.execute(
            select(console_users).where(console_users.c.email == address).with_for_update()
        ).first()
        if row is None:
            _verify(_DUMMY_HASH, password)
            raise refused
        user = _user(connection, row)
        failed = int(row._mapping["failed_logins"])
        if not user.active:
            _audit_login(connection, user, "console.login_refused", now, source, "inactive account")
            connection.commit()
            raise refused
        if user.locked_until is not None and user.locked_until > now:
            _audit_login(connection, user, "console.login_refused", now, source, "locked")
            connection.commit()
            raise LoginRefused(
                "login_locked",
                f"too many wrong passwords: this account is locked until {user.locked_until:%H:%M} UTC",
                until=user.locked_until,
            )
        if not _verify(row._mapping["password_hash"], password):
            failed += 1
            locked_until = None
            if failed % MAX_FAILED_LOGINS == 0:
                lockouts = failed // MAX_FAILED_LOGINS
                locked_until = now + min(LOCKOUT * 2 ** min(lockouts - 1, 10), LONGEST_LOCKOUT)
            connection.execute(
                update(console_users)
                .where(console_users.c.id == user.id)
                .values(failed_logins=failed, locked_until=locked_until)
            )
            _audit_login(connection, user, "console.login_failed", now, source, f"wrong password ({failed} in a row)")
            if locked_until is not None:
                _audit_login(connection, user, "console.locked", now, source, f"locked until {locked_until}")
                connection.commit()
                raise LoginRefused(
                    "login_locked",
                    f"too many wrong passwords: this account is locked until {locked_until:%H:%M} UTC",
                    until=locked_until,
                )
            connection.commit()
            raise refused
        connection.execute(
            update(console_users).where(console_users.c.id == user.id).values(failed_logins=0, locked_until=None)
        )
        _audit_login(connection, user, "console.login", now, source, "")
        connection.commit()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _audit_login(  # noqa: PLR0917 - each is a different fact of the attempt
    connection: Connection, user: ConsoleUser, action: str, now: datetime, source: str, why: str
) -> None:
    record(
        connection, company_id=user.company_id, actor=user.email, action=action, subject=user.email, at=now,
        detail={"from": source, "why": why} if why else {"from": source},
    )  # fmt: skip
