"""Face landmarks, blendshapes and head pose from MediaPipe's FaceLandmarker (Tasks API).

`FaceLandmarkDetector` wraps the task in IMAGE mode (independent photos) or VIDEO mode (frames of one stream, which
lets MediaPipe track the face between frames and is several times cheaper than detecting it anew). Each face found
becomes a `FaceObservation`: plain, frozen data with

- the 478 landmarks in pixels of the frame given (x, y, and z on the same pixel scale, smaller z = nearer),
- the 52 blendshape scores by name (`eyeBlinkLeft`, `mouthSmileRight`, ...; Left/Right are the person's own sides),
- the 4x4 facial transformation matrix (canonical face model -> camera space, centimetres) and the head's yaw, pitch
  and roll in degrees derived from it,
- the face box in pixels as (top, right, bottom, left), clipped to the frame, ready to be passed to
  `face_recognition.face_encodings(image, known_face_locations=[box])`.

Head-pose signs, as seen in an unmirrored camera image: yaw > 0 when the person turns their head to their own left
(the nose moves to the image's right), pitch > 0 when they look up, roll > 0 when the head tilts towards their own
left shoulder (the image's right). These were checked against the landmarks themselves, see
tests/vision/test_landmarks.py.

Frames smaller than `upscale_below` pixels on their short side are enlarged before detection (MediaPipe misses small
faces) and the results are mapped back to the original pixels.
"""

from __future__ import annotations

import enum
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any

import cv2
import mediapipe as mp
import numpy as np
import numpy.typing as npt
from mediapipe.tasks.python import BaseOptions, vision

from kiosk.vision.models import require_model

log = logging.getLogger(__name__)

LANDMARK_COUNT = 478
# Ties between faces of about the same size go to the one nearest the frame's centre.
SIZE_TIE_RATIO = 0.9

FloatArray = npt.NDArray[np.float32]
# Any dtype passes the type checker (OpenCV types its results loosely); the detector checks for uint8 when it runs.
ImageArray = npt.NDArray[Any]


class RunningMode(enum.Enum):
    """IMAGE for unrelated photos, VIDEO for consecutive frames with increasing timestamps."""

    IMAGE = "image"
    VIDEO = "video"


@dataclass(frozen=True, eq=False)
class FaceObservation:
    """One face in one frame. Arrays are read-only copies, so an observation can be kept and shared freely.

    Attributes:
        landmarks: (478, 3) float32; x and y in pixels of the frame, z in pixels relative to the face's centre.
        blendshapes: blendshape name -> score in [0, 1].
        transform: (4, 4) float32 facial transformation matrix.
        yaw: degrees, > 0 when the head turns to the person's own left.
        pitch: degrees, > 0 when the person looks up.
        roll: degrees, > 0 when the head tilts towards the person's own left shoulder.
        box: (top, right, bottom, left) in pixels, clipped to the frame.
        frame_width: width in pixels of the frame the face was found in.
        frame_height: height in pixels of that frame.
    """

    landmarks: FloatArray
    blendshapes: Mapping[str, float]
    transform: FloatArray
    yaw: float
    pitch: float
    roll: float
    box: tuple[int, int, int, int]
    frame_width: int
    frame_height: int

    @property
    def box_width(self) -> int:
        """Width of the face box in pixels."""
        return self.box[1] - self.box[3]

    @property
    def box_height(self) -> int:
        """Height of the face box in pixels."""
        return self.box[2] - self.box[0]

    @property
    def area(self) -> int:
        """Area of the face box in square pixels."""
        return self.box_width * self.box_height

    @property
    def center(self) -> tuple[float, float]:
        """(x, y) centre of the face box in pixels."""
        top, right, bottom, left = self.box
        return ((left + right) / 2.0, (top + bottom) / 2.0)

    def blendshape(self, name: str) -> float:
        """Score of one blendshape, 0.0 when the model did not give it."""
        return self.blendshapes.get(name, 0.0)


def head_pose_degrees(transform: npt.ArrayLike) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from a facial transformation matrix, with the signs of `FaceObservation`.

    The rotation part is decomposed as Rz(roll) @ Ry(yaw) @ Rx(pitch) in MediaPipe's camera frame.
    """
    rotation = np.asarray(transform, dtype=np.float64)[:3, :3]
    # Remove any scale so the decomposition works on a pure rotation.
    scale = np.linalg.norm(rotation, axis=0)
    rotation = rotation / np.where(scale > 0, scale, 1.0)
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -rotation[2, 0]))))
    pitch = math.degrees(math.atan2(rotation[2, 1], rotation[2, 2]))
    roll = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))
    # Signs chosen against the landmarks themselves (nose offset, eye-corner heights, forehead/chin depth): the raw
    # yaw already has the documented sign, pitch and roll have the opposite one.
    return yaw, -pitch, -roll


def face_box(landmarks: FloatArray, width: int, height: int) -> tuple[int, int, int, int]:
    """(top, right, bottom, left) of the landmarks' extent, rounded outwards and clipped to a width x height frame."""
    xs = landmarks[:, 0]
    ys = landmarks[:, 1]
    left = max(0, math.floor(float(xs.min())))
    top = max(0, math.floor(float(ys.min())))
    right = min(width, math.ceil(float(xs.max())))
    bottom = min(height, math.ceil(float(ys.max())))
    return (top, max(right, left), max(bottom, top), left)


