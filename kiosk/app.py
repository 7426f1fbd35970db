"""Composition root: builds every part of the kiosk in a fixed, logged order and closes them in reverse.

Order: configuration (data folder), store (the local database), secrets (the secret store), sync (when this kiosk was
provisioned), time (anchored by sync), services, vision (landmark model, camera loop), then the UI.
Nothing else in the program builds a database, a secret store or a service; each part is handed what it needs.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.domain.punches import Punch
from kiosk.services.clock import SystemTimeSource, TimeSource
from kiosk.services.company_settings import CompanySettings
from kiosk.services.enrolment import BiometricEnrolment
from kiosk.services.kiosk_setup import KioskSetup
from kiosk.services.missed_clockouts import MissedClockouts
from kiosk.services.release import ReleaseProblem
from kiosk.services.reports import Reports
from kiosk.services.roster import Roster
from kiosk.services.supervision import SiteOverview
from kiosk.services.timeclock import TimeClock
from kiosk.services.update_service import UpdateService
from kiosk.services.updates import (
    SETTLE_SECONDS,
    SWITCH_EXIT_CODE,
    KioskUpdater,
    kiosk_updater,
    running_release,
    settle_after_rollback,
)
from kiosk.store.database import Database
from kiosk.store.device_settings import DeviceSettings
from kiosk.store.location import LOGS_FOLDER, data_dir, write_problem
from kiosk.store.secrets import SecretStore, open_secret_store
from kiosk.ui import launch
from kiosk.ui.kiosk import Kiosk
from kiosk.ui.parts import PunchServices, UiParts
from kiosk.ui.pipeline import PipelineSettings, VisionPipeline, VisionSpec
from kiosk.ui.problem import ProblemWindow
from kiosk.ui.sound import SoundPlayer
from kiosk.vision.liveness import ChallengeStep
from kiosk.vision.models import ANTISPOOF_MODEL, YUNET_MODEL, require_model, require_pinned
from kiosk.vision.strictness import liveness_for
from sync.credentials import ProfileStore
from sync.service import KioskSyncService

if TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)

LOG_FILE_BYTES = 2_000_000
LOG_FILE_COUNT = 5


@dataclass(frozen=True)
class KioskOptions:
    """The command line's choices for one run of the kiosk."""

    camera: str | None = None
    data_dir: Path | None = None
    windowed: bool = False
    no_camera: bool = False
    demo: bool = False


DEMO_PIN = "123456"
DEMO_EMPLOYEES = (
    ("E001", "Maria", "Santos", "1111"),
    ("E002", "Jose", "Reyes", "2222"),
    ("E003", "Ana", "Cruz", "3333"),
)


DEFAULT_CAMERA = "0"


