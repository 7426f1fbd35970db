"""Frame-by-frame blink detection scored against the focus_blink labels, and blink counts on real clips.

The focus_blink labels lead the decoded video by one frame: label row k describes decoded frame k+1 (every clip
scores far better with that alignment, e.g. mahie_test_1 frame F1 0.78 unaligned, 0.85 aligned). soniya_test_3 has
more label rows than frames and is not scored frame by frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from kiosk.vision.camera import CameraSource
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face
from kiosk.vision.liveness import BlinkDetector, eye_closure_score


@dataclass(frozen=True)
class BlinkScore:
    f1: float
    accuracy: float
    detected_blinks: int
    labelled_blinks: int


def _labels(path: Path) -> np.ndarray:
    rows = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    return np.array([int(row) for row in rows], dtype=np.int8)


def _closed_runs(labels: np.ndarray) -> int:
    starts = (labels[1:] == 1) & (labels[:-1] == 0)
    return int(starts.sum() + (labels[0] == 1))


def score_clip(clip: Path, model_path: Path, max_frames: int | None = None) -> BlinkScore:
    """Run the detector over the clip and compare it with the aligned labels."""
    labels = _labels(clip.with_name(clip.stem + "_ideal.csv"))
    closed: list[bool] = []
    detector = BlinkDetector()
    with (
        CameraSource(clip, realtime=False) as source,
        FaceLandmarkDetector(RunningMode.VIDEO, model_path=model_path) as landmarks,
    ):
        for frame in source.frames():
            if max_frames is not None and frame.index >= max_frames:
                break
            face = pick_user_face(landmarks.detect_for_video(frame.rgb(), frame.timestamp_ms))
            if face is None:
                detector.missing()
                closed.append(False)
            else:
                closed.append(detector.update(frame.stream_time, eye_closure_score(face.blendshapes)).eyes_closed)
    predicted = np.array(closed[1:])
    expected = labels[: len(closed)][:-1] == 1
    true_positive = int((predicted & expected).sum())
    wrong = int((predicted != expected).sum())
    f1 = 2 * true_positive / (2 * true_positive + wrong) if true_positive + wrong else 1.0
    labelled = _closed_runs(labels[: len(closed)].astype(np.int8))
    return BlinkScore(f1, float((predicted == expected).mean()), len(detector.events), labelled)


def test_dinoman_clip_has_exactly_two_blinks(faces_dir: Path, model_path: Path) -> None:
    detector = BlinkDetector()
    with (
        CameraSource(faces_dir / "video/dinoman_example_2blinks.mp4", realtime=False) as source,
        FaceLandmarkDetector(RunningMode.VIDEO, model_path=model_path) as landmarks,
    ):
        for frame in source.frames():
            # 96 x 128 frames: the detector enlarges them before looking for the face.
            face = pick_user_face(landmarks.detect_for_video(frame.rgb(), frame.timestamp_ms))
            assert face is not None, f"no face in frame {frame.index}"
            detector.update(frame.stream_time, eye_closure_score(face.blendshapes))
    assert len(detector.events) == 2
    first, second = detector.events
    assert first.reopened_at < second.closed_at
    assert all(event.duration < 0.3 for event in detector.events)


def test_first_twenty_seconds_of_a_labelled_clip(faces_dir: Path, model_path: Path) -> None:
    score = score_clip(faces_dir / "video/focus_blink/mahie_test_2.avi", model_path, max_frames=600)
    # Measured on these 600 frames: F1 0.93, accuracy 0.995, 4 of 4 blinks.
    assert score.f1 >= 0.88
    assert score.accuracy >= 0.99
    assert score.detected_blinks == score.labelled_blinks


# Measured on the whole clips (frame F1, blinks found / labelled): mahie 1-3 at 30 fps 0.85 / 0.88 / 0.84 with 8/8,
# 11/11, 8/8; mahie 4-6 at 15-17 fps 0.70 / 0.65 / 0.92 with 9/12, 7/9, 9/9; soniya 5-6 at 6-8 fps 0.45 / 0.62
# with 12/9, 18/17. The bounds below leave a little room around those figures (one blink more or less in the count).
FULL_CLIPS = [
    ("mahie_test_1.avi", 0.80, 0.99, 1),
    ("mahie_test_2.avi", 0.80, 0.99, 1),
    ("mahie_test_3.avi", 0.80, 0.99, 1),
    ("mahie_test_4_low_fps.avi", 0.62, 0.975, 4),
    ("mahie_test_5_low_fps.avi", 0.58, 0.98, 3),
    ("mahie_test_6_low_fps.avi", 0.85, 0.99, 2),
    ("soniya_test_5_low_fps.avi", 0.40, 0.94, 4),
    ("soniya_test_6_low_fps.avi", 0.55, 0.93, 2),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", FULL_CLIPS, ids=[case[0] for case in FULL_CLIPS])
def test_whole_labelled_clips(faces_dir: Path, model_path: Path, case: tuple[str, float, float, int]) -> None:
    clip, min_f1, min_accuracy, count_tolerance = case
    score = score_clip(faces_dir / "video/focus_blink" / clip, model_path)
    assert score.f1 >= min_f1, score
    assert score.accuracy >= min_accuracy, score
    assert abs(score.detected_blinks - score.labelled_blinks) <= count_tolerance, score


def test_detector_needs_open_eyes_before_and_after() -> None:
    detector = BlinkDetector()
    times = np.arange(0, 3.0, 1 / 30)
    # Eyes closed from the start: no blink, since they were never seen open.
    for t in times[:10]:
        detector.update(float(t), 0.7)
    assert detector.events == []
    # Open for a second, then a three-frame closure, then open again: one blink.
    for t in times[10:40]:
        detector.update(float(t), 0.08)
    for t in times[40:43]:
        assert detector.update(float(t), 0.6).eyes_closed
    blink = detector.update(float(times[43]), 0.08).blink
    assert blink is not None
    assert blink.closed_at == pytest.approx(times[40])
    # Eyes shut for a second are not a blink.
    for t in times[44:60]:
        detector.update(float(t), 0.08)
    for t in times[60:90]:
        detector.update(float(t), 0.6)
    assert detector.update(3.0, 0.08).blink is None
    assert len(detector.events) == 1
