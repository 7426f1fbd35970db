"""Where data lives and how secrets are kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from keyring.backends import fail

from kiosk.domain.errors import EnvironmentProblem
from kiosk.store.location import data_dir, database_path
from kiosk.store.secrets import NO_BACKEND, SecretStore
from tests.conftest import MemoryKeyring


def test_data_dir_prefers_the_setting_then_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMECLOCK_DATA_DIR", str(tmp_path / "from-env"))
    assert data_dir(tmp_path / "from-setting") == (tmp_path / "from-setting").resolve()
    assert data_dir() == (tmp_path / "from-env").resolve()
    assert database_path() == (tmp_path / "from-env").resolve() / "kiosk.db"


def test_without_setting_or_environment_the_platform_folder_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIMECLOCK_DATA_DIR")
    assert data_dir().name == "timeclock-kiosk"


def test_a_secret_is_made_once_and_then_kept(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    first = store.get_or_create("pin-pepper")
    assert len(first) == 64
    assert store.get_or_create("pin-pepper") == first
    assert memory_keyring.secrets == {("timeclock-kiosk", "pin-pepper"): first}
    store.delete("pin-pepper")
    assert store.get("pin-pepper") is None
    store.delete("pin-pepper")  # deleting what is gone is not an error


def test_no_keyring_backend_is_said_plainly_and_nothing_is_written() -> None:
    store = SecretStore(backend=fail.Keyring())  # type: ignore[no-untyped-call]
    attempts: list[Callable[[], object]] = [
        lambda: store.get("x"),
        lambda: store.put("x", "y"),
        lambda: store.get_or_create("x"),
    ]
    for attempt in attempts:
        with pytest.raises(EnvironmentProblem) as caught:
            attempt()
        assert str(caught.value) == NO_BACKEND
