"""How a kiosk reaches the central database with its profile (`wire.provisioning.CentralProfile`): the TLS rules.

A profile holds the server address, the kiosk's own login role and password, the kiosk's identity (company, site,
kiosk id) and the TLS setting. With `require_tls` (the default for a provisioned kiosk) the connection uses
`sslmode=verify-full`: the server must present a certificate signed by the given CA *and* issued for the host name
the kiosk dials. Without a CA there is nothing to verify against, so such a profile is refused rather than run
unverified.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool, QueuePool

from kiosk.domain.errors import RuleViolation
from sync.errors import classify_connect_error
from wire.provisioning import CentralProfile

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10


class CentralConnector:
    """Opens connections for one profile; owns the temporary CA file libpq reads. Call `close()` when done."""

    def __init__(self, profile: CentralProfile) -> None:
        self.profile = profile
        self._ca_dir: tempfile.TemporaryDirectory[str] | None = None
        self._ca_file: Path | None = None
        if profile.require_tls:
            if not profile.ca_pem or "BEGIN CERTIFICATE" not in profile.ca_pem:
                raise RuleViolation(
                    "tls_without_ca",
                    "TLS is required for the central database but no CA certificate is configured: "
                    "provision the kiosk with a token made with --ca-file",
                )
            # libpq reads the CA from a file; the certificate is public, so a private temp file is enough.
            self._ca_dir = tempfile.TemporaryDirectory(prefix="timeclock-ca-")
            self._ca_file = Path(self._ca_dir.name) / "central-ca.pem"
            self._ca_file.write_text(profile.ca_pem)

    def connect_kwargs(self) -> dict[str, Any]:
        """libpq keyword arguments for this profile."""
        kwargs: dict[str, Any] = {
            "host": self.profile.host,
            "port": self.profile.port,
            "dbname": self.profile.dbname,
            "user": self.profile.user,
            "password": self.profile.password,
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "timeclock-kiosk",
        }
        if self._ca_file is not None:
            kwargs |= {"sslmode": "verify-full", "sslrootcert": str(self._ca_file)}
        else:
            kwargs["sslmode"] = "prefer"
        return kwargs

    def connect(self) -> psycopg.Connection[Any]:
        """A new psycopg connection; a refused login raises `CentralAuthRefused`, anything else `CentralUnreachable`."""
        try:
            return psycopg.connect(**self.connect_kwargs())
        except psycopg.OperationalError as error:
            raise classify_connect_error(error) from error

    def engine(self, *, pooled: bool = False) -> Engine:
        """An SQLAlchemy engine over this profile's connections (no pool by default: syncs are minutes apart)."""
        if pooled:
            return create_engine("postgresql+psycopg://", creator=self._raw_connect, poolclass=QueuePool)
        return create_engine("postgresql+psycopg://", creator=self._raw_connect, poolclass=NullPool)

    def _raw_connect(self) -> psycopg.Connection[Any]:
        return self.connect()

    def close(self) -> None:
        """Remove the temporary CA file."""
        if self._ca_dir is not None:
            self._ca_dir.cleanup()
            self._ca_dir = None
