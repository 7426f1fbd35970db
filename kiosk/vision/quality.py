"""Quality gates a face must pass before it is encoded for enrolment or identification.

Each gate measures one thing on the face box and, when it fails, names itself and says what the person in front of
the kiosk should do. The measurements are taken on the face only, never on the whole frame (a bright window behind a
dark face must not pass the light gate):

* **face size**: the shorter side of the face box in the camera's own pixels (before any upscaling): below about
  80 px the 150x150 chip the encoder works on is mostly interpolation.
* **in frame**: the share of the box inside the image; a face cut by the frame edge gives a shifted alignment.
* **sharpness**: variance of the Laplacian of the grey face resized to 128x128, so the figure does not depend on how
  large the face is, and scaled to a face of mean grey level 128, so it does not depend on the light either: the
  variance grows with the square of the exposure, and without the scaling a face in a dim room (mean grey 45, as in
  video/focus_blink/soniya_test_6) measured 14 and was taken for a blurred one, while the same frames scaled
  measure 50 to 170 and a sharp photo blurred with sigma 3 measures 26. Motion blur and an out-of-focus lens lower it.
* **brightness**: mean grey level of the inner face (the central part of the box, which holds skin rather than hair or
  background): too dark or washed out.
* **pose**: yaw and pitch from the landmarks, within the range asked for (frontal for identification, slightly turned
  for some enrolment samples).

The default limits were set on the photos in the test data: every sharp, well-lit frontal photo of the people set
passes, and the same photos blurred (Gaussian sigma 3 on a 150 px face), darkened to a quarter or shrunk to 40 px
fail the matching gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.domain.errors import RuleViolation

FaceBox = tuple[int, int, int, int]
"""A face box as (top, right, bottom, left) in pixels, face_recognition's order."""

_SHARPNESS_SIDE = 128
# The grey level sharpness is judged at (see the module docstring).
_SHARPNESS_GREY = 128.0
_INNER_SHARE = 0.6


class Gate(StrEnum):
    """The quality gates, as stable strings for screens, logs and tests."""

    FACE_SIZE = "face_size"
    IN_FRAME = "in_frame"
    SHARPNESS = "sharpness"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    POSE = "pose"


@dataclass(frozen=True)
class PoseRange:
    """Accepted head pose, in degrees, as given by the landmarks (yaw: left/right turn, pitch: up/down nod).

    Attributes:
        name: what the pose is called on screen and in logs ("frontal", "slight_left", ...).
        yaw: accepted (lowest, highest) yaw.
        pitch: accepted (lowest, highest) pitch.
        advice: what to tell the person when the head is outside the range.
    """

    name: str
    yaw: tuple[float, float]
    pitch: tuple[float, float]
    advice: str

    def contains(self, yaw: float, pitch: float) -> bool:
        """True when (yaw, pitch) lies in the range."""
        return self.yaw[0] <= yaw <= self.yaw[1] and self.pitch[0] <= pitch <= self.pitch[1]


FRONTAL = PoseRange("frontal", (-20.0, 20.0), (-20.0, 20.0), "Look straight at the camera.")


@dataclass(frozen=True)
class QualityLimits:
    """Limits of the gates; the defaults suit a 640x480 kiosk camera at arm's length.

    Attributes:
        min_face_px: shortest accepted side of the face box, in the image's native pixels.
        min_in_frame: smallest accepted share of the face box inside the image.
        min_sharpness: smallest accepted variance of the Laplacian on the 128x128 grey face.
        min_brightness: darkest accepted mean grey level (0-255) of the inner face.
        max_brightness: brightest accepted mean grey level of the inner face.
    """

    min_face_px: float = 80.0
    min_in_frame: float = 0.92
    min_sharpness: float = 30.0
    min_brightness: float = 50.0
    max_brightness: float = 215.0

    def __post_init__(self) -> None:
        if self.min_face_px <= 0 or not (0 < self.min_in_frame <= 1) or self.min_sharpness < 0:
            raise RuleViolation("quality_limits", f"quality limits out of range: {self}")
        if not (0 <= self.min_brightness < self.max_brightness <= 255):
            raise RuleViolation("quality_limits", "brightness limits must satisfy 0 <= min < max <= 255")


@dataclass(frozen=True)
class FaceMeasurements:
    """What the gates look at, measured on one face.

    Attributes:
        face_px: shorter side of the face box in native pixels.
        in_frame: share of the box area inside the image.
        sharpness: variance of the Laplacian on the 128x128 grey face.
        brightness: mean grey level of the inner face.
        yaw: head yaw in degrees, when known.
        pitch: head pitch in degrees, when known.
    """

    face_px: float
    in_frame: float
    sharpness: float
    brightness: float
    yaw: float | None = None
    pitch: float | None = None


@dataclass(frozen=True)
class GateFailure:
    """One failed gate: which, what was measured, the limit, and what the person should do."""

    gate: Gate
    measured: float
    limit: float
    advice: str


