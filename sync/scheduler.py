"""When the kiosk syncs: right after each punch and on an interval, one sync at a time, backing off on failure.

APScheduler 3.x runs the jobs on its own thread: a regular one on an interval trigger, and a one-off "soon" job
that a punch sets for now and a failure sets for later, after an exponential backoff with jitter (so a hundred
kiosks that lost the same server do not all come back in the same second). While backing off, the regular runs
stand aside. A lock keeps it to one sync at a time whoever starts it. A refused login or certificate stops
retrying altogether: no amount of waiting fixes it, so the status says so until someone re-provisions the kiosk.

The status is a plain, immutable value the UI can poll from any thread.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import psycopg
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import DBAPIError

from sync.errors import CentralAuthRefused, CentralUnreachable
from sync.kiosk_sync import PullReport, PushReport

log = logging.getLogger(__name__)

JOB_ID = "central-sync"
SOON_ID = "central-sync-soon"


class ErrorKind(StrEnum):
    """What went wrong with the last sync, as the supervisor screen names it."""

    NETWORK = "network"
    AUTH = "auth"
    CONFLICT = "conflict"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the UI shows about sync.

    Attributes:
        pending: records waiting to go up.
        last_success: when a sync last completed.
        last_error: the last problem, for people; None after a clean sync.
        last_error_kind: its kind.
        failures: failed attempts in a row.
        next_attempt: when the next sync is due (None when stopped).
        stopped: True when retrying stopped (refused login); `last_error` says why.
        running: a sync is in progress.
        faces_changed: how many syncs so far brought face templates, deletions or company keys down: the screens
            give the face loop the templates again when it moves.
    """

    pending: int = 0
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_kind: ErrorKind | None = None
    failures: int = 0
    next_attempt: datetime | None = None
    stopped: bool = False
    running: bool = False
    faces_changed: int = 0


def classify(error: BaseException) -> ErrorKind:
    """The kind of a sync failure."""
    if isinstance(error, CentralAuthRefused):
        return ErrorKind.AUTH
    if isinstance(error, CentralUnreachable | psycopg.OperationalError | ConnectionError | TimeoutError):
        return ErrorKind.NETWORK
    if isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error.orig, psycopg.OperationalError)
    ):
        return ErrorKind.NETWORK
    return ErrorKind.OTHER


def backoff_delay(failures: int, *, base: float, ceiling: float, rng: random.Random) -> float:
    """Seconds to wait after `failures` failures in a row: base x 2^(failures-1), capped, times a jitter factor in
    [0.5, 1.5)."""
    raw = min(ceiling, base * 2.0 ** max(0, failures - 1))
    return float(raw * (0.5 + rng.random()))


