"""This kiosk's own settings: one typed schema with defaults, bounds and a version.

Company-wide rules (missed clock-outs, PIN punching) belong to the company and sync down; what is here belongs to the
device: who it is, its supervisor PIN, how strict its camera checks are, how long an idle screen waits.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kiosk.domain.errors import RuleViolation
from kiosk.domain.releases import DEFAULT_UPDATE_WINDOW, UpdateWindow, normalise_update_source
from kiosk.store import repository

SCHEMA_VERSION = 1
STRICTNESS = ("relaxed", "normal", "strict")
LANGUAGES = ("en", "fil")  # English, Filipino: the languages the kiosk's screens ship in


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """Settings of one kiosk. Every field has a default, so a new kiosk starts with a working set."""

    company_id: str | None = None
    site_id: str | None = None
    kiosk_id: str | None = None
    kiosk_name: str = "Kiosk"
    admin_pin_hash: str | None = None
    idle_timeout_seconds: int = 30
    liveness_strictness: str = "normal"
    matching_strictness: str = "normal"
    punch_photos: bool = False
    sync_interval_seconds: int = 60
    language: str = "en"  # the screens' language between people (a person may choose theirs for their turn)
    # Set when the kiosk is provisioned: head office owns the roster, and only PINs and (where the company allows)
    # deactivations are changed here, as changes sent up to head office.
    roster_from_head_office: bool = False
    # Where releases are published (an https:// URL or a folder of a file share), set at provisioning and changed
    # from head office; None: this kiosk is updated by hand.
    update_source: str | None = None
    # The hours of site time in which a downloaded release may be switched to, when nobody is using the kiosk.
    update_window: str = DEFAULT_UPDATE_WINDOW

    def __post_init__(self) -> None:
        if not 5 <= self.idle_timeout_seconds <= 600:
            raise RuleViolation("idle_timeout_range", "the idle timeout must be between 5 and 600 seconds")
        if not 10 <= self.sync_interval_seconds <= 3600:
            raise RuleViolation("sync_interval_range", "the sync interval must be between 10 and 3600 seconds")
        for name in ("liveness_strictness", "matching_strictness"):
            if getattr(self, name) not in STRICTNESS:
                raise RuleViolation(f"{name}_value", f"{name.replace('_', ' ')} must be one of {', '.join(STRICTNESS)}")
        UpdateWindow.parse(self.update_window)
        if self.update_source is not None and normalise_update_source(self.update_source) != self.update_source:
            raise RuleViolation(
                "update_source_form", f"the update source {self.update_source!r} must be stored as a URL"
            )
        if self.language not in LANGUAGES:
            raise RuleViolation(
                "language_value", f"the language must be one of {', '.join(LANGUAGES)}, not {self.language!r}"
            )

    @property
    def is_set_up(self) -> bool:
        return bool(self.company_id and self.site_id and self.kiosk_id and self.admin_pin_hash)

    def replace(self, **changes: Any) -> DeviceSettings:
        return dataclasses.replace(self, **changes)


_FIELDS = {field.name for field in fields(DeviceSettings)}


def load_device_settings(session: Session) -> DeviceSettings:
    """The stored settings over the defaults; keys this version does not know are ignored, not fatal."""
    stored = repository.device_values(session)
    return DeviceSettings(**{key: value for key, value in stored.items() if key in _FIELDS})


def save_device_settings(session: Session, settings: DeviceSettings, at: datetime) -> None:
    """Store every field (validated by the dataclass) and the schema version, inside the caller's transaction."""
    repository.put_device_values(session, dataclasses.asdict(settings) | {"schema_version": SCHEMA_VERSION}, at)
