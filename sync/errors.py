"""Errors of talking to the central database, sorted by what the kiosk should do about them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.exc import DBAPIError

from kiosk.domain.errors import EnvironmentProblem


class CentralUnreachable(EnvironmentProblem):
    """The network or the server is down: retry later."""


class CentralAuthRefused(EnvironmentProblem):
    """The server refused the kiosk's login, or its certificate failed the check: retrying will not help."""


_AUTH_MARKERS = ("password authentication failed", "certificate", "does not exist", "no pg_hba.conf")


def classify_connect_error(error: psycopg.OperationalError) -> EnvironmentProblem:
    """Turn a failed connection into an unreachable server or a refused login.

    libpq reports both as OperationalError; an SQLSTATE of class 28 (invalid authorization) or the messages of a
    refused password, role or certificate mean retrying is pointless.
    """
    message = str(error).strip()
    if (error.sqlstate or "").startswith("28") or any(marker in message for marker in _AUTH_MARKERS):
        return CentralAuthRefused(f"the central database refused this kiosk: {message}")
    return CentralUnreachable(f"cannot reach the central database: {message}")


@contextmanager
def link_errors() -> Iterator[None]:
    """A connection that breaks in the middle of a sync is the network's or the server's problem: say so."""
    try:
        yield
    except DBAPIError as error:
        if error.connection_invalidated or isinstance(error.orig, psycopg.OperationalError):
            raise CentralUnreachable(f"lost the connection to the central database: {error.orig}".strip()) from error
        raise
