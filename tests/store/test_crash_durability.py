"""Power-cut durability: kill a process that records punches with SIGKILL at random moments, many times over.

Every punch the process acknowledged must still be there and the file must pass `PRAGMA integrity_check`. The
default run kills it 20 times; the slow set does it 200 times (python run.py test -m slow).
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from kiosk.store import repository
from kiosk.store.database import Database
from tests.support import make_world

ROOT = Path(__file__).resolve().parents[2]


def run_and_kill(path: Path, rng: random.Random) -> set[uuid.UUID]:
    """Start the writer, let it run for a random while, SIGKILL it; return the punch ids it acknowledged."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_writer", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert child.stdout is not None
    acknowledged: set[uuid.UUID] = set()
    buffer = b""
    selector = selectors.DefaultSelector()
    selector.register(child.stdout, selectors.EVENT_READ)
    # Wait for the first acknowledgement (start-up), then kill at a random moment of the writing.
    deadline = None
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            break
        timeout = 30.0 if deadline is None else max(0.0, deadline - time.monotonic())
        if not selector.select(timeout):
            if deadline is None:
                child.kill()
                raise AssertionError(
                    f"the writer never acknowledged a punch: {child.stderr.read().decode() if child.stderr else ''}"
                )
            break
        chunk = os.read(child.stdout.fileno(), 65536)
        if not chunk:
            raise AssertionError(
                f"the writer stopped by itself: {child.stderr.read().decode() if child.stderr else ''}"
            )
        buffer += chunk
        if deadline is None:
            deadline = time.monotonic() + rng.uniform(0.0, 0.4)
    child.send_signal(signal.SIGKILL)
    child.wait()
    buffer += child.stdout.read()  # lines written before the kill still count: they were acknowledged
    selector.close()
    child.stdout.close()
    if child.stderr:
        child.stderr.close()
    for line in buffer.decode().splitlines(keepends=True):
        if line.startswith("ACK ") and line.endswith("\n"):
            acknowledged.add(uuid.UUID(line[4:].strip()))
    return acknowledged


def kill_many_times(tmp_path: Path, kills: int) -> None:
    path = tmp_path / "kiosk.db"
    make_world(path).close()
    rng = random.Random(20261121)
    acknowledged: set[uuid.UUID] = set()
    for _ in range(kills):
        acknowledged |= run_and_kill(path, rng)
    database = Database(path)
    try:
        assert database.integrity_check() == "ok"
        with database.read() as session:
            stored = {punch.id for punch in repository.all_punches(session, "C1")}
    finally:
        database.close()
    assert len(acknowledged) > kills
    missing = acknowledged - stored
    assert not missing, f"{len(missing)} acknowledged punches were lost"


def test_acknowledged_punches_survive_sigkill(tmp_path: Path) -> None:
    kill_many_times(tmp_path, kills=20)


@pytest.mark.slow
@pytest.mark.timeout(3600)  # each kill starts a fresh Python process: minutes on a loaded 2-core machine
def test_acknowledged_punches_survive_200_sigkills(tmp_path: Path) -> None:
    kill_many_times(tmp_path, kills=200)
