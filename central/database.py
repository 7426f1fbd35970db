"""The central database seen from head office: connect as its owner, create or upgrade the schema and roles.

The admin connects with a URL of a role that owns the schema (or a superuser). Kiosks never use this module:
they log in with their own role through `sync.connection`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from kiosk.domain.errors import EnvironmentProblem, RuleViolation

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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


def newest_revision() -> str:
    """The newest revision of the central schema that this program's migrations make."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(config).get_current_head())


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


def check_server(engine: Engine) -> None:
    """Fail clearly when the server cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        raise EnvironmentProblem(f"cannot reach the central database: {error.orig}") from error


@contextmanager
def transaction(target: Engine | Connection) -> Iterator[Connection]:
    """A connection in a transaction: a new one committed at the end for an engine, or the caller's own connection
    (whose transaction the caller commits; the web console runs each request in one) as it is."""
    if isinstance(target, Engine):
        with target.begin() as connection:
            yield connection
    else:
        yield target
