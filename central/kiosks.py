"""Kiosks registered at head office: each gets its own login role and a one-time provisioning token."""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from psycopg import sql
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from central.keys import HeadOfficeKey, current_key_set, wrap_for_kiosk
from kiosk.domain.errors import RuleViolation
from kiosk.domain.releases import UpdateWindow, normalise_update_source
from wire.keys import KeyPair
from wire.provisioning import CentralProfile, encode_token, scram_verifier
from wire.schema import kiosks, sites

log = logging.getLogger(__name__)


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
    site_code: str,
    name: str,
    head_office: HeadOfficeKey,
    host: str | None = None,
    port: int | None = None,
    ca_pem: str | None = None,
    require_tls: bool = True,
) -> KioskRegistration:
    """Register a kiosk at a site and create its own login role (member of `timeclock_kiosk`).

    The role name is generated from a fresh UUID, never from the given names. The token carries a first password,
    which the kiosk replaces with its own when it provisions; the token therefore works once. It also carries the
    private half of a first key pair, for which the company's key set is wrapped (the set is made now when the
    company has none); the kiosk replaces that pair with its own too (see `central.keys`).

    Args:
        engine: head-office engine.
        company_id: the company the site belongs to.
        site_code: the code of the company's site the kiosk stands at.
        name: a name people recognise the kiosk by.
        head_office: head office's key pair, which opens the company's key set to wrap it for the kiosk.
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
    pair = KeyPair.generate()
    with engine.begin() as connection:
        site_id = connection.execute(
            select(sites.c.id).where(sites.c.company_id == company_id, sites.c.code == site_code)
        ).scalar()
        if site_id is None:
            raise RuleViolation("unknown_site", f"company {company_id!r} has no site {site_code!r}")
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
                    id=kiosk_id,
                    company_id=company_id,
                    site_id=site_id,
                    name=name,
                    role_name=role_name,
                    public_key=pair.public,
                )
            )
        except IntegrityError as error:
            raise RuleViolation("kiosk_rejected", f"the kiosk could not be registered: {error.orig}") from error
        wrap_for_kiosk(connection, current_key_set(connection, company_id, head_office), kiosk_id, pair.public)
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
        private_key=pair.private.hex(),
    )
    token = encode_token(profile)
    log.info("registered kiosk %s (%s) at site %s", kiosk_id, name, site_id)
    return KioskRegistration(kiosk_id=kiosk_id, role_name=role_name, token=token)


@dataclass(frozen=True, slots=True)
class FleetKiosk:
    """One kiosk as head office sees it: where it stands, and what it last reported about its updates."""

    kiosk_id: uuid.UUID
    company_id: str
    site_code: str
    name: str
    provisioned_at: datetime | None
    running_version: str | None
    staged_version: str | None
    update_checked_at: datetime | None
    update_verified_at: datetime | None
    update_error: str | None
    update_error_at: datetime | None
    reported_at: datetime | None
    update_source: str | None
    update_window: str | None


def fleet(engine: Engine, company_id: str | None = None) -> list[FleetKiosk]:
    """Every kiosk (of one company, or all), by company, site and name."""
    k = kiosks.c
    query = (
        select(
            k.id,
            k.company_id,
            sites.c.code,
            k.name,
            k.provisioned_at,
            k.running_version,
            k.staged_version,
            k.update_checked_at,
            k.update_verified_at,
            k.update_error,
            k.update_error_at,
            k.update_reported_at,
            k.update_source,
            k.update_window,
        )
        .join(sites, sites.c.id == k.site_id)
        .order_by(k.company_id, sites.c.code, k.name)
    )
    if company_id is not None:
        query = query.where(k.company_id == company_id)
    with engine.connect() as connection:
        return [
            FleetKiosk(
                kiosk_id=row.id,
                company_id=row.company_id,
                site_code=row.code,
                name=row.name,
                provisioned_at=row.provisioned_at,
                running_version=row.running_version,
                staged_version=row.staged_version,
                update_checked_at=row.update_checked_at,
                update_verified_at=row.update_verified_at,
                update_error=row.update_error,
                update_error_at=row.update_error_at,
                reported_at=row.update_reported_at,
                update_source=row.update_source,
                update_window=row.update_window,
            )
            for row in connection.execute(query)
        ]


def set_update_source(
    engine: Engine,
    *,
    company_id: str,
    kiosk_id: uuid.UUID | None,
    source: str | None,
    window: str | None,
) -> int:
    """Set where a company's kiosks (or one of them) take their releases from; returns how many kiosks changed.

    `source` None hands the choice back to each kiosk (the one set at provisioning stays); `window` None keeps each
    kiosk's own window. The kiosks adopt the change at their next sync.

    Raises:
        RuleViolation: a source that is not an http(s) URL or a folder, a malformed window, or no such kiosk.
    """
    values = {
        "update_source": normalise_update_source(source) if source is not None else None,
        "update_window": str(UpdateWindow.parse(window)) if window is not None else None,
    }
    condition = kiosks.c.company_id == company_id
    if kiosk_id is not None:
        condition = condition & (kiosks.c.id == kiosk_id)
    with engine.begin() as connection:
        changed = connection.execute(update(kiosks).where(condition).values(**values)).rowcount
    if changed == 0:
        target = f"kiosk {kiosk_id}" if kiosk_id is not None else "any kiosk"
        raise RuleViolation("unknown_kiosk", f"company {company_id!r} has no {target}")
    return int(changed)
