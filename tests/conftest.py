"""Fixtures for the whole suite: nothing a test does may touch the developer's real data folder or keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import keyring.backend
import keyring.errors
import pytest

from kiosk.store.secrets import CREDENTIALS_VARIABLE, KEY_FILE_VARIABLE

if TYPE_CHECKING:
    from kiosk.vision.encodings import FaceEncoder

# The central PostgreSQL (sync and head-office tests) and a Secret Service (the secret store) start only when asked for.
pytest_plugins = ["tests.central_database", "tests.secret_service"]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives and dies with one test."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the data folder, the keyring, the secrets key file and head office's key file at throwaway ones for
    every test."""
    monkeypatch.setenv("TIMECLOCK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path_factory.mktemp("secrets-key") / "secrets.key"))
    monkeypatch.setenv("TIMECLOCK_HEAD_OFFICE_KEY", str(tmp_path_factory.mktemp("head-office") / "head-office.key"))
    monkeypatch.delenv(CREDENTIALS_VARIABLE, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    """The isolated keyring of this test."""
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    return backend


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "kiosk-data"


@pytest.fixture(scope="module")
def face_data() -> Path:
    """The shared face data folder; fails (never skips) with where it looked."""
    from tests.vision.conftest import faces_root

    root = faces_root()
    if not (root / "README.md").is_file():
        pytest.fail(f"face test data not found at {root} (set TIMECLOCK_FACES to its folder)")
    return root


@pytest.fixture(scope="module")
def encoder() -> Iterator[FaceEncoder]:
    """A face encoder on the verified landmark model."""
    # Imported here: loading the vision stack is not every test's business.
    from kiosk.vision.encodings import FaceEncoder
    from kiosk.vision.models import default_model_path, is_valid_model

    model = default_model_path()
    if not is_valid_model(model):
        pytest.fail(f"face-landmark model missing or corrupt at {model}: run `python main.py fetch-models`")
    with FaceEncoder(model_path=model) as face_encoder:
        yield face_encoder
