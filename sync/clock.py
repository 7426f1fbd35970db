"""Trusted time: the server's clock carried forward on the kiosk's monotonic clock (DESIGN.md section 5).

Each sync asks the server for `clock_timestamp()` and notes the monotonic clock just before and just after; the
server read its clock somewhere in that round trip, so the midpoint is the best estimate of when, and half the
round trip bounds the error. From then on, anchored time = server time + (monotonic now - monotonic midpoint):
whatever happens to the PC's wall clock (a flat CMOS battery, a user changing it, NTP stepping it), the monotonic
clock keeps counting real seconds. A punch records both clocks and is flagged when they differ by more than the
tolerance or the PC's clock went backwards since the previous reading.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from kiosk.domain.punches import ClockFacts

log = logging.getLogger(__name__)

TOLERANCE = timedelta(seconds=120)
BACKWARDS_SLACK = timedelta(seconds=1)  # smaller steps are NTP slewing noise, not a clock set back


@dataclass(frozen=True, slots=True)
class Anchor:
    """One measurement of the server's clock.

    Attributes:
        server_time: the server's clock_timestamp() (UTC).
        monotonic: the kiosk's monotonic clock at the midpoint of the round trip, in seconds.
        round_trip: how long the query took; half of it bounds the error of the anchor.
    """

    server_time: datetime
    monotonic: float
    round_trip: float

    def now(self, monotonic: float) -> datetime:
        """The server's time at the given monotonic reading."""
        return self.server_time + timedelta(seconds=monotonic - self.monotonic)


def measure_server_clock(
    connection: psycopg.Connection[Any], monotonic: Callable[[], float] = time.monotonic
) -> Anchor:
    """Ask the server for its clock; the anchor is the midpoint of the round trip."""
    before = monotonic()
    row = connection.execute("SELECT clock_timestamp()").fetchone()
    after = monotonic()
    if row is None or not isinstance(row[0], datetime):
        raise RuntimeError("the server returned no clock reading")
    return Anchor(server_time=row[0].astimezone(UTC), monotonic=(before + after) / 2, round_trip=after - before)


class AnchoredClock:
    """A time source for punches: the PC's clock and the server-anchored time, with the suspicion flag.

    It satisfies the services' time-source interface (`clock_facts()`). Thread-safe: the sync worker updates the
    anchor while the punch path reads it.

    Args:
        wall: the PC's clock (UTC, aware); injectable so tests can set it wrong or step it back.
        monotonic: the monotonic clock in seconds.
        tolerance: how far the PC's clock may be from the anchored time before punches are flagged.
    """

    def __init__(
        self,
        *,
        wall: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        tolerance: timedelta = TOLERANCE,
    ) -> None:
        self._wall = wall if wall is not None else (lambda: datetime.now(UTC))
        self._monotonic = monotonic
        self._tolerance = tolerance
        self._lock = threading.Lock()
        self._anchor: Anchor | None = None
        self._last_wall: datetime | None = None
        self._last_monotonic: float | None = None

    @property
    def anchor(self) -> Anchor | None:
        """The current anchor (None before the first successful sync)."""
        with self._lock:
            return self._anchor

    def update(self, anchor: Anchor) -> None:
        """Take a new measurement. A worse one (longer round trip) replaces the old only if the old has aged, so a
        slow link at one sync does not undo a precise earlier anchor."""
        with self._lock:
            old = self._anchor
            if old is not None and anchor.round_trip > old.round_trip * 4 and anchor.monotonic - old.monotonic < 3600:
                log.debug("keeping the earlier clock anchor (round trip %.3f s)", old.round_trip)
                return
            self._anchor = anchor
        skew = (self._wall() - anchor.now(self._monotonic())).total_seconds()
        log.info("server clock anchored (round trip %.3f s, PC clock off by %+.1f s)", anchor.round_trip, skew)

    def sync_with(self, connection: psycopg.Connection[Any]) -> Anchor:
        """Measure the server's clock on `connection` and take it as the anchor."""
        anchor = measure_server_clock(connection, self._monotonic)
        self.update(anchor)
        return anchor

    def clock_facts(self) -> ClockFacts:
        """What the kiosk knows about the time now."""
        with self._lock:
            monotonic = self._monotonic()
            wall = self._wall()
            went_back = False
            if self._last_wall is not None and self._last_monotonic is not None:
                # The wall clock should have advanced by about as much as the monotonic clock did.
                expected = self._last_wall + timedelta(seconds=monotonic - self._last_monotonic)
                went_back = wall < self._last_wall - BACKWARDS_SLACK or wall < expected - self._tolerance
            self._last_wall, self._last_monotonic = wall, monotonic
            anchored = None if self._anchor is None else self._anchor.now(monotonic)
        suspect = went_back or (anchored is not None and abs(wall - anchored) > self._tolerance)
        if suspect:
            log.warning("PC clock suspect: PC %s, anchored %s, went back: %s", wall, anchored, went_back)
        return ClockFacts(pc_time=wall, anchored_time=anchored, suspect=suspect)
