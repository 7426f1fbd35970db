"""Scheduling: a sync after each punch and on an interval, backoff on failure, a refused login stops retrying."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.punches import PunchKind
from sync.kiosk_sync import KioskSync, PullReport, PushReport
from sync.scheduler import ErrorKind, SyncScheduler, SyncStatus, backoff_delay
from tests.central_database import CentralDatabase, KioskUnderTest, open_kiosk
from tests.pg import free_port
from tests.sync.test_kiosk_sync import MONDAY


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def company(central: CentralDatabase) -> CentralDatabase:
    central.add_company("stark", sites={"tower": "America/New_York"})
    return central


@pytest.fixture
def kiosk(company: CentralDatabase, tmp_path: Path) -> Iterator[KioskUnderTest]:
    opened = open_kiosk(tmp_path / "kiosk.db", company.add_kiosk("stark", "tower"), now=MONDAY)
    yield opened
    opened.close()


def test_first_sync_at_start_then_one_after_each_punch(kiosk: KioskUnderTest) -> None:
    scheduler = SyncScheduler(kiosk.sync.run_once, kiosk.sync.pending_count, interval=3600)
    kiosk.clock = type(kiosk.clock)(
        kiosk.database,
        company_id=kiosk.profile.company_id,
        site_id=kiosk.profile.site_id,
        kiosk_id=kiosk.profile.kiosk_id,
        time_source=kiosk.time,
        on_recorded=scheduler.request_sync,
    )
    scheduler.start()
    try:
        wait_for(lambda: scheduler.status().last_success is not None, "the first sync")
        first = scheduler.status().last_success
        kiosk.punch("stark-E001", PunchKind.CLOCK_IN)
        wait_for(lambda: scheduler.status().last_success != first, "the sync after the punch", timeout=10)
        wait_for(lambda: scheduler.status().pending == 0, "the outbox to drain")
        status = scheduler.status()
        assert status.last_error is None and status.failures == 0
        assert status.next_attempt is not None  # the hourly run is still scheduled
    finally:
        scheduler.close()


def test_unreachable_server_backs_off_exponentially(kiosk: KioskUnderTest) -> None:
    dead = KioskSync(kiosk.database, replace(kiosk.profile, port=free_port()))
    attempts: list[float] = []

    def attempt() -> tuple[PushReport, PullReport]:
        attempts.append(time.monotonic())
        return dead.run_once()

    scheduler = SyncScheduler(
        attempt, dead.pending_count, interval=3600, backoff_base=0.2, backoff_ceiling=10, rng=random.Random(7)
    )
    scheduler.start()
    try:
        wait_for(lambda: len(attempts) >= 4, "four attempts")
    finally:
        scheduler.close()
        dead.close()
    status = scheduler.status()
    assert status.last_error_kind is ErrorKind.NETWORK
    assert status.failures >= 4
    assert "cannot reach the central database" in (status.last_error or "")
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    # The same seed gives the same jitter: each gap is at least its backoff (the attempt itself only adds to it).
    jitter = random.Random(7)
    expected = [backoff_delay(n, base=0.2, ceiling=10, rng=jitter) for n in (1, 2, 3)]
    for gap, wait in zip(gaps[:3], expected, strict=True):
        assert wait <= gap < wait + 2.0
    assert expected[2] > expected[0]


def test_refused_login_stops_retrying_and_says_so(kiosk: KioskUnderTest) -> None:
    refused = KioskSync(kiosk.database, kiosk.profile.with_password("wrong"))
    attempts: list[float] = []

    def attempt() -> tuple[PushReport, PullReport]:
        attempts.append(time.monotonic())
        return refused.run_once()

    scheduler = SyncScheduler(attempt, refused.pending_count, interval=0.2, backoff_base=0.05)
    scheduler.start()
    try:
        wait_for(lambda: scheduler.status().stopped, "the stop")
        time.sleep(0.6)  # three intervals: a paused job must not run again
        scheduler.request_sync()
    finally:
        scheduler.close()
        refused.close()
    status = scheduler.status()
    assert len(attempts) == 1
    assert status.last_error_kind is ErrorKind.AUTH
    assert (status.last_error or "").startswith("stopped retrying")
    assert status.next_attempt is None


def test_one_sync_at_a_time(kiosk: KioskUnderTest) -> None:
    running = 0
    overlaps = 0
    lock = threading.Lock()

    def counted() -> tuple[PushReport, PullReport]:
        nonlocal running, overlaps
        with lock:
            running += 1
            overlaps += running > 1
        try:
            return kiosk.sync.run_once()
        finally:
            with lock:
                running -= 1

    scheduler = SyncScheduler(counted, kiosk.sync.pending_count, interval=0.05)
    scheduler.start()
    try:
        threads = [threading.Thread(target=scheduler.sync_now) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_for(lambda: scheduler.status().last_success is not None, "a sync")
    finally:
        scheduler.close()
    assert overlaps == 0


def test_status_listeners_hear_every_change(kiosk: KioskUnderTest) -> None:
    heard: list[SyncStatus] = []
    scheduler = SyncScheduler(kiosk.sync.run_once, kiosk.sync.pending_count)
    scheduler.on_change(heard.append)
    scheduler.sync_now()
    assert heard[-1].running is False
    assert any(status.running for status in heard)
    assert heard[-1].last_success is not None


@given(
    failures=st.integers(min_value=1, max_value=60),
    base=st.floats(min_value=0.01, max_value=60),
    ceiling=st.floats(min_value=1, max_value=3600),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_backoff_grows_doubling_within_jitter_and_is_capped(
    failures: int, base: float, ceiling: float, seed: int
) -> None:
    delay = backoff_delay(failures, base=base, ceiling=ceiling, rng=random.Random(seed))
    expected = min(ceiling, base * 2.0 ** (failures - 1))
    assert 0.5 * expected <= delay < 1.5 * expected
