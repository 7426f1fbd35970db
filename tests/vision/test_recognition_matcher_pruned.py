"""The two-pass search of large galleries: its results are those of the plain pass, field for field, to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.vision.matcher import ENCODING_SIZE, PREFILTER_MIN_TEMPLATES, MatchPolicy, MatchReason, TemplateGallery

NEVER = 10**9


def _structured(rng: np.random.Generator, people: int) -> np.ndarray:
    # Real encodings concentrate near a low-dimensional subspace around a common mean; mix a strong subspace part
    # with isotropic noise so that some galleries give tight bounds and others loose ones.
    rank = int(rng.integers(4, 40))
    axes = np.linalg.qr(rng.standard_normal((ENCODING_SIZE, rank)))[0]
    mean = rng.normal(0.0, 0.05, ENCODING_SIZE)
    spread = float(rng.uniform(0.0, 0.06))
    centres: np.ndarray = mean + rng.standard_normal((people, rank)) @ axes.T * 0.09
    centres += rng.normal(0, spread, (people, ENCODING_SIZE))
    return centres


def _gallery_pair(owners: list[int], rows: np.ndarray) -> tuple[TemplateGallery[int], TemplateGallery[int]]:
    pruned = TemplateGallery.from_matrix(owners, rows, prefilter_from=0)
    plain = TemplateGallery.from_matrix(owners, rows, prefilter_from=NEVER)
    return pruned, plain


def _random_gallery(rng: np.random.Generator) -> tuple[list[int], np.ndarray, np.ndarray]:
    people = int(rng.integers(2, 400))
    centres = _structured(rng, people)
    per_person = rng.integers(1, 7, people)
    owners = [person for person, count in enumerate(per_person) for _ in range(count)]
    jitter = float(rng.choice([0.0, 0.01, 0.04, 0.1]))
    rows = centres[owners] + rng.normal(0.0, jitter, (len(owners), ENCODING_SIZE))
    return owners, rows.astype(np.float32), centres


def _probes(rng: np.random.Generator, rows: np.ndarray, centres: np.ndarray) -> list[np.ndarray]:
    probes: list[np.ndarray] = []
    for _ in range(12):
        # Near a template, at distances around the threshold and the margin.
        row = rows[int(rng.integers(len(rows)))]
        step = rng.standard_normal(ENCODING_SIZE)
        probes.append(row + step / np.linalg.norm(step) * rng.uniform(0.0, 0.7))
    # Exactly on a template.
    probes.append(rows[int(rng.integers(len(rows)))].astype(np.float64))
    # Half-way between two people: best and second best almost tied.
    first, second = rng.choice(len(centres), 2, replace=len(centres) < 2)
    probes.append((centres[first] + centres[second]) / 2.0)
    probes.append((rows[0] + rows[-1]) / 2.0 + rng.normal(0.0, 1e-4, ENCODING_SIZE))
    # A stranger from the same population, and one from far away.
    probes.append(_structured(rng, 1)[0])
    probes.append(rng.normal(0.0, 0.3, ENCODING_SIZE))
    return probes


def test_pruned_search_returns_exactly_what_the_plain_search_returns() -> None:
    rng = np.random.default_rng(20261121)
    policies = [MatchPolicy(), MatchPolicy(0.6, 0.0), MatchPolicy(0.3, 0.2), MatchPolicy(1.5, 0.01)]
    reasons: set[MatchReason] = set()
    compared = 0
    for _ in range(150):
        owners, rows, centres = _random_gallery(rng)
        pruned, plain = _gallery_pair(owners, rows)
        for probe in _probes(rng, rows, centres):
            for policy in policies:
                ours = pruned.identify(probe, policy)
                reference = plain.identify(probe, policy)
                # Dataclass equality compares every field: employee, distance, margin, reason, candidate.
                assert ours == reference, (ours, reference)
                reasons.add(ours.reason)
                compared += 1
    assert compared == 150 * 17 * 4
    # The galleries and probes reach every decision, so each branch was compared.
    assert reasons == {MatchReason.MATCH, MatchReason.TOO_FAR, MatchReason.AMBIGUOUS}


def test_exact_ties_between_employees_go_to_the_first_in_gallery_order_in_both_searches() -> None:
    rng = np.random.default_rng(5)
    owners, rows, _ = _random_gallery(rng)
    shared = rows[3].copy()
    # Three more people whose only template is the same vector as row 3, one of them before everybody else.
    tied_owners = [-1, *owners, 10_000, 10_001]
    tied_rows = np.vstack([shared, rows, shared, shared])
    pruned, plain = _gallery_pair(tied_owners, tied_rows)
    for probe in (shared, shared + 0.01, shared + rng.normal(0.0, 0.05, ENCODING_SIZE)):
        ours = pruned.identify(probe, MatchPolicy(0.6, 0.0))
        assert ours == plain.identify(probe, MatchPolicy(0.6, 0.0))
        assert ours.candidate == -1
        assert ours.margin == 0.0


def test_a_large_gallery_is_pruned_by_default_and_agrees_with_face_distances() -> None:
    import face_recognition

    rng = np.random.default_rng(11)
    people = PREFILTER_MIN_TEMPLATES // 4 + 10
    centres = _structured(rng, people)
    owners = [person for person in range(people) for _ in range(4)]
    rows = (centres[owners] + rng.normal(0.0, 0.02, (len(owners), ENCODING_SIZE))).astype(np.float32)
    default = TemplateGallery.from_matrix(owners, rows)
    plain = TemplateGallery.from_matrix(owners, rows, prefilter_from=NEVER)
    assert len(default) >= PREFILTER_MIN_TEMPLATES
    assert default._prefilter is not None
    for person in rng.choice(people, 25, replace=False):
        probe = centres[person] + rng.normal(0.0, 0.02, ENCODING_SIZE)
        ours = default.identify(probe)
        assert ours == plain.identify(probe)
        # Independently of either search: the per-employee minimum of face_recognition's distances.
        distances = face_recognition.face_distance(rows.astype(np.float64), probe)
        per_person = distances.reshape(people, 4).min(axis=1)
        order = np.argsort(per_person)
        assert ours.candidate == int(order[0])
        assert ours.distance == pytest.approx(per_person[order[0]], abs=2e-5)
        assert ours.margin == pytest.approx(per_person[order[1]] - per_person[order[0]], abs=4e-5)


def test_an_exported_gallery_rebuilds_its_prefilter_and_searches_the_same() -> None:
    rng = np.random.default_rng(3)
    owners, rows, centres = _random_gallery(rng)
    original = TemplateGallery.from_matrix([f"E{owner}" for owner in owners], rows, prefilter_from=0)
    exported_owners, matrix = original.export()
    rebuilt = TemplateGallery.from_matrix(exported_owners, matrix, prefilter_from=0)
    plain = TemplateGallery.from_matrix(exported_owners, matrix, prefilter_from=NEVER)
    for probe in _probes(rng, rows, centres):
        assert rebuilt.identify(probe) == original.identify(probe) == plain.identify(probe)


def test_a_negative_prefilter_size_is_refused() -> None:
    rng = np.random.default_rng(2)
    with pytest.raises(RuleViolation, match="prefilter size must not be negative"):
        TemplateGallery([("anna", rng.standard_normal(ENCODING_SIZE))], prefilter_from=-1)
    with pytest.raises(RuleViolation, match="prefilter size must not be negative"):
        TemplateGallery.from_matrix(["anna"], rng.standard_normal((1, ENCODING_SIZE)), prefilter_from=-5)
