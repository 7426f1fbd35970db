"""The passive presentation-attack model: how likely a face is a live person rather than a print or a screen.

The model is MiniFASNet V2 SE (ONNX, 1.9 MB; see `kiosk.vision.models` for where it comes from, its pin and its
licence). Its input contract is the one it was trained with, and it must be followed exactly: with the MediaPipe
face box instead of YuNet's, the face on a monitor replay scored 0.96 "real". So:

- the face box comes from the YuNet detector (`face_detection_yunet_2023mar.onnx`, run by OpenCV's
  `FaceDetectorYN`); the YuNet face taken is the one that overlaps the kiosk user's MediaPipe face most;
- the crop is a square of 1.5 x the box's larger side around the box's centre, padded by reflection (OpenCV's
  reflect-101) where it leaves the frame, resized to 128 x 128 (Lanczos when enlarging, area when shrinking);
- RGB, divided by 255, no mean or deviation, NCHW float32, input `input`; output `output` [N, 2] logits, index 0 is
  "real": P(real) = sigmoid(logit0 - logit1).

One frame alone is not safe (26 % of the phone replay's frames score 0.5 or more), so `kiosk.vision.liveness` judges
the median over a window of frontal frames, never a single frame.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from kiosk.domain.errors import EnvironmentProblem
from kiosk.vision.camera import Frame
from kiosk.vision.landmarks import FaceObservation
from kiosk.vision.models import ANTISPOOF_MODEL, YUNET_MODEL, PinnedModel, require_pinned

log = logging.getLogger(__name__)

INPUT_SIZE = 128
CROP_SCALE = 1.5
# YuNet finds faces from about 10 px; frames wider than this are shrunk first, which keeps it near 5 ms a frame.
DETECT_MAX_WIDTH = 640
YUNET_SCORE_MIN = 0.6
# The YuNet box must overlap the MediaPipe face it is taken for (intersection over union).
BOX_OVERLAP_MIN = 0.3

BgrImage = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class FaceBox:
    """A YuNet face box in frame pixels: left, top, width, height, the detector's score and its five points (x, y
    of the person's right eye, left eye, nose tip, right and left mouth corner; empty when not known)."""

    x: float
    y: float
    width: float
    height: float
    score: float
    points: tuple[float, ...] = ()

    def as_yunet_row(self) -> npt.NDArray[np.float32]:
        """The 1 x 15 row YuNet gives for this face, the form OpenCV's `FaceRecognizerSF.alignCrop` takes."""
        if len(self.points) != 10:
            raise ValueError("this face box has no five points")
        return np.array([[self.x, self.y, self.width, self.height, *self.points, self.score]], dtype=np.float32)

    def overlap(self, left: float, top: float, right: float, bottom: float) -> float:
        """Intersection over union with the box (left, top, right, bottom)."""
        ix = max(0.0, min(self.x + self.width, right) - max(self.x, left))
        iy = max(0.0, min(self.y + self.height, bottom) - max(self.y, top))
        inter = ix * iy
        union = self.width * self.height + (right - left) * (bottom - top) - inter
        return inter / union if union > 0 else 0.0


def antispoof_crop(image_bgr: BgrImage, box: FaceBox) -> npt.NDArray[np.float32]:
    """The model's input for one face: a 1 x 3 x 128 x 128 float32 RGB array in [0, 1] (see the module docstring)."""
    side = max(box.width, box.height) * CROP_SCALE
    centre_x, centre_y = box.x + box.width / 2.0, box.y + box.height / 2.0
    left = round(centre_x - side / 2.0)
    top = round(centre_y - side / 2.0)
    size = max(1, round(side))
    height, width = image_bgr.shape[:2]
    pad_left, pad_top = max(0, -left), max(0, -top)
    pad_right, pad_bottom = max(0, left + size - width), max(0, top + size - height)
    inside = image_bgr[max(0, top) : min(height, top + size), max(0, left) : min(width, left + size)]
    if pad_left or pad_top or pad_right or pad_bottom:
        # Reflection needs pixels to reflect: a crop that leaves the frame by more than the frame has is clamped.
        limit_x, limit_y = max(0, inside.shape[1] - 1), max(0, inside.shape[0] - 1)
        square = cv2.copyMakeBorder(
            inside,
            min(pad_top, limit_y),
            min(pad_bottom, limit_y),
            min(pad_left, limit_x),
            min(pad_right, limit_x),
            cv2.BORDER_REFLECT_101,
        )
    else:
        square = inside
    interpolation = cv2.INTER_LANCZOS4 if square.shape[0] < INPUT_SIZE else cv2.INTER_AREA
    resized = cv2.resize(square, (INPUT_SIZE, INPUT_SIZE), interpolation=interpolation)
    rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    return np.ascontiguousarray(rgb.transpose(2, 0, 1)[np.newaxis])


