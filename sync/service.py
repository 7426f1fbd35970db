"""Sync on a kiosk, assembled: the anchored clock, push and pull, and the schedule.

The app builds one `KioskSyncService` after opening the local database, hands `time_source` to the punch services
(so punches carry the anchored time) and `on_recorded` as their after-punch hook, polls `status()` for the screen,
and calls `close()` on shutdown.
"""

from __future__ import annotations

import logging

from kiosk.domain.punches import Punch
from kiosk.store.database import Database
from sync.clock import AnchoredClock
from sync.credentials import ProfileStore
from sync.kiosk_sync import KioskSync
from sync.scheduler import SyncScheduler, SyncStatus
from wire.provisioning import CentralProfile

log = logging.getLogger(__name__)


class KioskSyncService:
    """The kiosk's sync, ready to start.

    Args:
        database: the local database.
        profile: the kiosk's central profile.
        interval: seconds between regular syncs (the device setting `sync_interval_seconds`).
        running_version: the kiosk's version, reported at each sync.
    """

    def __init__(
        self, database: Database, profile: CentralProfile, *, interval: float = 60, running_version: str | None = None
    ) -> None:
        self.clock = AnchoredClock()
        self.sync = KioskSync(database, profile, clock=self.clock, running_version=running_version)
        self.scheduler = SyncScheduler(self.sync.run_once, self.sync.pending_count, interval=interval)

    @classmethod
    def from_profile_store(
        cls, database: Database, store: ProfileStore, *, interval: float = 60, running_version: str | None = None
    ) -> KioskSyncService | None:
        """The service for the profile in the secret store, or None when this kiosk was never provisioned."""
        profile = store.load()
        if profile is None:
            log.info("no central database profile: the kiosk works offline only")
            return None
        return cls(database, profile, interval=interval, running_version=running_version)

    @property
    def time_source(self) -> AnchoredClock:
        """The time source for the punch services (satisfies kiosk.services.clock.TimeSource)."""
        return self.clock

    def on_recorded(self, punch: Punch) -> None:
        """After-punch hook for the punch services: sync soon."""
        self.scheduler.request_sync()

    def start(self) -> None:
        """Start syncing in the background."""
        self.scheduler.start()

    def status(self) -> SyncStatus:
        """The status for the screen."""
        return self.scheduler.status()

    def close(self) -> None:
        """Stop the schedule (letting a running sync finish) and release connections."""
        self.scheduler.close()
        self.sync.close()