class KioskApp:
    """Builds the kiosk's parts and closes them; `build()` once, `close()` once.

    Args:
        options: the command line's choices.
        keyring_backend: the keyring the secret store considers first (the OS one when None).
        time_source: where punch times come from (the PC's clock when None).
        sounds: the sound player (a silent one for tests and screen rendering).
        challenge: the same steps for every liveness attempt (random ones, by the strictness setting, when None).
        pipeline_settings: how face attempts start and end.
        updater: the updater (the installed release's when None; a checkout has none).
        settle_seconds: how long a new version must keep its idle screen to count as good.
    """

    def __init__(
        self,
        options: KioskOptions,
        *,
        keyring_backend: keyring.backend.KeyringBackend | None = None,
        time_source: TimeSource | None = None,
        sounds: SoundPlayer | None = None,
        challenge: tuple[ChallengeStep, ...] | None = None,
        pipeline_settings: PipelineSettings | None = None,
        updater: KioskUpdater | None = None,
        settle_seconds: int = SETTLE_SECONDS,
    ) -> None:
        self.options = options
        self._challenge = challenge
        self._pipeline_settings = pipeline_settings
        self.vision: VisionPipeline | None = None
        self.log_to_files = False  # `run` sets it: the kiosk logs to files in its data folder
        self._keyring_backend = keyring_backend
        self._time_source = time_source
        self._sounds = sounds
        self._closers: list[tuple[str, Callable[[], None]]] = []
        self._updater = updater
        self._settle_seconds = settle_seconds
        self.database: Database | None = None
        self.kiosk: Kiosk | None = None

    def _step(self, name: str) -> None:
        log.info("start: %s", name)

    def build(self) -> Kiosk:
        """Build every part in order; on a failure, what was built is closed again before the error goes up."""
        try:
            return self._build()
        except BaseException:
            self.close()
            raise

    def _build(self) -> Kiosk:
        self._step("configuration")
        folder = data_dir(self.options.data_dir)
        self._step(f"store in {folder}")
        # After the launcher went back from a failed new version: never open a database that version migrated.
        settle_after_rollback(folder)
        database = Database(folder / "kiosk.db")
        self.database = database
        self._closers.append(("store", database.close))
        self._step("secrets")
        secrets = open_secret_store(folder, keyring_backend=self._keyring_backend)
        settings = KioskSetup(database, secrets, SystemTimeSource()).settings()
        self._step("sync")
        sync = KioskSyncService.from_profile_store(
            database,
            ProfileStore(secrets),
            interval=settings.sync_interval_seconds,
            running_version=running_release().version,
        )
        if sync is not None:
            self._closers.append(("sync", sync.close))
        self._step("time")
        time_source = self._time_source or (sync.time_source if sync is not None else SystemTimeSource())
        self._step("services")
        setup = KioskSetup(database, secrets, time_source)
        enrolment = BiometricEnrolment(database, secrets, time_source)
        if sync is not None:
            sync.sync.before_push = enrolment.seal_for_sync
        if self.options.demo and not settings.is_set_up:
            settings = self._set_up_demo(setup, database, secrets, time_source)
        on_recorded = sync.on_recorded if sync is not None else None

        def open_punching(settings: DeviceSettings) -> PunchServices:
            return self.punch_services(database, secrets, settings, time_source, on_recorded)

        vision = None if self.options.no_camera else self._build_vision(settings)
        updates = self._build_updates(folder, database, settings)
        self._step("user interface")
        sounds = self._sounds or SoundPlayer()
        parts = UiParts(
            setup=setup,
            open_punching=open_punching,
            sounds=sounds,
            vision=vision,
            sync=sync,
            exports_dir=folder / "exports",
            enrolment=enrolment,
            secrets=secrets.description,
            updates=updates,
            settle_seconds=self._settle_seconds,
        )
        kiosk = Kiosk(parts, settings)
        self.kiosk = kiosk
        self._closers.append(("user interface", kiosk.close))
        if vision is not None:
            self._step("vision process")
            vision.start()
        if sync is not None:
            self._step("sync schedule")
            sync.start()
        if updates is not None:
            self._step("update checks")
            updates.start()
        log.info("kiosk built (%s)", "set up" if settings.is_set_up else "first start: set-up screen")
        return kiosk

    def _build_updates(self, folder: Path, database: Database, settings: DeviceSettings) -> UpdateService | None:
        """The update service of an installed release; a checkout, or a release with no pinned key, has none."""
        updater = self._updater
        if updater is None:
            running = running_release()
            if running.installation is None:
                log.info("updates: off (running %s from a checkout, not an installed release)", running.version)
                return None
            try:
                updater = kiosk_updater(folder, settings.update_source)
            except ReleaseProblem as problem:
                log.error("updates: off (%s)", problem)
                return None
        self._step(f"updates: {settings.update_source or 'no source yet'}, window {settings.update_window}")
        service = UpdateService(updater, database)
        self._closers.append(("update checks", service.close))
        return service

    def _set_up_demo(
        self, setup: KioskSetup, database: Database, secrets: SecretStore, time_source: TimeSource
    ) -> DeviceSettings:
        """A ready-made demo company: one site, three employees with PINs, missed clock-out claims on."""
        self._step("demo company")
        settings = setup.set_up(
            company_name="Demo Construction", site_name="Main gate", timezone="Asia/Manila", admin_pin=DEMO_PIN
        )
        services = self.punch_services(database, secrets, settings, time_source)
        services.company.set_missed_clockout_enabled(True, changed_by="demo")
        for number, first, last, pin in DEMO_EMPLOYEES:
            services.roster.add_employee(
                number=number,
                first_name=first,
                last_name=last,
                department=None,
                daily_rate=800,
                changed_by="demo",
                pin=pin,
            )
        log.info(
            "demo company set up: supervisor PIN %s, employee PINs %s", DEMO_PIN, [pin for *_, pin in DEMO_EMPLOYEES]
        )
        return settings

    def _build_vision(self, settings: DeviceSettings) -> VisionPipeline:
        camera = self.options.camera or DEFAULT_CAMERA
        self._step(f"vision: landmark model, camera {camera}")
        steps, liveness = liveness_for(settings.liveness_strictness)
        spec = VisionSpec(
            camera=camera,
            model_path=require_model(),  # a missing or corrupt model stops the start with a clear message
            challenge=self._challenge,
            challenge_length=steps,
            liveness=liveness,
            settings=self._pipeline_settings or PipelineSettings(),
            # Missing or corrupt presentation-attack models stop the start with the fix, as the landmark model does.
            antispoof_model=require_pinned(ANTISPOOF_MODEL),
            yunet_model=require_pinned(YUNET_MODEL),
            log_file=data_dir(self.options.data_dir) / LOGS_FOLDER / "vision.log" if self.log_to_files else None,
        )
        pipeline = VisionPipeline(spec)
        self.vision = pipeline
        self._closers.append(("vision process", pipeline.close))
        return pipeline

    @staticmethod
    def punch_services(
        database: Database,
        secrets: SecretStore,
        settings: DeviceSettings,
        time_source: TimeSource,
        on_recorded: Callable[[Punch], None] | None = None,
    ) -> PunchServices:
        """The use cases of a kiosk that is set up."""
        if not (settings.company_id and settings.site_id and settings.kiosk_id):
            raise RuntimeError("punch services asked for before the kiosk was set up")
        clock = TimeClock(
            database,
            company_id=settings.company_id,
            site_id=settings.site_id,
            kiosk_id=settings.kiosk_id,
            time_source=time_source,
            on_recorded=on_recorded,
        )
        missed = MissedClockouts(database, clock)
        return PunchServices(
            clock=clock,
            missed=missed,
            roster=Roster(database, clock, secrets),
            overview=SiteOverview(database, clock, missed),
            company=CompanySettings(database, clock, missed),
            reports=Reports(database, clock),
        )

    def close(self) -> None:
        """Close what was built, last first; a failure to close one part does not keep the others open."""
        while self._closers:
            name, close = self._closers.pop()
            log.info("stop: %s", name)
            try:
                close()
            except Exception:
                log.exception("closing %s failed", name)