class SyncScheduler:
    """Runs `sync_once` on a schedule and keeps the status.

    Args:
        sync_once: one full sync (push and pull); raises on failure.
        pending: counts the records waiting to go up.
        interval: seconds between regular syncs.
        backoff_base: first retry delay after a failure, in seconds.
        backoff_ceiling: longest retry delay, in seconds.
        rng: randomness for the jitter (seedable in tests).
    """

    def __init__(
        self,
        sync_once: Callable[[], tuple[PushReport, PullReport]],
        pending: Callable[[], int],
        *,
        interval: float = 60,
        backoff_base: float = 5,
        backoff_ceiling: float = 900,
        rng: random.Random | None = None,
    ) -> None:
        self._sync_once = sync_once
        self._pending = pending
        self._interval = interval
        self._backoff_base = backoff_base
        self._backoff_ceiling = backoff_ceiling
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self._lock = threading.Lock()  # one sync at a time, whoever asks
        self._status_lock = threading.Lock()
        self._status = SyncStatus()
        self._listeners: list[Callable[[SyncStatus], None]] = []
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._started = False
        self._closing = False
        # APScheduler's shutdown holds its job-store lock while it waits for a running sync; a sync that then asks
        # the scheduler for anything (a retry, a pause) would wait on that lock for ever. Every such call and the
        # start of closing go through this lock, so once closing has begun no sync calls into the scheduler.
        self._calls = threading.Lock()

    def start(self) -> None:
        """Start the schedule: a first sync at once, then every interval."""
        self._set(pending=self._pending())
        self._scheduler.add_job(
            self._regular_run,
            IntervalTrigger(seconds=self._interval, timezone=UTC),
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()
        self._started = True
        self._run_at(datetime.now(UTC))

    def _run_at(self, when: datetime) -> None:
        """(Re)set the one-off run (not once closing began: a sync finishing during shutdown schedules nothing)."""
        with self._calls:
            if self._closing or not self._scheduler.running:
                return
            self._scheduler.add_job(
                self._run,
                DateTrigger(run_date=when, timezone=UTC),
                id=SOON_ID,
                replace_existing=True,
                misfire_grace_time=None,
            )

    def _regular_run(self) -> None:
        status = self.status()
        if status.failures == 0 and not status.stopped:
            self._run()

    def close(self) -> None:
        """Stop the schedule, waiting for a sync in progress to finish."""
        with self._calls:
            self._closing = True
        if self._started:
            self._scheduler.shutdown(wait=True)
            self._started = False

    def on_change(self, listener: Callable[[SyncStatus], None]) -> None:
        """Call `listener` with the new status whenever it changes (from the sync thread)."""
        self._listeners.append(listener)

    def status(self) -> SyncStatus:
        """The current status."""
        with self._status_lock:
            return self._status

    def request_sync(self, *_: Any) -> None:
        """Sync as soon as possible (after a punch). Ignored while backing off or stopped: the backoff stands."""
        status = self.status()
        self._set(pending=self._pending())
        if status.stopped or status.failures > 0 or not self._started:
            return
        self._run_at(datetime.now(UTC))

    def resume(self) -> None:
        """Start retrying again after a stop (for example once the kiosk was re-provisioned)."""
        self._set(stopped=False, failures=0)
        if self._started:
            with self._calls:
                if self._closing:
                    return
                self._scheduler.resume_job(JOB_ID)
            self._run_at(datetime.now(UTC))

    def sync_now(self) -> SyncStatus:
        """Run one sync in the caller's thread (the supervisor's "sync now"), unless one is running already."""
        self._run()
        return self.status()

    def _run(self) -> None:
        if self.status().stopped or not self._lock.acquire(blocking=False):
            return
        try:
            self._set(running=True)
            try:
                pushed, pulled = self._sync_once()
            except Exception as error:  # every failure is reported in the status; none may kill the job
                self._failed(error)
                return
            finished = datetime.now(UTC)
            problem, kind = None, None
            if pushed.conflicts or pushed.rejected:
                kind = ErrorKind.CONFLICT
                problem = f"{len(pushed.conflicts)} conflicting and {len(pushed.rejected)} refused records set aside"
            faces = pulled.templates_added + pulled.templates_removed + pulled.erasures + pulled.key_versions
            self._set(
                faces_changed=self.status().faces_changed + (1 if faces else 0),
                last_success=finished,
                last_error=problem,
                last_error_kind=kind,
                failures=0,
                pending=self._pending(),
                next_attempt=self._next_run(),
            )
        finally:
            self._set(running=False)
            self._lock.release()

    def _failed(self, error: Exception) -> None:
        kind = classify(error)
        failures = self.status().failures + 1
        message = str(error) or type(error).__name__
        if kind is ErrorKind.AUTH:
            log.error("sync stopped: %s", message)
            with self._calls:
                if self._started and not self._closing:
                    self._scheduler.pause_job(JOB_ID)
            self._set(
                last_error=f"stopped retrying: {message}",
                last_error_kind=kind,
                failures=failures,
                stopped=True,
                next_attempt=None,
                pending=self._pending(),
            )
            return
        if kind is ErrorKind.OTHER:
            log.error("sync failed", exc_info=error)
        else:
            log.warning("sync failed (%s): %s", kind.value, message)
        delay = backoff_delay(failures, base=self._backoff_base, ceiling=self._backoff_ceiling, rng=self._rng)
        next_attempt = datetime.now(UTC) + timedelta(seconds=delay)
        if self._started:
            self._run_at(next_attempt)
        self._set(
            last_error=message,
            last_error_kind=kind,
            failures=failures,
            next_attempt=next_attempt,
            pending=self._pending(),
        )

    def _next_run(self) -> datetime | None:
        if not self._started:
            return None
        job = self._scheduler.get_job(JOB_ID)
        return None if job is None else job.next_run_time

    def _set(self, **changes: Any) -> None:
        with self._status_lock:
            self._status = replace(self._status, **changes)
            status = self._status
        for listener in self._listeners:
            listener(status)
