"""What the composition root hands to the UI: the services it calls and the things it plays or shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.services.company_settings import CompanySettings
from kiosk.services.enrolment import BiometricEnrolment
from kiosk.services.kiosk_setup import KioskSetup
from kiosk.services.missed_clockouts import MissedClockouts
from kiosk.services.reports import Reports
from kiosk.services.roster import Roster
from kiosk.services.supervision import SiteOverview
from kiosk.services.timeclock import TimeClock
from kiosk.services.update_service import UpdateService
from kiosk.services.updates import SETTLE_SECONDS
from kiosk.store.device_settings import DeviceSettings
from kiosk.store.secrets import StoreDescription
from kiosk.ui.pipeline import VisionPipeline
from kiosk.ui.sound import SoundPlayer
from sync.service import KioskSyncService


@dataclass(frozen=True)
class PunchServices:
    """The use cases of a kiosk that is set up (they need its company, site and kiosk ids)."""

    clock: TimeClock
    missed: MissedClockouts
    roster: Roster
    overview: SiteOverview
    company: CompanySettings
    reports: Reports


@dataclass
class UiParts:
    """Everything the UI is given; nothing in the UI builds a service, a database or a model itself.

    Attributes:
        setup: set-up, device settings and the supervisor PIN.
        open_punching: builds the punch services for the settings of a kiosk that is set up.
        sounds: confirmation and problem sounds.
        vision: the camera and face pipeline (None on a kiosk run without a camera).
        sync: the central sync (None on a kiosk that was never provisioned).
        exports_dir: the folder timesheet exports are written to.
        enrolment: face consent, enrolment, deletion and the templates recognition uses.
        secrets: which secret store keeps the kiosk's secrets (the settings screen says it).
        updates: background update checks and idle-time switches (None on a kiosk run from a checkout).
        settle_seconds: how long a new version must keep its idle screen to count as good.
    """

    setup: KioskSetup
    open_punching: Callable[[DeviceSettings], PunchServices]
    sounds: SoundPlayer = field(default_factory=SoundPlayer)
    vision: VisionPipeline | None = None
    sync: KioskSyncService | None = None
    exports_dir: Path | None = None
    enrolment: BiometricEnrolment | None = None
    secrets: StoreDescription | None = None
    updates: UpdateService | None = None
    settle_seconds: int = SETTLE_SECONDS
