"""1:N search and the frame vote: distances against face_recognition's own, the threshold and margin rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.vision.matcher import (
    ENCODING_SIZE,
    MatchPolicy,
    MatchReason,
    MatchResult,
    MatchVoter,
    TemplateGallery,
)


def _unit(rng: np.random.Generator, count: int) -> np.ndarray:
    # Real encodings have a norm near 1 and coordinates of about +-0.1; random unit vectors share that scale.
    rows = rng.standard_normal((count, ENCODING_SIZE))
    unit: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def _near(base: np.ndarray, rng: np.random.Generator, distance: float) -> np.ndarray:
    step = rng.standard_normal(ENCODING_SIZE)
    return base + step / np.linalg.norm(step) * distance


def test_distances_equal_face_recognitions_own() -> None:
    import face_recognition

    rng = np.random.default_rng(7)
    templates = _unit(rng, 500)
    owners = [f"E{index // 5}" for index in range(500)]
    gallery = TemplateGallery.from_matrix(owners, templates)
    probe = _near(templates[123], rng, 0.3)

    ours = np.sqrt(gallery.squared_distances(probe))
    theirs = face_recognition.face_distance(templates, probe)

    np.testing.assert_allclose(ours, theirs, atol=2e-5)
    per_employee = gallery.employee_distances(probe)
    assert gallery.employees[int(np.argmin(per_employee))] == "E24"
    np.testing.assert_allclose(per_employee.min(), theirs.min(), atol=2e-5)


def test_best_and_second_best_are_employees_not_templates() -> None:
    rng = np.random.default_rng(1)
    (anna,) = _unit(rng, 1)
    probe = anna
    # Anna has three templates all close to the probe; a template-level runner-up would be Anna again.
    gallery = TemplateGallery(
        [
            ("anna", _near(anna, rng, 0.20)),
            ("anna", _near(anna, rng, 0.22)),
            ("anna", _near(anna, rng, 0.24)),
            ("ben", _near(anna, rng, 0.45)),
        ]
    )

    result = gallery.identify(probe, MatchPolicy(threshold=0.5, margin=0.1))

    assert result.reason is MatchReason.MATCH
    assert result.employee == "anna"
    assert result.distance == pytest.approx(0.20, abs=1e-4)
    assert result.margin == pytest.approx(0.25, abs=1e-4)


def test_too_close_to_two_employees_is_ambiguous() -> None:
    rng = np.random.default_rng(2)
    (probe,) = _unit(rng, 1)
    gallery = TemplateGallery([("anna", _near(probe, rng, 0.30)), ("ben", _near(probe, rng, 0.33))])

    result = gallery.identify(probe, MatchPolicy(threshold=0.5, margin=0.05))

    assert result.employee is None
    assert result.reason is MatchReason.AMBIGUOUS
    assert result.candidate == "anna"
    assert result.margin == pytest.approx(0.03, abs=1e-4)
    # The same gallery with a margin the gap clears does match.
    assert gallery.identify(probe, MatchPolicy(threshold=0.5, margin=0.02)).employee == "anna"


def test_over_the_threshold_is_too_far_even_with_a_clear_margin() -> None:
    rng = np.random.default_rng(3)
    (probe,) = _unit(rng, 1)
    gallery = TemplateGallery([("anna", _near(probe, rng, 0.55)), ("ben", _near(probe, rng, 1.2))])

    result = gallery.identify(probe, MatchPolicy(threshold=0.5, margin=0.05))

    assert result.employee is None
    assert result.reason is MatchReason.TOO_FAR
    assert result.distance == pytest.approx(0.55, abs=1e-4)


def test_one_employee_has_an_infinite_margin_and_an_empty_gallery_matches_nobody() -> None:
    rng = np.random.default_rng(4)
    (probe,) = _unit(rng, 1)

    alone = TemplateGallery([(17, _near(probe, rng, 0.1))]).identify(probe)
    empty = TemplateGallery[int]([]).identify(probe)

    assert alone.employee == 17
    assert math.isinf(alone.margin)
    assert empty.reason is MatchReason.NO_TEMPLATES
    assert empty.employee is None
    assert math.isinf(empty.distance)


def test_identical_template_gives_distance_zero_not_nan() -> None:
    rng = np.random.default_rng(5)
    templates = _unit(rng, 3)
    gallery = TemplateGallery.from_matrix(["a", "b", "c"], templates)

    result = gallery.identify(templates[1])

    assert result.employee == "b"
    assert result.distance == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(
    ("templates", "code"),
    [
        ([("a", np.zeros(127))], "encoding_shape"),
        ([("a", np.full(ENCODING_SIZE, np.nan))], "encoding_values"),
    ],
)
def test_bad_templates_are_refused(templates: list[tuple[str, np.ndarray]], code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        TemplateGallery(templates)
    assert caught.value.code == code


def test_bad_policies_and_probes_are_refused() -> None:
    with pytest.raises(RuleViolation):
        MatchPolicy(threshold=0.0)
    with pytest.raises(RuleViolation):
        MatchPolicy(margin=-0.1)
    gallery = TemplateGallery([("a", np.zeros(ENCODING_SIZE))])
    with pytest.raises(RuleViolation):
        gallery.identify(np.zeros(64))


def _result(employee: str | None, distance: float = 0.3, margin: float = 0.2) -> MatchResult[str]:
    reason = MatchReason.MATCH if employee else MatchReason.TOO_FAR
    return MatchResult(employee, distance, margin, reason, employee)


def test_vote_confirms_after_the_required_consecutive_frames() -> None:
    voter = MatchVoter[str](required=3, max_gap_s=0.5)

    first = voter.add(_result("anna", 0.30, 0.20), 0.0)
    second = voter.add(_result("anna", 0.35, 0.15), 0.1)
    third = voter.add(_result("anna", 0.32, 0.18), 0.2)

    assert not first.confirmed
    assert not second.confirmed
    assert second.agreeing == 2
    assert third.confirmed
    assert third.employee == "anna"
    # The confirmed figures are the worst of the agreeing frames.
    assert third.distance == pytest.approx(0.35)
    assert third.margin == pytest.approx(0.15)


def test_vote_restarts_on_another_person_a_non_match_or_a_gap() -> None:
    voter = MatchVoter[str](required=2, max_gap_s=0.5)

    voter.add(_result("anna"), 0.0)
    switched = voter.add(_result("ben"), 0.1)
    assert not switched.confirmed
    assert switched.agreeing == 1

    voter.add(_result(None), 0.2)
    after_miss = voter.add(_result("ben"), 0.3)
    assert not after_miss.confirmed

    after_gap = voter.add(_result("ben"), 1.5)
    assert not after_gap.confirmed
    assert voter.add(_result("ben"), 1.6).employee == "ben"

    voter.reset()
    assert not voter.add(_result("ben"), 1.7).confirmed


def test_vote_settings_are_checked() -> None:
    with pytest.raises(RuleViolation):
        MatchVoter[str](required=0)
    with pytest.raises(RuleViolation):
        MatchVoter[str](max_gap_s=0)


def test_a_gallery_survives_export_and_rebuild_across_a_pipe() -> None:
    import pickle

    rng = np.random.default_rng(6)
    templates = _unit(rng, 9)
    owners = ["anna", "anna", "ben", "carl", "carl", "carl", "dora", "dora", "eve"]
    gallery = TemplateGallery(zip(owners, templates, strict=True))

    rebuilt = TemplateGallery.from_matrix(*pickle.loads(pickle.dumps(gallery.export())))

    assert rebuilt.employees == gallery.employees
    assert rebuilt.template_count == 9
    for probe in templates:
        assert rebuilt.identify(probe) == gallery.identify(probe)
