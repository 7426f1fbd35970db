"""Recognising the kiosk user on real clips: enrolled from one part of a clip, recognised on another, a stranger not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.services.enrolment import BiometricEnrolment, EnrolmentSample, EnrolmentSession
from kiosk.services.recognition import FaceRecogniser
from kiosk.vision.encodings import FaceEncoder
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face
from kiosk.vision.models import default_model_path
from kiosk.vision.recognition import ConfirmedMatch

HEAD_TURN = "video/headturn_live_tranvanluyt_real.mp4"
STRANGER = "video/live_zubair_real.webm"


def _frames(path: Path, first: int, last: int, step: int) -> Iterator[tuple[float, np.ndarray, object]]:
    """(time in s, RGB frame, the user's face or None) for frames first..last (every `step`-th) of a clip."""
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"cannot open {path}"
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    with FaceLandmarkDetector(RunningMode.VIDEO, model_path=default_model_path()) as detector:
        index = -1
        while index < last:
            ok, frame = capture.read()
            if not ok:
                break
            index += 1
            if index < first or (index - first) % step:
                continue
            rgb = np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), dtype=np.uint8)
            at = index / fps
            yield at, rgb, pick_user_face(detector.detect_for_video(rgb, int(at * 1000)))
    capture.release()


@pytest.fixture(scope="module")
def clip_samples(encoder: FaceEncoder, face_data: Path) -> list[EnrolmentSample]:
    """Enrolment samples (frontal, left, right) taken from the first 400 frames of the head-turn clip."""
    session = EnrolmentSession(encoder)
    for at, rgb, face in _frames(face_data / HEAD_TURN, 0, 400, 3):
        session.offer(rgb, face, at)  # type: ignore[arg-type]
        if session.complete:
            break
    assert session.complete
    return list(session.samples)


def _enrol(enrolment: BiometricEnrolment, samples: list[EnrolmentSample], employee: str) -> None:
    enrolment.enrol(employee, samples, enrolled_by="Lim", consent_recorded_by="Lim")


def _run(recogniser: FaceRecogniser, clip: Path, first: int, last: int) -> list[ConfirmedMatch]:
    recogniser.prepare()
    confirmed = []
    for at, rgb, face in _frames(clip, first, last, 2):
        if face is not None:
            found = recogniser.identify(rgb, face, at)  # type: ignore[arg-type]
            if found is not None:
                confirmed.append(found)
    return confirmed


def test_the_enrolled_person_is_recognised_and_a_stranger_is_not(
    enrolment: BiometricEnrolment, encoder: FaceEncoder, face_data: Path, clip_samples: list[EnrolmentSample]
) -> None:
    _enrol(enrolment, clip_samples, "E1")
    other = encoder.sample_from_file(face_data / "people/barack_obama/fr_obama.jpg")
    _enrol(enrolment, [EnrolmentSample("frontal", other.encoding)], "E2")
    recogniser = FaceRecogniser(enrolment, encoder)

    # The end of the clip (frames 500-620, the person facing the camera again) was not used for enrolment.
    same_person = _run(recogniser, face_data / HEAD_TURN, 500, 620)
    stranger = _run(recogniser, face_data / STRANGER, 0, 100)

    assert same_person, "the enrolled person was never confirmed"
    assert {match.employee_id for match in same_person} == {"E1"}
    assert all(match.distance < recogniser.policy.threshold for match in same_person)
    assert all(match.margin >= recogniser.policy.margin for match in same_person)
    assert stranger == []


def test_a_deletion_counts_from_the_next_attempt(
    enrolment: BiometricEnrolment, encoder: FaceEncoder, face_data: Path, clip_samples: list[EnrolmentSample]
) -> None:
    _enrol(enrolment, clip_samples, "E1")
    recogniser = FaceRecogniser(enrolment, encoder)
    assert _run(recogniser, face_data / HEAD_TURN, 500, 560)

    enrolment.delete_biometrics("E1", deleted_by="Lim")

    assert _run(recogniser, face_data / HEAD_TURN, 500, 560) == []
    assert recogniser.last_result is not None
    assert recogniser.last_result.employee is None


def test_frames_that_fail_a_quality_gate_do_not_vote(
    enrolment: BiometricEnrolment, encoder: FaceEncoder, face_data: Path, clip_samples: list[EnrolmentSample]
) -> None:
    _enrol(enrolment, clip_samples, "E1")
    recogniser = FaceRecogniser(enrolment, encoder)
    recogniser.prepare()
    votes = []
    for at, rgb, face in _frames(face_data / HEAD_TURN, 500, 560, 2):
        if face is not None:
            dark = (rgb * 0.2).astype(np.uint8)
            votes.append(recogniser.identify(dark, face, at))  # type: ignore[arg-type]

    assert votes
    assert all(vote is None for vote in votes)
    assert "light" in recogniser.advice
    assert recogniser.last_result is None
