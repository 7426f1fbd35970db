"""Serving the console: waitress, a production WSGI server, in front of the Flask application."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import waitress
from sqlalchemy import Engine

from central.console.app import create_app

log = logging.getLogger(__name__)

SECRET_KEY_ENV = "TIMECLOCK_CONSOLE_SECRET_KEY"  # noqa: S105 - the name of a variable, not a secret
# Requests served at once; each holds one database connection for its duration (the engine's pool has 5 + 10).
THREADS = 12


def serve_console(
    engine: Engine,
    *,
    host: str,
    port: int,
    secret_key: str | None,
    kiosk_host: str | None = None,
    kiosk_port: int | None = None,
    secure_cookies: bool = False,
    head_office_key: Path | None = None,
) -> None:
    """Serve the console until interrupted.

    Without a secret key (TIMECLOCK_CONSOLE_SECRET_KEY) a random one is made, so everyone logs in again after a
    restart; with one, sessions survive restarts and several console processes can share them.
    """
    if secret_key is None:
        log.warning("%s is not set: sessions end when the console restarts", SECRET_KEY_ENV)
        key = secrets.token_bytes(32)
    else:
        key = secret_key.encode()
    app = create_app(
        engine,
        secret_key=key,
        kiosk_host=kiosk_host,
        kiosk_port=kiosk_port,
        secure_cookies=secure_cookies,
        head_office_key=head_office_key,
    )
    print(f"head-office console on http://{host}:{port}/ (Ctrl+C stops it)", flush=True)
    waitress.serve(app, host=host, port=port, threads=THREADS, ident="timeclock-console")