class YuNetFaces:
    """OpenCV's YuNet face detector, run on the frames the antispoof model judges."""

    def __init__(self, model_path: Path | None = None) -> None:
        path = require_pinned(YUNET_MODEL, model_path)
        try:
            self._detector = cv2.FaceDetectorYN.create(str(path), "", (320, 320), YUNET_SCORE_MIN)
        except cv2.error as error:
            raise EnvironmentProblem(f"The face box model {path} cannot be loaded: {error}") from error
        self._size = (0, 0)

    def detect(self, image_bgr: BgrImage) -> list[FaceBox]:
        """Every face YuNet finds in the frame, in frame pixels."""
        width = image_bgr.shape[1]
        scale = min(1.0, DETECT_MAX_WIDTH / width)
        small = image_bgr if scale == 1.0 else cv2.resize(image_bgr, None, fx=scale, fy=scale)
        size = (small.shape[1], small.shape[0])
        if size != self._size:
            self._detector.setInputSize(size)
            self._size = size
        # OpenCV gives None, not an empty array, when it finds no face.
        found: npt.NDArray[np.floating[Any] | np.integer[Any]] | None = self._detector.detect(small)[1]
        if found is None:
            return []
        return [
            FaceBox(
                float(row[0]) / scale,
                float(row[1]) / scale,
                float(row[2]) / scale,
                float(row[3]) / scale,
                float(row[14]),
                tuple(float(value) / scale for value in row[4:14]),
            )
            for row in found
        ]

    def face_for(self, image_bgr: BgrImage, face: FaceObservation) -> FaceBox | None:
        """YuNet's box of the face MediaPipe observed (the one that overlaps it most), None when YuNet misses it."""
        top, right, bottom, left = face.box
        best: FaceBox | None = None
        best_overlap = BOX_OVERLAP_MIN
        for box in self.detect(image_bgr):
            overlap = box.overlap(left, top, right, bottom)
            if overlap >= best_overlap:
                best, best_overlap = box, overlap
        return best


class PresentationAttackModel:
    """The MiniFASNet model run with onnxruntime on one thread (the kiosk's processor is shared with the camera)."""

    def __init__(self, model_path: Path | None = None) -> None:
        path = require_pinned(ANTISPOOF_MODEL, model_path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types for a file it cannot parse
            raise EnvironmentProblem(f"The presentation-attack model {path} cannot be loaded: {error}") from error

    def p_real(self, crop: npt.NDArray[np.float32]) -> float:
        """P(real) for one crop made by `antispoof_crop`."""
        logits = self._session.run(["output"], {"input": crop})[0]
        margin = float(logits[0][0] - logits[0][1])
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, margin))))


class PassiveFaceScorer:
    """P(real) of the kiosk user's face in a frame: YuNet's box for the MediaPipe face, the crop, the model."""

    def __init__(self, antispoof_path: Path | None = None, yunet_path: Path | None = None) -> None:
        self.faces = YuNetFaces(yunet_path)
        self.model = PresentationAttackModel(antispoof_path)

    def warm_up(self) -> None:
        """Run both models once on a blank picture: their first run allocates and costs several hundred ms, which
        would otherwise fall on the first person's attempt."""
        blank = np.zeros((480, 640, 3), dtype=np.uint8)
        self.faces.detect(blank)
        self.model.p_real(antispoof_crop(blank, FaceBox(270.0, 190.0, 100.0, 100.0, 1.0)))

    def box_for(self, image_bgr: BgrImage, face: FaceObservation) -> FaceBox | None:
        """The YuNet box of the user's face, None when YuNet does not see that face."""
        return self.faces.face_for(image_bgr, face)

    def score(self, image_bgr: BgrImage, face: FaceObservation) -> float | None:
        """P(real) of `face` in the frame, or None when YuNet does not find it."""
        box = self.box_for(image_bgr, face)
        if box is None:
            return None
        return self.model.p_real(antispoof_crop(image_bgr, box))

    def score_frame(self, frame: Frame, face: FaceObservation) -> float | None:
        """`score` for a camera frame: the form `kiosk.vision.liveness.LivenessSession` takes."""
        return self.score(frame.image, face)


def model_files_present(antispoof_path: Path | None = None, yunet_path: Path | None = None) -> tuple[Path, Path]:
    """Both verified model files, or the EnvironmentProblem that says how to fetch the missing one."""
    return require_pinned(ANTISPOOF_MODEL, antispoof_path), require_pinned(YUNET_MODEL, yunet_path)


__all__ = [
    "ANTISPOOF_MODEL",
    "YUNET_MODEL",
    "FaceBox",
    "PassiveFaceScorer",
    "PinnedModel",
    "PresentationAttackModel",
    "YuNetFaces",
    "antispoof_crop",
    "model_files_present",
]
