"""What the kiosk knows about its updates, kept in files of the data folder's `updates/` folder.

These are files, not rows of the local database, because the launcher that starts the kiosk (a shell script that is
never replaced by an update, `packaging/linux/timeclock-kiosk-launch`) reads and writes them too, before any version
of the kiosk has opened the database, and because a version being rolled back must not open a database a newer one
migrated. Every file is written whole beside its name and moved into place, so a power cut leaves the old or the new
file, never half of one.

- `status.json`: the last check (when, whether it passed, the error), the version staged, where updates come from.
- `trial`: written just before the kiosk switches to a new version, removed when that version has passed its
  self-test and stayed on the idle screen long enough; `key=value` lines the launcher reads.
- `failed`: written by the launcher when it went back to the previous version (`key=value` lines: the version, the
  reason, when); the kiosk reports it at its next sync and keeps it until a later update succeeds.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.domain.errors import EnvironmentProblem

UPDATES_FOLDER = "updates"
STATUS_NAME = "status.json"
TRIAL_NAME = "trial"
FAILED_NAME = "failed"


@dataclass(frozen=True, slots=True)
class UpdateStatus:
    """The kiosk's update facts, as reported to head office at each sync.

    Attributes:
        running_version: the version that wrote this status.
        staged_version: a newer version downloaded, verified and unpacked beside the running one, waiting for the
            window; None when there is none.
        last_check_at: when the kiosk last asked its update source (ISO 8601, UTC).
        last_verified_at: when the kiosk last held metadata that verified and had not expired: how old its newest
            trusted metadata is (a kiosk held on old metadata by an attacker sees this age grow).
        error: why the last check, download or switch failed, or why the last new version was rolled back.
        error_at: when that happened.
    """

    running_version: str | None = None
    staged_version: str | None = None
    last_check_at: str | None = None
    last_verified_at: str | None = None
    error: str | None = None
    error_at: str | None = None

    def replace(self, **changes: Any) -> UpdateStatus:
        return replace(self, **changes)


class UpdateStateFiles:
    """The `updates/` folder of a data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / UPDATES_FOLDER

    @property
    def metadata_dir(self) -> Path:
        """The TUF metadata this kiosk trusts (root and the newest verified timestamp, snapshot and targets)."""
        return self.folder / "metadata"

    @property
    def downloads_dir(self) -> Path:
        return self.folder / "downloads"

    @property
    def backups_dir(self) -> Path:
        return self.folder / "backups"

    def read_status(self) -> UpdateStatus:
        """The stored status; an absent or unreadable file reads as no facts yet."""
        try:
            data = json.loads((self.folder / STATUS_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return UpdateStatus()
        if not isinstance(data, dict):
            return UpdateStatus()
        known = UpdateStatus.__dataclass_fields__
        return UpdateStatus(**{key: value for key, value in data.items() if key in known and isinstance(value, str)})

    def report(self, running_version: str | None) -> UpdateStatus:
        """What to report: the stored status, the running version, and a rollback the launcher made to get here."""
        status = self.read_status()
        if running_version is not None:
            status = status.replace(running_version=running_version)
        failed = self.read_failed()
        if failed and failed.get("version") != status.running_version:
            status = status.replace(
                error=f"version {failed.get('version', '?')} was rolled back to {status.running_version}: "
                f"{failed.get('reason', 'no reason recorded')}",
                error_at=failed.get("at"),
            )
        return status

    def write_status(self, status: UpdateStatus) -> None:
        self._write(STATUS_NAME, json.dumps(asdict(status), indent=1, sort_keys=True) + "\n")

    def read_trial(self) -> dict[str, str] | None:
        """The switch under trial (`version`, `previous`, `backup`, `started`), or None."""
        return self._read_fields(TRIAL_NAME)

    def write_trial(self, fields: dict[str, str]) -> None:
        self._write(TRIAL_NAME, _render_fields(fields))

    def end_trial(self) -> None:
        (self.folder / TRIAL_NAME).unlink(missing_ok=True)

    def read_failed(self) -> dict[str, str] | None:
        """The last rollback the launcher made (`version`, `reason`, `at`), or None."""
        return self._read_fields(FAILED_NAME)

    def clear_failed(self) -> None:
        (self.folder / FAILED_NAME).unlink(missing_ok=True)

    def _read_fields(self, name: str) -> dict[str, str] | None:
        try:
            text = (self.folder / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise EnvironmentProblem(f"cannot read {self.folder / name}: {error.strerror}") from error
        fields: dict[str, str] = {}
        for line in text.splitlines():
            key, separator, value = line.partition("=")
            if separator:
                fields[key.strip()] = value.strip()
        return fields

    def _write(self, name: str, text: str) -> None:
        target = self.folder / name
        partial = target.with_name(f".{name}.partial")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with partial.open("w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except OSError as error:
            raise EnvironmentProblem(f"cannot write {target}: {error.strerror}") from error


def _render_fields(fields: dict[str, str]) -> str:
    for key, value in fields.items():
        if "\n" in value or "=" in key:
            raise ValueError(f"{key!r}={value!r} cannot be written as one key=value line")
    return "".join(f"{key}={value}\n" for key, value in fields.items())


def iso(moment: datetime) -> str:
    """A UTC moment as the state files write it."""
    return moment.isoformat(timespec="seconds")
