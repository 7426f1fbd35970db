"""Sending facts to the central database: one transaction per batch, idempotent, conflicts reported, bad rows set aside.

`send_batch` inserts a batch of records of one kind with `INSERT ... ON CONFLICT DO NOTHING` on their key, inside
the caller's transaction, and sorts every record into one of four outcomes:

- stored: inserted now;
- already there: the key exists with exactly the same payload (a resend after a lost acknowledgement): fine;
- conflict: the key exists with a different payload, or under a record this kiosk may not see: reported, never
  overwritten;
- rejected: the server refused the record itself (unknown employee, a value out of bounds, not this kiosk's to
  send): set aside with the server's reason.

A batch travels by COPY into a temporary staging table (dropped when the transaction ends), and one
`INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING` moves it into the table: the fastest way PostgreSQL takes
rows in, and still one statement that row-level security and the constraints check row by row. A batch that fails
as a whole is retried record by record under savepoints, so one bad record never blocks the others. Losing the
connection is not a per-record problem: it propagates and the caller retries the batch later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import Connection, Table, TextClause, select, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

Record = Mapping[str, Any]


@dataclass
class BatchOutcome:
    """What became of each record of a batch, by key."""

    stored: list[Any] = field(default_factory=list)
    already_there: list[Any] = field(default_factory=list)
    conflicts: dict[Any, str] = field(default_factory=dict)
    rejected: dict[Any, str] = field(default_factory=dict)

    @property
    def delivered(self) -> list[Any]:
        """Keys the server now holds with exactly our payload: safe to mark sent."""
        return [*self.stored, *self.already_there]

    def merge(self, other: BatchOutcome) -> None:
        """Add another outcome's records to this one."""
        self.stored += other.stored
        self.already_there += other.already_there
        self.conflicts |= other.conflicts
        self.rejected |= other.rejected


def _is_record_problem(error: DBAPIError) -> bool:
    """True when the server refused the data (constraint, type, privilege), not when the link or server failed."""
    original = error.orig
    return isinstance(
        original,
        psycopg.errors.IntegrityError
        | psycopg.errors.DataError
        | psycopg.errors.InsufficientPrivilege
        | psycopg.errors.RaiseException,
    )


def _reason(error: DBAPIError) -> str:
    original = error.orig
    if isinstance(original, psycopg.Error) and original.diag.message_primary:
        detail = original.diag.message_detail
        return original.diag.message_primary + (f" ({detail})" if detail else "")
    return str(original)


def send_batch(connection: Connection, table: Table, records: Sequence[Record], key: str = "id") -> BatchOutcome:
    """Insert `records` into `table` in the caller's transaction; see the module documentation.

    Args:
        connection: an SQLAlchemy connection inside a transaction (the caller commits).
        table: the central table.
        records: column -> value mappings, all with the same columns, including `key`.
        key: the identifying column (a UUID made on the kiosk).
    """
    outcome = BatchOutcome()
    if not records:
        return outcome
    columns = list(records[0])
    try:
        with connection.begin_nested():
            stored = _copy_and_insert(connection, table, columns, records, key)
    except DBAPIError as error:
        if not _is_record_problem(error):
            raise
        log.info("batch of %d %s refused (%s); sending one by one", len(records), table.name, _reason(error))
        return _send_one_by_one(connection, table, records, key, _insert_statement(connection, table, columns, key))
    outcome.stored = [record[key] for record in records if record[key] in stored]
    _compare_existing(connection, table, [r for r in records if r[key] not in stored], key, outcome)
    return outcome


def _copy_and_insert(
    connection: Connection, table: Table, columns: list[str], records: Sequence[Record], key: str
) -> set[Any]:
    """COPY the records into a staging table shaped like `table`'s columns, then insert them in one statement;
    returns the keys inserted. Every identifier comes from the schema definition, never from the records."""
    quote = connection.dialect.identifier_preparer.quote
    staging = quote(f"staging_{table.name}")
    names = ", ".join(quote(table.c[name].name) for name in columns)  # an unknown column stops here
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608 - see above
        f"SELECT {names} FROM {quote(table.name)} WITH NO DATA"
    )
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([record[name] for name in columns])
    except psycopg.Error as error:
        # Raised by the driver itself, outside SQLAlchemy: give it the same shape as every other refusal.
        raise DBAPIError.instance(f"COPY {staging}", None, error, psycopg.Error) from error
    inserted = connection.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} FROM {staging} "  # noqa: S608 - see above
        f"ON CONFLICT ({quote(key)}) DO NOTHING RETURNING {quote(key)}"
    )
    keys = set(inserted.scalars())
    connection.exec_driver_sql(f"DROP TABLE {staging}")  # several batches may share one transaction
    return keys


def _insert_statement(
    connection: Connection, table: Table, columns: list[str], key: str
) -> tuple[TextClause, list[str]]:
    """One INSERT for the whole batch: each column travels as one array parameter and `unnest` turns the arrays
    back into rows on the server. One statement with a handful of parameters, whatever the batch size, instead of
    thousands of placeholders for the client to render and the server to parse. Every identifier and type here
    comes from the schema definition, never from the records."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(
        f"CAST(:c{index} AS {table.c[name].type.compile(dialect=dialect)}[])" for index, name in enumerate(columns)
    )
    statement = text(
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "  # noqa: S608 - see above
        f"SELECT * FROM unnest({arrays}) ON CONFLICT ({quote(key)}) DO NOTHING RETURNING {quote(key)}"
    )
    return statement, columns


def _as_arrays(columns: list[str], records: Sequence[Record]) -> dict[str, list[Any]]:
    return {f"c{index}": [record[name] for record in records] for index, name in enumerate(columns)}


def _send_one_by_one(
    connection: Connection, table: Table, records: Sequence[Record], key: str, prepared: tuple[TextClause, list[str]]
) -> BatchOutcome:
    statement, columns = prepared
    outcome = BatchOutcome()
    leftovers: list[Record] = []
    for record in records:
        try:
            with connection.begin_nested():
                inserted = connection.execute(statement, _as_arrays(columns, [record])).scalar()
        except DBAPIError as error:
            if not _is_record_problem(error):
                raise
            outcome.rejected[record[key]] = _reason(error)
            log.warning("%s %s rejected by the server: %s", table.name, record[key], outcome.rejected[record[key]])
            continue
        if inserted is None:
            leftovers.append(record)
        else:
            outcome.stored.append(record[key])
    _compare_existing(connection, table, leftovers, key, outcome)
    return outcome


def _compare_existing(
    connection: Connection, table: Table, records: Sequence[Record], key: str, outcome: BatchOutcome
) -> None:
    """Records whose key already existed: the same payload is a resend, anything else a conflict."""
    if not records:
        return
    columns = [table.c[name] for name in records[0]]
    found = {
        row[key]: row
        for row in connection.execute(select(*columns).where(table.c[key].in_([r[key] for r in records]))).mappings()
    }
    for record in records:
        existing = found.get(record[key])
        if existing is None:
            outcome.conflicts[record[key]] = "the id is already used by a record this kiosk cannot see"
            continue
        differing = sorted(name for name, value in record.items() if existing[name] != value)
        if differing:
            outcome.conflicts[record[key]] = "the server holds a different record under this id: " + ", ".join(
                f"{name}={existing[name]!r} (ours {record[name]!r})" for name in differing
            )
            log.warning("%s %s conflicts: %s", table.name, record[key], outcome.conflicts[record[key]])
        else:
            outcome.already_there.append(record[key])
