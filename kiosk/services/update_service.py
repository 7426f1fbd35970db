"""The running kiosk's side of updates: a check in the background, the switch at an idle moment inside the window.

The check (metadata, download, hashing, unpacking, verifying) runs in a process of its own at the machine's lowest
priority, so the camera screen keeps its CPU and its interpreter lock; a thread starts that process shortly after
the kiosk starts and then every `interval` seconds, and waits for it.
The screen asks `try_switch` whenever it is idle; the switch happens only when a version is staged, nobody is using
the kiosk, and the site's clock is inside the device's update window. A new version on trial calls `confirm` once it
has kept its idle screen for `SETTLE_SECONDS`.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.domain.releases import UpdateWindow
from kiosk.services.updates import KioskUpdater, UpdateProblem, check_at_low_priority
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import DeviceSettings, load_device_settings

log = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 3600.0
# The first check waits a little, and a random part more, so a fleet that restarts together does not ask at once.
FIRST_CHECK_SECONDS = (30.0, 300.0)


class UpdateService:
    """Background checks and idle-time switches for one running kiosk.

    Args:
        updater: the kiosk's updater.
        database: the local database (device settings: the source and window; the site's time zone).
        interval: seconds between checks.
        first_check: seconds before the first check (a random moment in this range).
        clock: now, in UTC.
    """

    def __init__(
        self,
        updater: KioskUpdater,
        database: Database,
        *,
        interval: float = CHECK_INTERVAL_SECONDS,
        first_check: tuple[float, float] = FIRST_CHECK_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.updater = updater
        self._database = database
        self._interval = interval
        self._first_check = first_check
        self._clock = clock
        self._stop = threading.Event()
        self._checked = threading.Event()
        self._thread: threading.Thread | None = None
        # Read here and at each check, so that the screen's idle-time question never waits on the database.
        self._window, self._zone = self._read_window()

    def _settings(self) -> tuple[DeviceSettings, ZoneInfo]:
        with self._database.read() as session:
            settings = load_device_settings(session)
            site = repository.get_site(session, settings.site_id) if settings.site_id else None
        try:
            zone = ZoneInfo(site.timezone) if site is not None else ZoneInfo("UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return settings, zone

    def _read_window(self) -> tuple[UpdateWindow, ZoneInfo]:
        settings, zone = self._settings()
        return UpdateWindow.parse(settings.update_window), zone

    def start(self) -> None:
        """Start the background checks."""
        self._thread = threading.Thread(target=self._run, name="updates", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        delay = random.uniform(*self._first_check)  # noqa: S311 - spreading load, not security
        while not self._stop.wait(delay):
            self.check_now()
            delay = self._interval

    def check_now(self) -> None:
        """One check, with the source as the device settings say now (head office may have changed it), in a
        spawned process at the lowest priority; returns when it is done."""
        try:
            settings, zone = self._settings()
            self._window, self._zone = UpdateWindow.parse(settings.update_window), zone
            self.updater.set_source(settings.update_source)
            if settings.update_source is not None:
                process = multiprocessing.get_context("spawn").Process(
                    target=check_at_low_priority, args=(self.updater.spec(),), name="update-check", daemon=True
                )
                process.start()
                while process.is_alive() and not self._stop.is_set():
                    process.join(timeout=1.0)
                if process.is_alive():  # the kiosk is closing: the check is tried again at the next start
                    process.terminate()
                    process.join(timeout=5)
                elif process.exitcode != 0:
                    log.error("the update check process ended with %s", process.exitcode)
        except Exception:
            log.exception("the update check failed")
        finally:
            self._checked.set()

    def wait_for_check(self, timeout: float) -> bool:
        """For tests and benchmarks: True once a check has run."""
        return self._checked.wait(timeout)

    def try_switch(self, *, idle: bool) -> str | None:
        """Switch to the staged version if the kiosk is idle and inside its window; returns the version switched to.

        The caller then ends the kiosk with `SWITCH_EXIT_CODE`. Cheap enough for the GUI thread, which is what makes
        the switch safe: no touch can start a punch between the idle check and the end of the switch.
        """
        site_time: time = self._clock().astimezone(self._zone).time()
        refusal = self.updater.switch_refusal(idle=idle, site_time=site_time, window=self._window)
        if refusal is not None:
            return None
        try:
            return self.updater.switch()
        except UpdateProblem as problem:
            log.warning("the switch to the staged version was refused: %s", problem)
            return None

    def confirm(self) -> bool:
        """This version kept its idle screen: if it was on trial, it stays."""
        return self.updater.confirm_trial()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            # A download in progress ends with its own time-outs; the kiosk does not wait for it.
            self._thread.join(timeout=2)
