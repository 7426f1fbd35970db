"""Secrets (PIN pepper, database credentials, the template key) live in the OS keyring, never in a file.

Windows has its Credential Locker and a desktop Linux its Secret Service; a headless Linux box has no backend at
all, and then every secret operation stops with a message that says how to provide one (see the README).
"""

from __future__ import annotations

import secrets as token_source

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail

from kiosk.domain.errors import EnvironmentProblem

SERVICE = "timeclock-kiosk"

PIN_PEPPER = "pin-pepper"
TEMPLATE_KEY = "template-key"

NO_BACKEND = (
    "no OS keyring is available to keep the kiosk's secrets. On Windows and macOS it is built in; on Linux run a "
    "Secret Service (for example gnome-keyring-daemon, or KeePassXC with Secret Service on) in the kiosk's session, "
    "or choose a backend with PYTHON_KEYRING_BACKEND (see the README, section 'Secrets and the keyring')."
)


class SecretStore:
    """Named secrets in one keyring backend (the OS one by default; tests pass an isolated one)."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None, service: str = SERVICE) -> None:
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._service = service

    def _require_backend(self) -> keyring.backend.KeyringBackend:
        backend = self._backend
        if isinstance(backend, fail.Keyring) or backend.priority <= 0:
            raise EnvironmentProblem(NO_BACKEND)
        return backend

    def get(self, name: str) -> str | None:
        try:
            return self._require_backend().get_password(self._service, name)
        except keyring.errors.KeyringError as error:
            raise EnvironmentProblem(f"the keyring could not read the secret {name!r}: {error}") from error

    def put(self, name: str, value: str) -> None:
        try:
            self._require_backend().set_password(self._service, name, value)
        except keyring.errors.KeyringError as error:
            raise EnvironmentProblem(f"the keyring could not store the secret {name!r}: {error}") from error

    def delete(self, name: str) -> None:
        try:
            self._require_backend().delete_password(self._service, name)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as error:
            raise EnvironmentProblem(f"the keyring could not delete the secret {name!r}: {error}") from error

    def get_or_create(self, name: str, nbytes: int = 32) -> str:
        """The secret `name`, made from `nbytes` random bytes (hex) the first time it is asked for."""
        value = self.get(name)
        if value is None:
            value = token_source.token_hex(nbytes)
            self.put(name, value)
        return value
