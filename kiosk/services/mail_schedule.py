"""Sending the mail outbox on a schedule while the kiosk runs (APScheduler 3.x, one background thread).

The outbox is tried every `interval` seconds and as soon as someone asks (after a claim); a round that fails leaves
the mail queued with its own retry pause (see `kiosk.services.mail`), so the schedule only has to keep knocking.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from kiosk.services.mail import Mailer, SendReport

log = logging.getLogger(__name__)

REGULAR_JOB = "mail-regular"
SOON_JOB = "mail-soon"


class MailSchedule:
    """Runs `Mailer.send_due` every `interval` seconds and on request; `close()` stops it.

    Args:
        mailer: the sender.
        interval: seconds between regular rounds (10 to 3600).
        on_report: called with each round's report, from the schedule's thread (for a status line).
    """

    def __init__(
        self, mailer: Mailer, *, interval: float = 60, on_report: Callable[[SendReport], None] | None = None
    ) -> None:
        if not 10 <= interval <= 3600:
            raise ValueError("the mail interval must be 10 to 3600 seconds")
        self._mailer = mailer
        self._interval = interval
        self._on_report = on_report
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._started = False
        self._last: SendReport | None = None
        self._last_lock = threading.Lock()

    def start(self) -> None:
        """A first round at once, then one every interval."""
        self._scheduler.add_job(
            self._round,
            IntervalTrigger(seconds=self._interval, timezone=UTC),
            id=REGULAR_JOB,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()
        self._started = True
        self.request_send()

    def request_send(self) -> None:
        """Try the outbox as soon as possible (after a claim was submitted); ignored before `start()`."""
        if not self._started:
            return
        self._scheduler.add_job(
            self._round,
            DateTrigger(run_date=datetime.now(UTC), timezone=UTC),
            id=SOON_JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )

    @property
    def last_report(self) -> SendReport | None:
        """The report of the latest round, None before the first."""
        with self._last_lock:
            return self._last

    def close(self) -> None:
        """Stop the schedule, waiting for a round in progress."""
        if self._started:
            self._scheduler.shutdown(wait=True)
            self._started = False

    def _round(self) -> None:
        try:
            report = self._mailer.send_due()
        except Exception:  # the database gone, for example: logged, and the next round tries again
            log.exception("mail: a sending round failed")
            return
        with self._last_lock:
            self._last = report
        if self._on_report is not None:
            self._on_report(report)
