"""Face encodings: 128 values from face_recognition's dlib ResNet, computed on the face box MediaPipe found.

face_recognition would otherwise look for faces itself with dlib's HOG detector, which costs about half a second on
a kiosk frame; the landmarks pass already knows where the face is, so its box is handed over as
``known_face_locations`` and dlib only aligns (5-point shape model) and encodes. Measured on 500 LFW View 1 training
pairs, the MediaPipe landmark box gives the same verification accuracy as dlib's own HOG box (98.6 % against
98.4 %, HOG missing five faces where MediaPipe missed one), so the box is used as it is, with no remapping.

Still images are read with their EXIF orientation applied (phones store portraits as rotated pixels plus a tag) and
converted to 8-bit RGB whatever their mode (grey PGM, palette GIF, RGBA PNG). Small pictures (ORL's 92x112, Yale's
320x243) are enlarged by the landmark detector before it looks for the face and its results are mapped back, so the
encoding and the quality gates see the picture's own pixels.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from kiosk.domain.errors import RuleViolation
from kiosk.vision.matcher import as_encoding
from kiosk.vision.quality import FRONTAL, PoseRange, QualityLimits, QualityReport, check_quality, measure_face

if TYPE_CHECKING:
    from kiosk.vision.landmarks import FaceLandmarkDetector, FaceObservation

log = logging.getLogger(__name__)

ImageArray = npt.NDArray[np.uint8]
Encoding = npt.NDArray[np.float32]

ALIGNMENT_MODEL = "small"
"""face_recognition's 5-point alignment: as accurate as the 68-point one on LFW here, and it needs fewer pixels."""


class NoFaceFound(RuleViolation):
    """No face could be found in a picture; nothing was done with it."""

    def __init__(self, where: str) -> None:
        super().__init__("no_face", f"no face found in {where}")


