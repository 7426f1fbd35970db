"""A keyring backend in a JSON file, for tests that run the kiosk's commands as separate processes.

A test points `PYTHON_KEYRING_BACKEND` at `tests.file_keyring.FileKeyring` and `TIMECLOCK_TEST_KEYRING` at a file in
its temporary folder; the developer's own keyring is never touched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors

FILE_VARIABLE = "TIMECLOCK_TEST_KEYRING"


class FileKeyring(keyring.backend.KeyringBackend):
    """Secrets in the JSON file named by $TIMECLOCK_TEST_KEYRING."""

    priority = 1

    @property
    def _path(self) -> Path:
        return Path(os.environ[FILE_VARIABLE])

    def _load(self) -> dict[str, str]:
        if not self._path.is_file():
            return {}
        stored: dict[str, str] = json.loads(self._path.read_text(encoding="utf-8"))
        return stored

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        secrets = self._load()
        secrets[f"{service}/{username}"] = password
        self._path.write_text(json.dumps(secrets), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        secrets = self._load()
        if secrets.pop(f"{service}/{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._path.write_text(json.dumps(secrets), encoding="utf-8")


def process_environment(keyring_file: Path | None) -> dict[str, str]:
    """The environment for a kiosk command run as a process: this one's, with its keyring in `keyring_file`, or with
    no keyring at all (as on a headless Linux box without a Secret Service) when None."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHON_KEYRING_BACKEND"}
    if keyring_file is None:
        return environment | {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return environment | {"PYTHON_KEYRING_BACKEND": f"{__name__}.FileKeyring", FILE_VARIABLE: str(keyring_file)}
