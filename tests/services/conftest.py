from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.services.enrolment import BiometricEnrolment
from kiosk.store.secrets import SecretStore
from tests.conftest import MemoryKeyring
from tests.support import KioskWorld, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[KioskWorld]:
    kiosk = make_world(tmp_path / "kiosk.db")
    yield kiosk
    kiosk.close()


@pytest.fixture
def enrolment(world: KioskWorld, memory_keyring: MemoryKeyring) -> BiometricEnrolment:
    """Enrolment on the test's database, with its isolated keyring."""
    return BiometricEnrolment(world.database, SecretStore(memory_keyring), world.time)