def pick_user_face(faces: Sequence[FaceObservation]) -> FaceObservation | None:
    """The face of the person using the kiosk: the largest; among faces of about that size, the most central.

    Faces at least `SIZE_TIE_RATIO` times the largest one's area count as the same size, because the person at the
    kiosk stands closest but a colleague leaning in can be nearly as large.
    """
    if not faces:
        return None
    largest = max(face.area for face in faces)
    contenders = [face for face in faces if face.area >= SIZE_TIE_RATIO * largest]

    def distance_to_centre(face: FaceObservation) -> float:
        x, y = face.center
        return math.hypot(x - face.frame_width / 2.0, y - face.frame_height / 2.0)

    return min(contenders, key=lambda face: (distance_to_centre(face), -face.area))


def _shifted(face: FaceObservation, dx: int, dy: int, width: int, height: int) -> FaceObservation:
    """The same face in the coordinates of the whole picture a tile at (dx, dy) was cut from."""
    points = face.landmarks.copy()
    points[:, 0] += dx
    points[:, 1] += dy
    return replace(
        face, landmarks=_readonly(points), box=face_box(points, width, height), frame_width=width, frame_height=height
    )


def _touches_inner_edge(face: FaceObservation, left: bool, top: bool, right: bool, bottom: bool) -> bool:
    """True when the face's box reaches a tile edge that lies inside the picture (the face is probably cut)."""
    box_top, box_right, box_bottom, box_left = face.box
    margin = 2
    return (
        (left and box_left <= margin)
        or (top and box_top <= margin)
        or (right and box_right >= face.frame_width - margin)
        or (bottom and box_bottom >= face.frame_height - margin)
    )


def _overlap(a: FaceObservation, b: FaceObservation) -> float:
    """Intersection of two face boxes over the smaller one's area."""
    height = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    width = min(a.box[1], b.box[1]) - max(a.box[3], b.box[3])
    if height <= 0 or width <= 0:
        return 0.0
    return height * width / max(1, min(a.area, b.area))


def _readonly(array: npt.NDArray[np.float32]) -> FloatArray:
    array.setflags(write=False)
    return array


