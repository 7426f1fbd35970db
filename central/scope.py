"""Running as a console user: the database role and per-transaction settings that row-level security reads.

Every request of the web console runs in one transaction that first switches to `timeclock_console` and sets who
is asking (see migration 0009). `SET LOCAL` and `set_config(..., true)` end with the transaction, so a pooled
connection goes back to the owner's rights when the request ends, whatever happened in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from central.users import ConsoleUser

CONSOLE_ROLE = "timeclock_console"


def enter_scope(connection: Connection, user: ConsoleUser) -> None:
    """Confine the connection's current transaction to what `user` may see and do."""
    connection.execute(text(f"SET LOCAL ROLE {CONSOLE_ROLE}"))
    connection.execute(
        text(
            "SELECT set_config('timeclock.company', :company, true), set_config('timeclock.role', :role, true), "
            "set_config('timeclock.sites', :sites, true), set_config('timeclock.user', :user, true)"
        ),
        {
            "company": user.company_id,
            "role": user.role.value,
            "sites": "*" if user.all_sites else ",".join(user.site_ids),
            "user": str(user.id),
        },
    )


@contextmanager
def console_transaction(engine: Engine, user: ConsoleUser) -> Iterator[Connection]:
    """A transaction confined to `user`'s rows and rights, committed when the block ends without an error."""
    with engine.begin() as connection:
        enter_scope(connection, user)
        yield connection
