from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import KioskWorld, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[KioskWorld]:
    kiosk = make_world(tmp_path / "kiosk.db")
    yield kiosk
    kiosk.close()