class FaceLandmarkDetector:
    """MediaPipe FaceLandmarker with blendshapes and transformation matrices; call `close()` when done.

    Args:
        mode: IMAGE for independent photos, VIDEO for frames of one stream (timestamps must increase).
        max_faces: how many faces to report at most. More than one lets the kiosk pick its user among several, and
            it also keeps the video mode accurate: with one face MediaPipe only tracks the face from frame to frame
            and its scores lag (on focus_blink mahie_test_1 the eye-closure score after a blink decays 0.40, 0.31,
            0.24 with one face and 0.22, 0.21, 0.17 with two, which matches the labels), so the default is two.
        model_path: the verified `face_landmarker.task`; the project's resources/models/ copy when None.
        min_detection_confidence: MediaPipe's face-detection threshold.
        min_tracking_confidence: MediaPipe's tracking threshold in VIDEO mode.
        upscale_below: frames whose short side is smaller are enlarged to about this size before detection.

    Raises:
        EnvironmentProblem: the model is missing or corrupt (the message says how to fetch it).
    """

    def __init__(
        self,
        mode: RunningMode = RunningMode.VIDEO,
        *,
        max_faces: int = 2,
        model_path: Path | None = None,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        upscale_below: int = 360,
    ) -> None:
        if max_faces < 1:
            raise ValueError("max_faces must be at least 1")
        model = require_model(model_path)
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model)),
            running_mode=vision.RunningMode.VIDEO if mode is RunningMode.VIDEO else vision.RunningMode.IMAGE,
            num_faces=max_faces,
            min_face_detection_confidence=min_detection_confidence,
            min_face_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self.mode = mode
        self.upscale_below = upscale_below
        self._task: vision.FaceLandmarker | None = vision.FaceLandmarker.create_from_options(options)
        self._last_timestamp_ms = -1

    def __enter__(self) -> FaceLandmarkDetector:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the MediaPipe graph; the detector cannot be used afterwards. Safe to call twice."""
        if self._task is not None:
            self._task.close()
            self._task = None

    def detect(self, image_rgb: ImageArray, find_small_faces: bool = False) -> list[FaceObservation]:
        """Faces in one photo (IMAGE mode), largest first.

        MediaPipe's detector is made for faces near the camera and misses faces smaller than about a tenth of the
        picture (group photos, a person far away). When nothing is found, or when `find_small_faces` is set, the
        photo is searched again in overlapping half-size tiles; a face cut by a tile's inner edge is ignored there
        because a neighbouring tile holds it whole.

        Args:
            image_rgb: H x W x 3 uint8 RGB image.
            find_small_faces: search the tiles even when faces were found in the whole picture.
        """
        if self.mode is not RunningMode.IMAGE:
            raise ValueError("detect() needs a detector made with RunningMode.IMAGE; use detect_for_video()")
        faces = self._run(image_rgb, None)
        if faces and not find_small_faces:
            return faces
        height, width = image_rgb.shape[:2]
        tile_h, tile_w = height // 2, width // 2
        for top in (0, height // 4, height - tile_h):
            for left in (0, width // 4, width - tile_w):
                tile = image_rgb[top : top + tile_h, left : left + tile_w]
                for found in self._run(tile, None):
                    face = _shifted(found, left, top, width, height)
                    if _touches_inner_edge(found, left > 0, top > 0, left + tile_w < width, top + tile_h < height):
                        continue
                    if not any(_overlap(face, kept) > 0.5 for kept in faces):
                        faces.append(face)
        faces.sort(key=lambda face: face.area, reverse=True)
        return faces

    def detect_for_video(self, image_rgb: ImageArray, timestamp_ms: int) -> list[FaceObservation]:
        """Faces in one video frame (VIDEO mode), largest first.

        Args:
            image_rgb: H x W x 3 uint8 RGB frame.
            timestamp_ms: the frame's time; a time not after the previous frame's is moved 1 ms past it, because
                cameras sometimes repeat a timestamp and MediaPipe refuses that.
        """
        if self.mode is not RunningMode.VIDEO:
            raise ValueError("detect_for_video() needs a detector made with RunningMode.VIDEO; use detect()")
        if timestamp_ms <= self._last_timestamp_ms:
            log.debug("timestamp %d ms not after %d ms; moved forward", timestamp_ms, self._last_timestamp_ms)
            timestamp_ms = self._last_timestamp_ms + 1
        self._last_timestamp_ms = timestamp_ms
        return self._run(image_rgb, timestamp_ms)

    def _run(self, image_rgb: ImageArray, timestamp_ms: int | None) -> list[FaceObservation]:
        if self._task is None:
            raise ValueError("the landmark detector is closed")
        if image_rgb.ndim != 3 or image_rgb.shape[2] != 3 or image_rgb.dtype != np.uint8:
            raise ValueError(f"expected an H x W x 3 uint8 RGB image, got shape {image_rgb.shape} {image_rgb.dtype}")
        height, width = image_rgb.shape[:2]
        factor = 1.0
        work = image_rgb
        if min(height, width) < self.upscale_below:
            factor = math.ceil(self.upscale_below / min(height, width))
            work = cv2.resize(image_rgb, (width * int(factor), height * int(factor)), interpolation=cv2.INTER_CUBIC)
        picture = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(work))
        if timestamp_ms is None:
            result = self._task.detect(picture)
        else:
            result = self._task.detect_for_video(picture, timestamp_ms)
        work_height, work_width = work.shape[:2]
        faces: list[FaceObservation] = []
        for index, points in enumerate(result.face_landmarks):
            coordinates = np.array([(p.x, p.y, p.z) for p in points], dtype=np.float32)
            # Normalised -> pixels of the work image -> pixels of the frame given; z uses the width's scale.
            coordinates[:, 0] *= work_width / factor
            coordinates[:, 1] *= work_height / factor
            coordinates[:, 2] *= work_width / factor
            scores: dict[str, float] = {}
            if index < len(result.face_blendshapes):
                scores = {c.category_name: float(c.score) for c in result.face_blendshapes[index] if c.category_name}
            if index < len(result.facial_transformation_matrixes):
                matrix = np.asarray(result.facial_transformation_matrixes[index], dtype=np.float32).reshape(4, 4)
            else:
                matrix = np.eye(4, dtype=np.float32)
            yaw, pitch, roll = head_pose_degrees(matrix)
            faces.append(
                FaceObservation(
                    landmarks=_readonly(coordinates),
                    blendshapes=MappingProxyType(scores),
                    transform=_readonly(matrix.copy()),
                    yaw=yaw,
                    pitch=pitch,
                    roll=roll,
                    box=face_box(coordinates, width, height),
                    frame_width=width,
                    frame_height=height,
                )
            )
        faces.sort(key=lambda face: face.area, reverse=True)
        return faces