@dataclass(frozen=True)
class QualityReport:
    """All gates' verdict on one face; `failures` is empty when it may be encoded."""

    measurements: FaceMeasurements
    failures: tuple[GateFailure, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """True when every gate passed."""
        return not self.failures

    @property
    def advice(self) -> str:
        """The one instruction to show first (the first failed gate's), or an empty string when all passed."""
        return self.failures[0].advice if self.failures else ""

    @property
    def failed_gates(self) -> tuple[Gate, ...]:
        """The failed gates, in the order they were checked."""
        return tuple(failure.gate for failure in self.failures)


def _clip_box(box: FaceBox, height: int, width: int) -> FaceBox:
    top, right, bottom, left = box
    return max(top, 0), min(right, width), min(bottom, height), max(left, 0)


def measure_face(
    image: npt.NDArray[np.uint8],
    box: FaceBox,
    *,
    scale: float = 1.0,
    yaw: float | None = None,
    pitch: float | None = None,
) -> FaceMeasurements:
    """Measure the face in `box` of an RGB (or grey) image.

    Args:
        image: the image the box refers to, HxWx3 RGB or HxW grey, uint8.
        box: the face box (top, right, bottom, left) in `image` pixels.
        scale: how much the image was enlarged from its native size before detection (face size is judged natively).
        yaw: head yaw in degrees from the landmarks, if known.
        pitch: head pitch in degrees from the landmarks, if known.
    """
    top, right, bottom, left = box
    if bottom <= top or right <= left:
        raise RuleViolation("face_box", f"face box {box} is empty")
    if scale <= 0:
        raise RuleViolation("image_scale", f"image scale must be positive, got {scale}")
    height, width = image.shape[:2]
    clipped = _clip_box(box, height, width)
    c_top, c_right, c_bottom, c_left = clipped
    box_area = float((bottom - top) * (right - left))
    inside = max(c_bottom - c_top, 0) * max(c_right - c_left, 0)
    if inside == 0:
        raise RuleViolation("face_box", f"face box {box} lies outside the {width}x{height} image")
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    face = grey[c_top:c_bottom, c_left:c_right]
    resized = cv2.resize(face, (_SHARPNESS_SIDE, _SHARPNESS_SIDE), interpolation=cv2.INTER_AREA)
    exposure = _SHARPNESS_GREY / max(float(resized.mean()), 1.0)
    sharpness = float(cv2.Laplacian(resized, cv2.CV_64F).var()) * exposure**2
    margin_y = round(face.shape[0] * (1 - _INNER_SHARE) / 2)
    margin_x = round(face.shape[1] * (1 - _INNER_SHARE) / 2)
    inner = face[margin_y : face.shape[0] - margin_y, margin_x : face.shape[1] - margin_x]
    brightness = float(inner.mean()) if inner.size else float(face.mean())
    face_px = min(bottom - top, right - left) / scale
    return FaceMeasurements(face_px, inside / box_area, sharpness, brightness, yaw, pitch)


def check_quality(
    measurements: FaceMeasurements, limits: QualityLimits | None = None, pose: PoseRange | None = FRONTAL
) -> QualityReport:
    """Run every gate on `measurements`; `pose` None skips the pose gate (no landmarks pose available).

    Light is judged before sharpness: a dark face also has little contrast, and more light is the fix for both.
    """
    rules = limits or QualityLimits()
    m = measurements
    failures: list[GateFailure] = []
    if m.face_px < rules.min_face_px:
        failures.append(GateFailure(Gate.FACE_SIZE, m.face_px, rules.min_face_px, "Move closer to the camera."))
    if m.in_frame < rules.min_in_frame:
        failures.append(GateFailure(Gate.IN_FRAME, m.in_frame, rules.min_in_frame, "Center your face in the picture."))
    if m.brightness < rules.min_brightness:
        failures.append(
            GateFailure(Gate.TOO_DARK, m.brightness, rules.min_brightness, "More light is needed on your face.")
        )
    elif m.brightness > rules.max_brightness:
        failures.append(
            GateFailure(Gate.TOO_BRIGHT, m.brightness, rules.max_brightness, "Too much light: step out of the glare.")
        )
    if m.sharpness < rules.min_sharpness:
        failures.append(GateFailure(Gate.SHARPNESS, m.sharpness, rules.min_sharpness, "Hold still for a moment."))
    if pose is not None and m.yaw is not None and m.pitch is not None and not pose.contains(m.yaw, m.pitch):
        off_yaw = max(pose.yaw[0] - m.yaw, m.yaw - pose.yaw[1], 0.0)
        off_pitch = max(pose.pitch[0] - m.pitch, m.pitch - pose.pitch[1], 0.0)
        measured, limit = (m.yaw, pose.yaw[1] if m.yaw > pose.yaw[1] else pose.yaw[0])
        if off_pitch > off_yaw:
            measured, limit = (m.pitch, pose.pitch[1] if m.pitch > pose.pitch[1] else pose.pitch[0])
        failures.append(GateFailure(Gate.POSE, measured, limit, pose.advice))
    return QualityReport(m, tuple(failures))
