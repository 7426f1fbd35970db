"""Shared fixtures of the vision tests: where the real face data is, and the verified landmark model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.vision.models import default_model_path, is_valid_model

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def faces_root() -> Path:
    """The shared test data: $TIMECLOCK_FACES, else ../shared/faces beside the project root."""
    override = os.environ.get("TIMECLOCK_FACES")
    return Path(override) if override else (PROJECT_ROOT.parent / "shared" / "faces")


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The face data folder; the test fails (never skips) with a clear message when it is missing."""
    root = faces_root()
    if not (root / "README.md").is_file():
        pytest.fail(f"face test data not found at {root} (set TIMECLOCK_FACES to its folder)")
    return root


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The verified face_landmarker.task; fails with the fix when it is missing."""
    path = default_model_path()
    if not is_valid_model(path):
        pytest.fail(f"face-landmark model missing or corrupt at {path}: run `python main.py fetch-models`")
    return path
