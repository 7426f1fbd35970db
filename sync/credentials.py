"""The kiosk's central database profile in the secret store, and provisioning it from a one-time token.

The profile includes the kiosk's password, so it is kept only in the secret store (`kiosk.store.secrets`), never in
plain text. Provisioning logs in
with the token's first password, marks the kiosk provisioned on the server and replaces the password with a new one
only this kiosk knows, all in one server transaction: the token cannot be used a second time.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings, save_device_settings
from kiosk.store.secrets import CENTRAL_PROFILE, SecretStore
from sync.connection import CentralConnector
from sync.errors import CentralAuthRefused
from wire.keys import KeyPair, unwrap, wrap
from wire.provisioning import CentralProfile, decode_token, scram_verifier

log = logging.getLogger(__name__)

PROFILE_KEY = CENTRAL_PROFILE


class ProfileStore:
    """The central profile, kept in the kiosk's secret store like its other secrets."""

    def __init__(self, secrets: SecretStore) -> None:
        self._secrets = secrets

    def load(self) -> CentralProfile | None:
        """The stored profile, or None before the kiosk was provisioned."""
        text = self._secrets.get(PROFILE_KEY)
        return None if text is None else CentralProfile.from_json(text)

    def save(self, profile: CentralProfile) -> None:
        """Store (or replace) the profile."""
        self._secrets.put(PROFILE_KEY, profile.to_json())

    def forget(self) -> None:
        """Remove the profile (a kiosk taken out of service)."""
        self._secrets.delete(PROFILE_KEY)


def provision(token: str, store: ProfileStore) -> CentralProfile:
    """Provision this kiosk from a one-time token; returns the stored profile.

    The new profile is saved to the secret store before the server accepts the new password, so a failure in between
    leaves either the old working state or a stored password that the server will accept; when the server refuses,
    the previous profile is put back.
    """
    first = decode_token(token)
    previous = store.load()
    own = first.with_password(secrets.token_urlsafe(32), KeyPair.generate().private.hex())
    store.save(own)
    connector = CentralConnector(first)
    try:
        with connector.connect() as connection:
            claimed = connection.execute(
                "SELECT kiosk_id, company_id, site_id FROM claim_kiosk_provisioning()"
            ).fetchone()
            if claimed is None or str(claimed[0]) != first.kiosk_id:
                raise RuleViolation("token_mismatch", "the server does not know this kiosk as the token says")
            connection.execute(
                sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(sql.Literal(scram_verifier(own.password)))
            )
            _replace_key_pair(connection, first, own)
    except (psycopg.errors.InvalidAuthorizationSpecification, CentralAuthRefused) as error:
        _restore(store, previous)
        raise RuleViolation(
            "token_used", f"the server refused this token (a token works once: ask for a new one): {error}"
        ) from error
    except psycopg.Error as error:
        _restore(store, previous)
        raise EnvironmentProblem(f"provisioning failed on the server: {error}") from error
    except (EnvironmentProblem, RuleViolation):
        _restore(store, previous)
        raise
    finally:
        connector.close()
    log.info("kiosk %s provisioned for company %s, site %s", own.kiosk_id, own.company_id, own.site_id)
    return own


def _replace_key_pair(connection: psycopg.Connection[Any], first: CentralProfile, own: CentralProfile) -> None:
    """Wrap the company's key sets for the kiosk's own key pair instead of the token's, as the password is replaced:
    whoever sees the token later can open nothing with it."""
    if first.private_key is None or own.private_key is None:
        raise RuleViolation(
            "token_without_key", "this token carries no key for the company's faces: ask head office for a new one"
        )
    token_pair, own_pair = KeyPair.from_hex(first.private_key), KeyPair.from_hex(own.private_key)
    versions, wraps = [], []
    for company_id, version, wrapped in connection.execute(
        "SELECT company_id, version, wrapped FROM kiosk_key_wraps WHERE kiosk_id = kiosk_self() ORDER BY version"
    ).fetchall():
        keys = unwrap(bytes(wrapped), token_pair, company_id=company_id, version=version, recipient=first.kiosk_id)
        versions.append(version)
        wraps.append(wrap(keys, own_pair.public, own.kiosk_id))
    connection.execute("SELECT kiosk_replace_key(%s, %s, %s)", (own_pair.public, versions, wraps))


def adopt_identity(database: Database, profile: CentralProfile) -> None:
    """Make the kiosk's device settings name the company, site and kiosk id head office registered it under."""
    now = datetime.now(UTC)
    with database.write() as session:
        settings = load_device_settings(session).replace(
            company_id=profile.company_id,
            site_id=profile.site_id,
            kiosk_id=profile.kiosk_id,
            roster_from_head_office=True,
        )
        save_device_settings(session, settings, now)
        repository.audit(
            session,
            at=now,
            actor="provisioning",
            action="kiosk.provisioned",
            subject=profile.kiosk_id,
            company=profile.company_id,
            site=profile.site_id,
        )


def _restore(store: ProfileStore, previous: CentralProfile | None) -> None:
    if previous is None:
        store.forget()
    else:
        store.save(previous)
