"""The kiosk's camera process with fused liveness, on real clips: a known live face is greeted without a step, and a
face the kiosk does not know is never asked for one, even when the setting asks two steps of everyone known."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kiosk.ui.vision_process import Checking, Verdict, VisionSpec, run
from kiosk.vision.camera import CameraSource
from kiosk.vision.encodings import FaceEncoder
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face
from kiosk.vision.matcher import TemplateGallery
from kiosk.vision.models import require_model
from kiosk.vision.strictness import liveness_for, matching_for
from tests.vision.conftest import verified_passive_models

LIVE = "video/focus_blink/mahie_test_1.avi"
OTHER = "video/headturn_live_tranvanluyt_real.mp4"


def _templates(clip: Path, model_path: Path, after_s: float) -> list[npt.NDArray[np.float32]]:
    found: list[npt.NDArray[np.float32]] = []
    with (
        FaceEncoder(model_path=model_path) as encoder,
        FaceLandmarkDetector(RunningMode.VIDEO, model_path=model_path) as detector,
        CameraSource(clip, realtime=False) as source,
    ):
        for frame in source.frames():
            if frame.stream_time < after_s or frame.index % 5:
                continue
            face = pick_user_face(detector.detect_for_video(frame.rgb(), frame.timestamp_ms))
            if face is not None:
                found.append(encoder.sample_from_observation(frame.rgb(), face, pose=None).encoding)
            if len(found) == 3:
                break
    return found


def _attempt(spec: VisionSpec, gallery: TemplateGallery[str], strictness: str) -> tuple[Verdict, list[Checking]]:
    context = multiprocessing.get_context("spawn")
    events_in, events_out = context.Pipe(duplex=False)
    commands_in, commands_out = context.Pipe(duplex=False)
    process = context.Process(target=run, args=(spec, events_out, commands_in), daemon=True)
    process.start()
    events_out.close()
    commands_in.close()
    commands_out.send(("gallery", gallery, matching_for(strictness)))
    shown: list[Checking] = []
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            if not events_in.poll(0.5):
                continue
            message = events_in.recv()
            if message[0] == "checking":
                shown.append(message[1])
            elif message[0] == "verdict":
                return message[1], shown
        pytest.fail("the camera process gave no verdict")
    finally:
        commands_out.send(("stop",))
        events_in.close()
        process.join(timeout=20)
        if process.is_alive():
            process.kill()
        commands_out.close()


@pytest.fixture(scope="module")
def model_path() -> Path:
    return require_model()


@pytest.fixture(scope="module")
def passive_models() -> tuple[Path, Path]:
    return verified_passive_models()


@pytest.fixture(scope="module")
def staff(faces: Path, model_path: Path) -> dict[str, list[npt.NDArray[np.float32]]]:
    """Maria from frames of her clip the kiosk is not shown (after 30 s), Tran from his."""
    return {"maria": _templates(faces / LIVE, model_path, 30.0), "tran": _templates(faces / OTHER, model_path, 12.0)}


def _gallery(staff: dict[str, list[npt.NDArray[np.float32]]], *people: str) -> TemplateGallery[str]:
    return TemplateGallery([(person, template) for person in people for template in staff[person]])


def _spec(camera: Path, model_path: Path, models: tuple[Path, Path], strictness: str) -> VisionSpec:
    steps, liveness = liveness_for(strictness)
    return VisionSpec(
        camera=str(camera),
        model_path=model_path,
        challenge_length=steps,
        liveness=liveness,
        antispoof_model=models[0],
        yunet_model=models[1],
    )


def test_a_known_live_face_is_greeted_without_a_step(
    faces: Path, model_path: Path, passive_models: tuple[Path, Path], staff: dict[str, list[npt.NDArray[np.float32]]]
) -> None:
    gallery = _gallery(staff, "maria", "tran")
    verdict, shown = _attempt(_spec(faces / LIVE, model_path, passive_models, "normal"), gallery, "normal")
    assert verdict.code == "identified"
    assert verdict.employee_id == "maria"
    assert verdict.live is True
    assert shown
    assert all(checking.step is None for checking in shown)  # the model was sure: nothing was asked
    assert shown[0].prompt == "Look at the camera"


def test_a_face_the_kiosk_does_not_know_is_never_asked_for_a_step(
    faces: Path, model_path: Path, passive_models: tuple[Path, Path], staff: dict[str, list[npt.NDArray[np.float32]]]
) -> None:
    without_maria = _gallery(staff, "tran")
    verdict, shown = _attempt(_spec(faces / LIVE, model_path, passive_models, "strict"), without_maria, "strict")
    assert verdict.code == "not_recognised"
    assert verdict.employee_id is None
    assert all(checking.step is None for checking in shown)  # Strict asks two steps, but only of people it knows
