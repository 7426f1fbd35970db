from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.services.enrolment import BiometricEnrolment
from kiosk.store.secrets import SecretStore
from kiosk.vision.encodings import FaceEncoder
from kiosk.vision.models import default_model_path, is_valid_model
from tests.conftest import MemoryKeyring
from tests.support import KioskWorld, make_world
from tests.vision.conftest import faces_root


@pytest.fixture
def world(tmp_path: Path) -> Iterator[KioskWorld]:
    kiosk = make_world(tmp_path / "kiosk.db")
    yield kiosk
    kiosk.close()


@pytest.fixture(scope="module")
def face_data() -> Path:
    """The shared face data folder; fails (never skips) with where it looked."""
    root = faces_root()
    if not (root / "README.md").is_file():
        pytest.fail(f"face test data not found at {root} (set TIMECLOCK_FACES to its folder)")
    return root


@pytest.fixture(scope="module")
def encoder() -> Iterator[FaceEncoder]:
    """A face encoder on the verified landmark model."""
    model = default_model_path()
    if not is_valid_model(model):
        pytest.fail(f"face-landmark model missing or corrupt at {model}: run `python main.py fetch-models`")
    with FaceEncoder(model_path=model) as face_encoder:
        yield face_encoder


@pytest.fixture
def enrolment(world: KioskWorld, memory_keyring: MemoryKeyring) -> BiometricEnrolment:
    """Enrolment on the test's database, with its isolated keyring."""
    return BiometricEnrolment(world.database, SecretStore(memory_keyring), world.time)
