"""Head-office side of the central database: create or upgrade the schema, register kiosks and their roles.

The admin connects with a URL of a role that owns the schema (or a superuser). Kiosks never use this module:
they log in with their own role through `sync.connection`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import Connection, Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from sync.connection import CentralProfile
from sync.schema import kiosks, sites

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
TOKEN_PREFIX = "tck1."  # noqa: S105 - the format mark of a token, not a secret
SCRAM_ITERATIONS = 4096


def admin_engine(url: str) -> Engine:
    """An engine for the head-office URL (`postgresql://...`); a malformed URL is a clear error."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise RuleViolation("bad_database_url", f"not a database URL: {url!r}") from error
    if parsed.get_backend_name() != "postgresql":
        raise RuleViolation("bad_database_url", f"the central database is PostgreSQL; got {parsed.drivername!r}")
    return create_engine(parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> str:
    """Create or upgrade the central schema and its roles to the newest revision; returns that revision."""
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
            current = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_central"}
            ).get_current_revision()
    except DBAPIError as error:
        raise EnvironmentProblem(f"cannot create or upgrade the central schema: {error.orig}") from error
    head = ScriptDirectory.from_config(_alembic_config(connection)).get_current_head()
    if current != head:
        raise EnvironmentProblem(f"the central schema is at {current}, expected {head}")
    log.info("central schema at revision %s", current)
    return str(current)


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677), computed here so the
    plain password never travels to the server or shows in its statement log."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


@dataclass(frozen=True, slots=True)
class KioskRegistration:
    """A kiosk just registered: its id, login role and the one-time provisioning token."""

    kiosk_id: uuid.UUID
    role_name: str
    token: str


def add_kiosk(
    engine: Engine,
    *,
    company_id: str,
    site_id: str,
    name: str,
    host: str | None = None,
    port: int | None = None,
    ca_pem: str | None = None,
    require_tls: bool = True,
) -> KioskRegistration:
    """Register a kiosk at a site and create its own login role (member of `timeclock_kiosk`).

    The role name is generated from a fresh UUID, never from the given names. The token carries a first password,
    which the kiosk replaces with its own when it provisions; the token therefore works once.

    Args:
        engine: head-office engine.
        company_id: the company the site belongs to.
        site_id: the site the kiosk stands at.
        name: a name people recognise the kiosk by.
        host: the server name kiosks dial (default: the admin URL's host); with TLS the certificate's name.
        port: the server port kiosks dial (default: the admin URL's port).
        ca_pem: the CA certificate (PEM) kiosks verify the server with.
        require_tls: whether the kiosk must connect with sslmode=verify-full (needs `ca_pem`).
    """
    name = name.strip()
    if not name:
        raise RuleViolation("kiosk_name_missing", "a kiosk needs a name")
    if require_tls and not ca_pem:
        raise RuleViolation(
            "tls_without_ca", "kiosks connect with TLS by default: give --ca-file, or --no-tls on a trusted network"
        )
    if ca_pem is not None and "BEGIN CERTIFICATE" not in ca_pem:
        raise RuleViolation("bad_ca_file", "the CA file holds no PEM certificate")
    kiosk_id = uuid.uuid4()
    role_name = f"kiosk_{kiosk_id.hex}"
    password = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        site = connection.execute(select(sites.c.company_id).where(sites.c.id == site_id)).first()
        if site is None:
            raise RuleViolation("unknown_site", f"no site {site_id!r} in the central database")
        if site.company_id != company_id:
            raise RuleViolation("site_of_other_company", f"site {site_id!r} belongs to company {site.company_id!r}")
        driver = connection.connection.driver_connection
        assert driver is not None
        # Role names cannot be bound parameters; this one is generated above and quoted as an identifier.
        driver.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE timeclock_kiosk CONNECTION LIMIT 8").format(
                sql.Identifier(role_name), sql.Literal(scram_verifier(password))
            )
        )
        try:
            connection.execute(
                insert(kiosks).values(
                    id=kiosk_id, company_id=company_id, site_id=site_id, name=name, role_name=role_name
                )
            )
        except IntegrityError as error:
            raise RuleViolation("kiosk_rejected", f"the kiosk could not be registered: {error.orig}") from error
        url = engine.url
    profile = CentralProfile(
        host=host or url.host or "localhost",
        port=port or url.port or 5432,
        dbname=url.database or "postgres",
        user=role_name,
        password=password,
        kiosk_id=str(kiosk_id),
        company_id=company_id,
        site_id=site_id,
        require_tls=require_tls,
        ca_pem=ca_pem,
    )
    token = TOKEN_PREFIX + base64.urlsafe_b64encode(profile.to_json().encode()).decode().rstrip("=")
    log.info("registered kiosk %s (%s) at site %s", kiosk_id, name, site_id)
    return KioskRegistration(kiosk_id=kiosk_id, role_name=role_name, token=token)


def decode_token(token: str) -> CentralProfile:
    """The profile inside a provisioning token; anything else is a clear error."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX):
        raise RuleViolation("bad_token", "this is not a kiosk provisioning token (they start with 'tck1.')")
    body = token[len(TOKEN_PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise RuleViolation("bad_token", "the provisioning token is damaged: copy it again in full") from error
    return CentralProfile.from_json(data)


def check_server(engine: Engine) -> None:
    """Fail clearly when the server cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        raise EnvironmentProblem(f"cannot reach the central database: {error.orig}") from error