def load_still_image(path: Path) -> ImageArray:
    """Read a photo as upright 8-bit RGB, applying its EXIF orientation.

    Raises:
        RuleViolation: the file is missing or is not a readable image (code `image_missing` / `image_unreadable`).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415  (Pillow loads with the vision code only)

    if not path.is_file():
        raise RuleViolation("image_missing", f"no such image file: {path}")
    try:
        with Image.open(path) as opened:
            upright = ImageOps.exif_transpose(opened)
            rgb = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise RuleViolation("image_unreadable", f"{path} is not an image that can be read ({error})") from error
    return np.asarray(rgb, dtype=np.uint8).copy()


@dataclass(frozen=True, eq=False)
class FaceSample:
    """One face ready for matching or enrolment.

    Attributes:
        encoding: the 128 float32 values.
        observation: the MediaPipe observation the encoding was computed on (box, head pose, blendshapes).
        quality: every quality gate's verdict on that face.
        faces_in_picture: how many faces the picture held (the sample is the kiosk user's one).
    """

    encoding: Encoding
    observation: FaceObservation
    quality: QualityReport
    faces_in_picture: int


def _face_recognition() -> Any:
    """The face_recognition module, imported (it loads dlib's models) only when encoding is needed."""
    with warnings.catch_warnings():
        # WORKAROUND: face_recognition_models imports pkg_resources, whose deprecation warning would be printed to
        # everyone running a command; setuptools is pinned below 81 so the import still works.
        # https://github.com/ageitgey/face_recognition/issues/1653
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import face_recognition  # noqa: PLC0415

    return face_recognition


def encode_face(image_rgb: ImageArray, box: tuple[int, int, int, int], jitters: int = 1) -> Encoding:
    """The 128-value encoding of the face in `box` (top, right, bottom, left) of an RGB image.

    Args:
        image_rgb: H x W x 3 uint8 RGB picture.
        box: the face box in the picture's pixels, as MediaPipe's observation gives it.
        jitters: how many randomly jittered crops to average (1 = none; each one costs another pass).
    """
    face_recognition = _face_recognition()
    top, right, bottom, left = box
    if bottom <= top or right <= left:
        raise RuleViolation("face_box", f"face box {box} is empty")
    picture = np.ascontiguousarray(image_rgb)
    found: list[Any] = face_recognition.face_encodings(
        picture, known_face_locations=[box], num_jitters=jitters, model=ALIGNMENT_MODEL
    )
    return as_encoding(found[0])


class FaceEncoder:
    """Finds the kiosk user's face in a picture and encodes it, with the quality gates' verdict.

    Owns a MediaPipe landmark detector in IMAGE mode unless one is given; call `close()` (or use `with`) when done.
    For camera frames whose landmarks the liveness pass already computed, call `sample_from_observation` instead,
    so MediaPipe does not run twice on a frame.
    """

    def __init__(
        self,
        detector: FaceLandmarkDetector | None = None,
        *,
        model_path: Path | None = None,
        max_faces: int = 4,
        limits: QualityLimits | None = None,
        jitters: int = 1,
    ) -> None:
        """Args:
        detector: an IMAGE-mode landmark detector to use; when None, one is made (and owned) on first need.
        model_path: the landmark model for a new detector (the project's fetched copy when None).
        max_faces: how many faces a new detector reports, among which the user's face is picked.
        limits: the quality gates' limits.
        jitters: face_recognition's `num_jitters` for every encoding.
        """
        self._owns_detector = detector is None
        self._detector = detector
        self._max_faces = max_faces
        self._model_path = model_path
        self.limits = limits or QualityLimits()
        self.jitters = jitters

    def __enter__(self) -> FaceEncoder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @property
    def detector(self) -> FaceLandmarkDetector:
        """The IMAGE-mode landmark detector photos are searched with (made on first use when none was given, so
        an encoder that only encodes faces the camera loop already found never loads a second MediaPipe graph)."""
        if self._detector is None:
            from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode  # noqa: PLC0415

            self._detector = FaceLandmarkDetector(
                RunningMode.IMAGE, max_faces=self._max_faces, model_path=self._model_path
            )
        return self._detector

    def close(self) -> None:
        """Release the detector when this encoder made it. Safe to call twice."""
        if self._owns_detector and self._detector is not None:
            self._detector.close()
            self._detector = None

    def sample_from_observation(
        self,
        image_rgb: ImageArray,
        observation: FaceObservation,
        faces_in_picture: int = 1,
        pose: PoseRange | None = FRONTAL,
    ) -> FaceSample:
        """Encode the face MediaPipe observed in `image_rgb` and judge its quality against `pose`."""
        measurements = measure_face(image_rgb, observation.box, yaw=observation.yaw, pitch=observation.pitch)
        quality = check_quality(measurements, self.limits, pose)
        encoding = encode_face(image_rgb, observation.box, self.jitters)
        return FaceSample(encoding, observation, quality, faces_in_picture)

    def sample_from_image(
        self, image_rgb: ImageArray, where: str = "the picture", pose: PoseRange | None = FRONTAL
    ) -> FaceSample:
        """Find the user's face in a picture (the largest, then the most central) and encode it.

        Raises:
            NoFaceFound: MediaPipe found no face.
        """
        from kiosk.vision.landmarks import pick_user_face  # noqa: PLC0415

        faces = self.detector.detect(image_rgb)
        user = pick_user_face(faces)
        if user is None:
            raise NoFaceFound(where)
        return self.sample_from_observation(image_rgb, user, len(faces), pose)

    def sample_from_file(self, path: Path, pose: PoseRange | None = FRONTAL) -> FaceSample:
        """Read a photo (EXIF orientation applied) and encode the user's face in it.

        Raises:
            RuleViolation: the file is missing or unreadable.
            NoFaceFound: no face in it.
        """
        return self.sample_from_image(load_still_image(path), str(path), pose)


SFACE_SIZE = 128


class SFaceRecogniser:
    """OpenCV's SFace face recogniser (`cv2.FaceRecognizerSF`, see `kiosk.vision.models.SFACE_MODEL`).

    It is aligned as it was trained: on the five points of YuNet's face (the detector whose box the
    presentation-attack model already takes, `kiosk.vision.antispoof.YuNetFaces`), the one overlapping the face
    MediaPipe observed; OpenCV's `alignCrop` maps them onto its 112 x 112 template by a similarity. The same five
    points taken from MediaPipe's landmarks (iris centres, nose tip, mouth corners) gave 98.9 % on 655 LFW pairs
    against 99.5 % with YuNet's. The 128 values are returned scaled to length 1, so that the Euclidean distance of
    two is sqrt(2 - 2 cos), the cosine OpenCV scores with. About 25 ms a face on one core, and 5 ms for YuNet.
    """

    def __init__(self, model_path: Path | None = None, yunet_path: Path | None = None) -> None:
        """Args:
        model_path: the SFace model file; the verified copy in resources/models/ when None.
        yunet_path: the YuNet model file; likewise.

        Raises:
            EnvironmentProblem: a file is missing or not the pinned model (with the command that fixes it).
        """
        import cv2  # noqa: PLC0415

        from kiosk.vision.antispoof import YuNetFaces  # noqa: PLC0415
        from kiosk.vision.models import SFACE_MODEL, require_pinned  # noqa: PLC0415

        self._net = cv2.FaceRecognizerSF.create(str(require_pinned(SFACE_MODEL, model_path)), "")
        self._faces = YuNetFaces(yunet_path)

    def features(self, image_rgb: ImageArray, observation: FaceObservation) -> Encoding:
        """The 128 unit-length values of the face MediaPipe observed in an RGB picture.

        Raises:
            NoFaceFound: YuNet does not find that face (too small, too turned, cut by the frame).
        """
        import cv2  # noqa: PLC0415

        bgr = np.ascontiguousarray(cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2BGR), dtype=np.uint8)
        face = self._faces.face_for(bgr, observation)
        if face is None:
            raise NoFaceFound("the picture (for SFace's alignment)")
        values = np.asarray(self._net.feature(self._net.alignCrop(bgr, face.as_yunet_row())), dtype=np.float32)
        values = values.reshape(-1)
        norm = float(np.linalg.norm(values))
        if values.shape != (SFACE_SIZE,) or norm <= 0.0 or not math.isfinite(norm):
            raise RuleViolation("sface_features", f"SFace gave no usable features ({values.shape}, norm {norm})")
        return values / norm


DLIB_PAIR_THRESHOLD = 0.6
"""face_recognition's documented distance under which two dlib encodings are the same person."""

SFACE_PAIR_THRESHOLD = 1.128
"""OpenCV's published L2 distance under which two unit SFace feature vectors are the same person (LFW)."""

SFACE_SCALE = DLIB_PAIR_THRESHOLD / SFACE_PAIR_THRESHOLD
"""SFace's part of a fused encoding is scaled by this, so each model's distance counts alike at its own threshold."""

FUSED_SIZE = 2 * SFACE_SIZE


def fuse(dlib_encoding: npt.ArrayLike, sface_features: npt.ArrayLike) -> Encoding:
    """One vector of both models' views of a face: the dlib encoding, then SFace's unit vector times `SFACE_SCALE`.

    The Euclidean distance of two fused vectors is sqrt(d_dlib^2 + (SFACE_SCALE * d_sface)^2): both distances
    count, each measured on its own threshold's scale, and the search stays one vectorised Euclidean pass.
    """
    dlib = as_encoding(dlib_encoding)
    sface = np.asarray(sface_features, dtype=np.float32).reshape(-1)
    if sface.shape != (SFACE_SIZE,) or not np.all(np.isfinite(sface)):
        raise RuleViolation("sface_features", f"SFace features have {SFACE_SIZE} finite values, got {sface.size}")
    return np.concatenate([dlib, np.float32(SFACE_SCALE) * sface]).astype(np.float32)
