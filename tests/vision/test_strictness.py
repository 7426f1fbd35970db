"""The supervisor's Relaxed / Normal / Strict settings: each level changes who is recognised and what liveness asks."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.store.device_settings import STRICTNESS
from kiosk.vision.liveness import LivenessMode
from kiosk.vision.matcher import ENCODING_SIZE, MatchPolicy, MatchReason, TemplateGallery
from kiosk.vision.strictness import LEVELS, liveness_for, matching_for


def _at(base: np.ndarray, direction: int, distance: float) -> np.ndarray:
    """A point `distance` away from `base` along one axis (axes are orthogonal, so distances add up exactly)."""
    step = np.zeros(ENCODING_SIZE)
    step[direction] = distance
    return base + step


def test_the_levels_are_the_ones_the_settings_store() -> None:
    assert LEVELS == STRICTNESS


@pytest.mark.parametrize(
    ("level", "employee", "reason"),
    [("relaxed", "E1", MatchReason.MATCH), ("normal", "E1", MatchReason.MATCH), ("strict", None, MatchReason.TOO_FAR)],
)
def test_face_matching_strictness_moves_the_distance_limit(
    level: str, employee: str | None, reason: MatchReason
) -> None:
    probe = np.full(ENCODING_SIZE, 0.08)
    gallery = TemplateGallery([("E1", _at(probe, 0, 0.47)), ("E2", _at(probe, 1, 0.95))])
    result = gallery.identify(probe, matching_for(level))
    assert (result.employee, result.reason) == (employee, reason)


@pytest.mark.parametrize(
    ("level", "employee", "reason"),
    [
        ("relaxed", "E1", MatchReason.MATCH),
        ("normal", None, MatchReason.AMBIGUOUS),
        ("strict", None, MatchReason.AMBIGUOUS),
    ],
)
def test_face_matching_strictness_moves_the_margin_to_the_next_employee(
    level: str, employee: str | None, reason: MatchReason
) -> None:
    probe = np.full(ENCODING_SIZE, 0.08)
    # E1 at 0.40 (inside every level's limit), E2 0.07 farther: enough margin for Relaxed only.
    gallery = TemplateGallery([("E1", _at(probe, 0, 0.40)), ("E2", _at(probe, 1, 0.47))])
    result = gallery.identify(probe, matching_for(level))
    assert (result.employee, result.reason) == (employee, reason)


def test_normal_matching_is_the_measured_rule() -> None:
    assert matching_for("normal") == MatchPolicy()
    assert matching_for("strict").threshold < MatchPolicy().threshold < matching_for("relaxed").threshold


def test_liveness_strictness_chooses_the_mode_and_the_step_time() -> None:
    """Relaxed asks no step, Normal one step when the model is unsure, Strict two steps always."""
    configs = [config for _, config in map(liveness_for, LEVELS)]
    assert [config.mode for config in configs] == [LivenessMode.PASSIVE, LivenessMode.NORMAL, LivenessMode.STRICT]
    assert [(mode.steps_always, mode.steps_when_uncertain) for mode in LivenessMode] == [(0, 0), (0, 1), (2, 2)]
    assert [config.step_time_limit_s for config in configs] == [6.0, 6.0, 5.0]
    assert {steps for steps, _ in map(liveness_for, LEVELS)} == {2}


@pytest.mark.parametrize("function", [liveness_for, matching_for])
def test_an_unknown_level_is_refused(function: object) -> None:
    with pytest.raises(RuleViolation, match="must be one of relaxed, normal, strict"):
        function("paranoid")  # type: ignore[operator]
