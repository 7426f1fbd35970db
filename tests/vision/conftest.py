"""Shared fixtures of the vision tests: where the real face data is, and the verified landmark model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.domain.errors import EnvironmentProblem
from kiosk.vision.antispoof import PassiveFaceScorer
from kiosk.vision.models import (
    ANTISPOOF_MODEL,
    SFACE_MODEL,
    YUNET_MODEL,
    default_model_path,
    fetch_pinned,
    is_valid_model,
    require_pinned,
)

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


def shared_models_root() -> Path:
    """The shared model files: $TIMECLOCK_MODELS, else ../shared/models beside the project root."""
    override = os.environ.get("TIMECLOCK_MODELS")
    return Path(override) if override else (PROJECT_ROOT.parent / "shared" / "models")


@pytest.fixture(scope="session")
def passive_models() -> tuple[Path, Path]:
    """The verified presentation-attack and YuNet models (see `verified_passive_models`)."""
    return verified_passive_models()


def verified_passive_models() -> tuple[Path, Path]:
    """The verified presentation-attack and YuNet models in resources/models/ (the first copied from the shared
    models when missing); fails the test with the fix when either cannot be had."""
    try:
        antispoof = fetch_pinned(
            ANTISPOOF_MODEL, user_file=shared_models_root() / ANTISPOOF_MODEL.filename, use_network=False
        ).path
        yunet = require_pinned(YUNET_MODEL)
    except EnvironmentProblem as problem:
        pytest.fail(f"{problem} (the tests read the shared models from {shared_models_root()})")
    return antispoof, yunet


@pytest.fixture(scope="session")
def passive_scorer(passive_models: tuple[Path, Path]) -> PassiveFaceScorer:
    """The real presentation-attack model on YuNet's box, shared by the tests of a run."""
    return PassiveFaceScorer(*passive_models)


@pytest.fixture(scope="session")
def sface_model() -> Path:
    """The verified SFace recogniser in resources/models/; fails the test with the fix when it is missing."""
    try:
        return require_pinned(SFACE_MODEL)
    except EnvironmentProblem as problem:
        pytest.fail(str(problem))