def _log_to_file(folder: Path) -> bool:
    """INFO and above to a rotating file in the data folder; when it cannot be written there, to standard error."""
    root = logging.getLogger()
    try:
        logs = folder / LOGS_FOLDER
        logs.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            logs / "kiosk.log", maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_COUNT, encoding="utf-8"
        )
    except OSError as error:
        # A kiosk whose disk went read-only must still say why it does not start: the console (the service's
        # journal) gets what the file would have had.
        root.setLevel(min(root.level, logging.INFO))
        log.error("the log file cannot be written in %s (%s); logging to standard error", folder, error)
        return False
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    # The file gets INFO and above; what the console already showed (WARNING, or DEBUG with -v) stays as it was.
    for console in root.handlers:
        if console.level == logging.NOTSET:
            console.setLevel(root.level)
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    root.setLevel(min(root.level, logging.INFO))
    return True


DATA_FOLDER_ADVICE = (
    "Punches could not be kept, so the kiosk does not start. Ask IT to make this folder writable again (a disk that "
    "is full or was mounted read-only, or a folder the kiosk's user may not write in), or to start the kiosk with "
    "--data-dir set to a folder it can write in. The kiosk looks again by itself every few seconds."
)


def run(options: KioskOptions) -> int:
    """Run the kiosk until the supervisor exits it; returns the exit code."""
    folder = data_dir(options.data_dir)
    logged_to_file = _log_to_file(folder)
    application = launch.application()
    if not _data_folder_usable(folder, windowed=options.windowed):
        return 1
    kiosk_app = KioskApp(options)
    kiosk_app.log_to_files = logged_to_file or _log_to_file(folder)
    kiosk = kiosk_app.build()
    # The launcher starts the version just switched to when the kiosk ends with this code.
    kiosk.update_switched.connect(lambda _version: application.exit(SWITCH_EXIT_CODE))
    launch.show(kiosk.window, windowed=options.windowed)
    try:
        return application.exec()
    finally:
        kiosk_app.close()


def _data_folder_usable(folder: Path, *, windowed: bool) -> bool:
    """True when the kiosk can keep its data in `folder`; else a window says why and what to do, until it can (True)
    or the window is closed (False)."""

    logged: list[str] = []

    def problem() -> str | None:
        found = write_problem(folder)
        if found is not None and found not in logged[-1:]:  # once per change, not at every look
            log.error("the data folder %s cannot be used: %s", folder, found)
            logged.append(found)
        return None if found is None else f"The data folder {folder} cannot be used: {found}."

    first = problem()
    if first is None:
        return True
    window = ProblemWindow("The kiosk cannot start", DATA_FOLDER_ADVICE, problem)
    window.show_problem(first)
    launch.show(window, windowed=windowed)
    launch.application().exec()  # until the problem is solved (the window closes) or the kiosk is stopped
    return window.is_solved
