"""The server-anchored clock: measured on a real server, carried on the monotonic clock, flags a wrong PC clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg

from sync.clock import Anchor, AnchoredClock, measure_server_clock
from tests.central_database import PostgresServer, utc


class SteppedClock:
    """A wall clock and a monotonic clock a test moves by hand."""

    def __init__(self, wall: datetime) -> None:
        self.wall_time = wall
        self.seconds = 1000.0

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        self.wall_time += timedelta(seconds=seconds)

    def wall(self) -> datetime:
        return self.wall_time

    def monotonic(self) -> float:
        return self.seconds


def test_anchor_from_a_real_server_tracks_its_clock(postgres_server: PostgresServer) -> None:
    clock = AnchoredClock()
    with psycopg.connect(postgres_server.dsn()) as connection:
        anchor = clock.sync_with(connection)
        time.sleep(0.2)
        before = time.monotonic()
        server_now = connection.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]
        after = time.monotonic()
    facts = clock.clock_facts()
    assert facts.anchored_time is not None
    # The anchored time now is the server's time read a moment ago plus what passed since, within the round trips.
    slack = anchor.round_trip + (after - before) + 0.05
    elapsed = time.monotonic() - (before + after) / 2
    assert abs((facts.anchored_time - server_now).total_seconds() - elapsed) < slack
    assert not facts.suspect  # the test machine's clock and the local server's agree


def test_before_the_first_sync_only_the_pc_clock_is_known() -> None:
    stepped = SteppedClock(utc(2026, 3, 2, 8))
    facts = AnchoredClock(wall=stepped.wall, monotonic=stepped.monotonic).clock_facts()
    assert facts.pc_time == utc(2026, 3, 2, 8)
    assert facts.anchored_time is None
    assert not facts.suspect


def test_anchored_time_follows_the_monotonic_clock_not_the_wall() -> None:
    stepped = SteppedClock(utc(2026, 3, 2, 8))
    clock = AnchoredClock(wall=stepped.wall, monotonic=stepped.monotonic)
    clock.update(Anchor(server_time=utc(2026, 3, 2, 8), monotonic=stepped.seconds, round_trip=0.01))
    stepped.advance(3600)
    stepped.wall_time = utc(2025, 1, 1)  # someone sets the PC's clock to last year
    facts = clock.clock_facts()
    assert facts.anchored_time == utc(2026, 3, 2, 9)
    assert facts.pc_time == utc(2025, 1, 1)
    assert facts.suspect


def test_pc_clock_within_tolerance_is_not_flagged_and_beyond_it_is() -> None:
    stepped = SteppedClock(utc(2026, 3, 2, 8, 0) + timedelta(seconds=119))
    clock = AnchoredClock(wall=stepped.wall, monotonic=stepped.monotonic)
    clock.update(Anchor(server_time=utc(2026, 3, 2, 8), monotonic=stepped.seconds, round_trip=0.01))
    assert not clock.clock_facts().suspect
    stepped.wall_time += timedelta(seconds=2)  # now 121 s ahead of the server
    assert clock.clock_facts().suspect


def test_pc_clock_going_backwards_is_flagged_even_without_an_anchor() -> None:
    stepped = SteppedClock(utc(2026, 3, 2, 8))
    clock = AnchoredClock(wall=stepped.wall, monotonic=stepped.monotonic)
    assert not clock.clock_facts().suspect
    stepped.advance(30)
    assert not clock.clock_facts().suspect
    stepped.wall_time -= timedelta(seconds=20)
    assert clock.clock_facts().suspect
    stepped.advance(30)
    assert not clock.clock_facts().suspect  # moving on normally from there is fine


def test_a_slow_measurement_does_not_replace_a_precise_recent_one() -> None:
    stepped = SteppedClock(utc(2026, 3, 2, 8))
    clock = AnchoredClock(wall=stepped.wall, monotonic=stepped.monotonic)
    precise = Anchor(server_time=utc(2026, 3, 2, 8), monotonic=stepped.seconds, round_trip=0.01)
    clock.update(precise)
    stepped.advance(60)
    clock.update(
        Anchor(server_time=utc(2026, 3, 2, 8, 1) + timedelta(seconds=5), monotonic=stepped.seconds, round_trip=2.0)
    )
    assert clock.anchor == precise
    stepped.advance(7200)
    aged = Anchor(server_time=utc(2026, 3, 2, 10, 1), monotonic=stepped.seconds, round_trip=2.0)
    clock.update(aged)
    assert clock.anchor == aged


def test_measurement_uses_the_midpoint_of_the_round_trip(postgres_server: PostgresServer) -> None:
    readings = iter([10.0, 10.5])
    with psycopg.connect(postgres_server.dsn()) as connection:
        anchor = measure_server_clock(connection, lambda: next(readings))
    assert anchor.monotonic == 10.25
    assert anchor.round_trip == 0.5
    assert anchor.server_time.tzinfo is not None
    assert abs(anchor.server_time - datetime.now(UTC)) < timedelta(seconds=5)
