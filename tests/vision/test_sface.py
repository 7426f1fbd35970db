"""OpenCV's SFace recogniser on MediaPipe's five points, and its fusion with the dlib encoding, on real photos."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.vision.encodings import (
    FUSED_SIZE,
    SFACE_PAIR_THRESHOLD,
    SFACE_SCALE,
    FaceEncoder,
    SFaceRecogniser,
    fuse,
    load_still_image,
)


@pytest.fixture(scope="module")
def encoder(model_path: Path) -> Iterator[FaceEncoder]:
    with FaceEncoder(model_path=model_path) as face_encoder:
        yield face_encoder


@pytest.fixture(scope="module")
def sface(sface_model: Path) -> SFaceRecogniser:
    return SFaceRecogniser(sface_model)


def _both(encoder: FaceEncoder, sface: SFaceRecogniser, path: Path) -> tuple[np.ndarray, np.ndarray]:
    picture = load_still_image(path)
    sample = encoder.sample_from_image(picture, pose=None)
    return sample.encoding, sface.features(picture, sample.observation)


def test_sface_tells_the_same_person_from_another(
    encoder: FaceEncoder, sface: SFaceRecogniser, faces_dir: Path
) -> None:
    people = faces_dir / "people"
    _, obama = _both(encoder, sface, people / "barack_obama/fr_obama.jpg")
    _, obama_again = _both(encoder, sface, people / "barack_obama/fr_obama2.jpg")
    _, biden = _both(encoder, sface, people / "joe_biden/fr_biden.jpg")

    assert abs(float(np.linalg.norm(obama)) - 1.0) < 1e-5
    assert float(np.linalg.norm(obama - obama_again)) < SFACE_PAIR_THRESHOLD
    assert float(np.linalg.norm(obama - biden)) > SFACE_PAIR_THRESHOLD


def test_a_fused_distance_counts_both_models(encoder: FaceEncoder, sface: SFaceRecogniser, faces_dir: Path) -> None:
    people = faces_dir / "people"
    dlib_a, sface_a = _both(encoder, sface, people / "barack_obama/fr_obama.jpg")
    dlib_b, sface_b = _both(encoder, sface, people / "joe_biden/fr_biden.jpg")

    fused_a, fused_b = fuse(dlib_a, sface_a), fuse(dlib_b, sface_b)

    assert fused_a.shape == (FUSED_SIZE,)
    assert fused_a.dtype == np.float32
    expected = np.linalg.norm(dlib_a - dlib_b) ** 2 + (SFACE_SCALE * np.linalg.norm(sface_a - sface_b)) ** 2
    assert float(np.linalg.norm(fused_a - fused_b)) == pytest.approx(float(np.sqrt(expected)), rel=1e-5)


def test_bad_features_are_refused() -> None:
    dlib = np.zeros(128, dtype=np.float32)
    with pytest.raises(RuleViolation, match="128 finite values"):
        fuse(dlib, np.zeros(64, dtype=np.float32))
    with pytest.raises(RuleViolation, match="128 finite values"):
        fuse(dlib, np.full(128, np.nan, dtype=np.float32))
    with pytest.raises(RuleViolation):
        fuse(np.zeros(5), np.zeros(128))


def test_a_missing_or_altered_model_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="fetch-models"):
        SFaceRecogniser(tmp_path / "absent.onnx")
    altered = tmp_path / "face_recognition_sface_2021dec.onnx"
    altered.write_bytes(b"not a model")
    with pytest.raises(EnvironmentProblem, match="corrupt or not the expected version"):
        SFaceRecogniser(altered)
