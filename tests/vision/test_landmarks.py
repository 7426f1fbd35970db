"""Face landmarks, head pose and the choice of the kiosk user's face, on real photos and clips."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.commands import vision as vision_commands
from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.vision.landmarks import (
    LANDMARK_COUNT,
    FaceLandmarkDetector,
    FaceObservation,
    RunningMode,
    pick_user_face,
)

NOSE_TIP, RIGHT_CHEEK, LEFT_CHEEK = 1, 234, 454
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
FOREHEAD, CHIN = 10, 152


def _rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path}"
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def image_detector(model_path: Path) -> Iterator[FaceLandmarkDetector]:
    with FaceLandmarkDetector(RunningMode.IMAGE, max_faces=6, model_path=model_path) as detector:
        yield detector


def test_one_photo_gives_one_complete_observation(image_detector: FaceLandmarkDetector, faces_dir: Path) -> None:
    image = _rgb(faces_dir / "people/barack_obama/fr_obama.jpg")
    height, width = image.shape[:2]

    faces = image_detector.detect(image)

    assert len(faces) == 1
    face = faces[0]
    assert face.landmarks.shape == (LANDMARK_COUNT, 3)
    assert face.landmarks.dtype == np.float32
    assert not face.landmarks.flags.writeable
    assert face.transform.shape == (4, 4)
    assert len(face.blendshapes) == 52
    assert 0.0 <= face.blendshape("eyeBlinkLeft") <= 1.0
    top, right, bottom, left = face.box
    assert 0 <= left < right <= width
    assert 0 <= top < bottom <= height
    # The box is the landmarks' extent, so every landmark lies in it (up to the rounding outwards).
    assert face.landmarks[:, 0].min() >= left - 1
    assert face.landmarks[:, 0].max() <= right + 1
    assert face.box_width > width * 0.2
    assert abs(face.yaw) < 20
    assert abs(face.roll) < 20


def test_several_faces_are_found_and_the_largest_is_the_user(
    image_detector: FaceLandmarkDetector, faces_dir: Path
) -> None:
    # In this 2000 x 1428 photo both faces are too small for one whole-picture pass: the tiles find them.
    faces = image_detector.detect(_rgb(faces_dir / "people/_multi_face/fr_obama_and_biden.jpg"))

    assert len(faces) == 2
    chosen = pick_user_face(faces)
    assert chosen is not None
    # The two faces are within the size tie, so the one nearer the picture's centre is chosen.
    other = faces[1] if chosen is faces[0] else faces[0]
    assert chosen.area >= 0.9 * other.area
    assert abs(chosen.center[0] - 1000) < abs(other.center[0] - 1000)
    assert faces[0].box[3] > faces[1].box[1] or faces[1].box[3] > faces[0].box[1]  # side by side, not duplicates


def test_small_faces_are_searched_on_request(image_detector: FaceLandmarkDetector, faces_dir: Path) -> None:
    image = _rgb(faces_dir / "people/_multi_face/deepface_selfie-many-people.jpg")
    whole_picture = image_detector.detect(image)
    with_tiles = image_detector.detect(image, find_small_faces=True)
    assert len(with_tiles) > len(whole_picture) >= 1


def _synthetic_face(box: tuple[int, int, int, int], frame: tuple[int, int] = (640, 480)) -> FaceObservation:
    top, right, bottom, left = box
    points = np.zeros((LANDMARK_COUNT, 3), dtype=np.float32)
    points[0, :2], points[1, :2] = (left, top), (right, bottom)
    return FaceObservation(points, {}, np.eye(4, dtype=np.float32), 0.0, 0.0, 0.0, box, *frame)


def test_faces_of_about_the_same_size_go_to_the_most_central() -> None:
    off_centre = _synthetic_face((100, 200, 200, 100))  # 100 x 100, far from the centre
    central = _synthetic_face((190, 365, 285, 270))  # 95 x 95, at the centre: within the size tie
    small_central = _synthetic_face((200, 350, 260, 290))

    assert pick_user_face([off_centre, central, small_central]) is central
    assert pick_user_face([off_centre, small_central]) is off_centre
    assert pick_user_face([]) is None


def test_small_frames_are_upscaled_and_mapped_back(model_path: Path, faces_dir: Path) -> None:
    capture = cv2.VideoCapture(str(faces_dir / "video/dinoman_example_2blinks.mp4"))
    ok, frame = capture.read()
    capture.release()
    assert ok
    with FaceLandmarkDetector(RunningMode.VIDEO, model_path=model_path) as detector:
        faces = detector.detect_for_video(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), 0)
    assert len(faces) == 1
    top, right, bottom, left = faces[0].box
    assert (faces[0].frame_width, faces[0].frame_height) == (96, 128)
    assert 0 <= left < right <= 96
    assert 0 <= top < bottom <= 128
    assert faces[0].box_width > 30


def test_head_pose_signs_agree_with_the_landmarks(model_path: Path, faces_dir: Path) -> None:
    """Yaw follows the nose's offset, pitch the forehead/chin depth, roll the eye corners' heights."""
    capture = cv2.VideoCapture(str(faces_dir / "video/headturn_live_tranvanluyt_real.mp4"))
    checked = {"yaw": 0, "pitch": 0, "roll": 0}
    with FaceLandmarkDetector(RunningMode.VIDEO, model_path=model_path) as detector:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            faces = detector.detect_for_video(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), index * 33)
            index += 1
            if index % 5 or not faces:
                continue
            face, points = faces[0], faces[0].landmarks
            face_width = points[LEFT_CHEEK, 0] - points[RIGHT_CHEEK, 0]
            nose_offset = (points[NOSE_TIP, 0] - (points[LEFT_CHEEK, 0] + points[RIGHT_CHEEK, 0]) / 2) / face_width
            if abs(face.yaw) > 15:
                assert np.sign(face.yaw) == np.sign(nose_offset), (index, face.yaw, nose_offset)
                checked["yaw"] += 1
            if abs(face.pitch) > 15:
                # Looking up brings the chin nearer the camera than the forehead (smaller z is nearer).
                assert np.sign(face.pitch) == np.sign(points[FOREHEAD, 2] - points[CHIN, 2]), (index, face.pitch)
                checked["pitch"] += 1
            if abs(face.roll) > 8:
                eye_drop = points[LEFT_EYE_OUTER, 1] - points[RIGHT_EYE_OUTER, 1]
                assert np.sign(face.roll) == np.sign(eye_drop), (index, face.roll, eye_drop)
                checked["roll"] += 1
    capture.release()
    assert min(checked.values()) >= 3, checked


def test_wrong_mode_wrong_image_and_closed_detector_are_refused(model_path: Path) -> None:
    detector = FaceLandmarkDetector(RunningMode.VIDEO, model_path=model_path)
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"RunningMode\.IMAGE"):
        detector.detect(frame)
    with pytest.raises(ValueError, match="uint8 RGB"):
        detector.detect_for_video(np.zeros((480, 640), dtype=np.uint8), 0)
    assert detector.detect_for_video(frame, 5) == []
    # A repeated timestamp is moved forward instead of failing inside MediaPipe.
    assert detector.detect_for_video(frame, 5) == []
    detector.close()
    detector.close()
    with pytest.raises(ValueError, match="closed"):
        detector.detect_for_video(frame, 10)


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="fetch-models"):
        FaceLandmarkDetector(model_path=tmp_path / "face_landmarker.task")


def _vision_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    vision_commands.register(parser.add_subparsers())
    return parser


def test_landmarks_command_prints_the_faces_as_json(faces_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _vision_parser().parse_args(
        ["vision", "landmarks", "--image", str(faces_dir / "people/_multi_face/fr_kit_with_rose.jpg")]
    )
    assert args.handler(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["faces"]) == 2
    assert sum(face["user"] for face in report["faces"]) == 1


def test_landmarks_command_refuses_a_file_that_is_not_an_image(tmp_path: Path) -> None:
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("hello")
    for path, code in ((not_image, "image_unreadable"), (tmp_path / "absent.jpg", "image_missing")):
        args = _vision_parser().parse_args(["vision", "landmarks", "--image", str(path)])
        with pytest.raises(RuleViolation) as raised:
            args.handler(args)
        assert raised.value.code == code
