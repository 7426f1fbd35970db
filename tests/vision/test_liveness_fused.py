"""Fused liveness: the presentation-attack model over a window of frontal frames, with the passive checks, and a
challenge step only when the window is uncertain or the mode asks for it; on the real shared clips."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.commands import vision as vision_commands
from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.vision.antispoof import FaceBox, PassiveFaceScorer, antispoof_crop
from kiosk.vision.camera import CameraSource, Frame
from kiosk.vision.landmarks import FaceLandmarkDetector, FaceObservation, RunningMode, pick_user_face
from kiosk.vision.liveness import (
    ChallengeStep,
    LivenessConfig,
    LivenessMode,
    LivenessResult,
    LivenessSession,
    parse_challenge,
    run_liveness,
)
from kiosk.vision.liveness.passive import PassiveSettings, framing_sides
from kiosk.vision.models import ANTISPOOF_MODEL, fetch_pinned, require_pinned
from tests.vision.synthetic import write_monitor_replay_clip, write_phone_still_clip

LIVE_HEADTURN = "video/headturn_live_tranvanluyt_real.mp4"
MONITOR_REPLAY = "spoof/replay_monitor_tranvanluyt_fake.mp4"
PHONE_REPLAY = "spoof/replay_phone_zubair_fake.webm"


@pytest.fixture
def detector(model_path: Path) -> Iterator[FaceLandmarkDetector]:
    with FaceLandmarkDetector(RunningMode.VIDEO, model_path=model_path) as landmarks:
        yield landmarks


def _fused(
    path: Path, mode: LivenessMode, scorer: PassiveFaceScorer, detector: FaceLandmarkDetector, steps: str
) -> LivenessResult:
    with CameraSource(path, realtime=False) as source:
        return run_liveness(
            source, detector, parse_challenge(steps), LivenessConfig(mode=mode), score_face=scorer.score_frame
        )


def test_a_live_person_is_accepted_from_the_window_alone_within_a_second(
    faces_dir: Path, passive_scorer: PassiveFaceScorer, detector: FaceLandmarkDetector
) -> None:
    result = _fused(faces_dir / LIVE_HEADTURN, LivenessMode.NORMAL, passive_scorer, detector, "turn_left,smile")
    assert result.live, result.reasons
    assert result.steps == ()  # the model was sure: nothing was asked
    assert result.p_real is not None
    assert result.p_real >= LivenessConfig().model.live_at_least
    assert result.ended_at < 1.0


@pytest.mark.parametrize("mode", list(LivenessMode))
def test_the_monitor_replay_is_refused_by_the_model_in_every_mode(
    faces_dir: Path, passive_scorer: PassiveFaceScorer, detector: FaceLandmarkDetector, mode: LivenessMode
) -> None:
    """The replay shows every movement a challenge could ask; the model refuses it before any step is asked."""
    result = _fused(faces_dir / MONITOR_REPLAY, mode, passive_scorer, detector, "turn_left,turn_right")
    assert not result.live
    assert result.reason_codes[0] == "presentation_attack"
    assert result.steps == ()
    assert result.p_real is not None
    assert result.p_real < 0.05


def test_the_phone_replay_is_refused(
    faces_dir: Path, passive_scorer: PassiveFaceScorer, detector: FaceLandmarkDetector
) -> None:
    result = _fused(faces_dir / PHONE_REPLAY, LivenessMode.NORMAL, passive_scorer, detector, "smile,blink")
    assert not result.live
    assert "face_lost" in result.reason_codes


def test_strict_asks_two_steps_even_when_the_model_is_sure(
    faces_dir: Path, passive_scorer: PassiveFaceScorer, detector: FaceLandmarkDetector
) -> None:
    result = _fused(faces_dir / LIVE_HEADTURN, LivenessMode.STRICT, passive_scorer, detector, "turn_left,turn_right")
    assert [outcome.step for outcome in result.steps] == [ChallengeStep.TURN_LEFT, ChallengeStep.TURN_RIGHT]
    assert result.p_real is not None
    assert result.p_real >= LivenessConfig().model.live_at_least


def _frames_with_faces(path: Path, detector: FaceLandmarkDetector, count: int) -> list[tuple[Frame, FaceObservation]]:
    frames: list[tuple[Frame, FaceObservation]] = []
    with CameraSource(path, realtime=False) as source:
        for frame in source.frames():
            face = pick_user_face(detector.detect_for_video(frame.rgb(), frame.timestamp_ms))
            if face is not None:
                frames.append((frame, face))
            if len(frames) == count:
                break
    return frames


def _unsure(frame: Frame, face: FaceObservation) -> float:
    """The model's answer for a window it cannot settle: between the attack and the live thresholds."""
    return 0.4


def test_an_uncertain_window_asks_one_step_and_only_of_a_recognised_person(
    faces_dir: Path, detector: FaceLandmarkDetector
) -> None:
    frames = _frames_with_faces(faces_dir / "video/focus_blink/mahie_test_1.avi", detector, 40)
    session = LivenessSession(
        (ChallengeStep.BLINK, ChallengeStep.SMILE),
        LivenessConfig(mode=LivenessMode.NORMAL),
        _unsure,
        person_known=False,
    )
    for frame, face in frames[:20]:
        session.update(frame, face)
    assert not session.finished
    assert session.waiting_for_person  # a step is due, but nobody known stands there: nothing is asked
    assert session.prompt is None
    assert not list(session.challenge)
    session.person_known = True
    frame, face = frames[20]
    session.update(frame, face)
    assert session.current_step is ChallengeStep.BLINK
    assert session.challenge == (ChallengeStep.BLINK,)
    assert session.steps_to_ask == 1


def test_passive_only_refuses_an_uncertain_window_without_asking(
    faces_dir: Path, detector: FaceLandmarkDetector
) -> None:
    session = LivenessSession(
        (ChallengeStep.BLINK, ChallengeStep.SMILE), LivenessConfig(mode=LivenessMode.PASSIVE), _unsure
    )
    for frame, face in _frames_with_faces(faces_dir / "video/focus_blink/mahie_test_1.avi", detector, 20):
        session.update(frame, face)
        if session.finished:
            break
    result = session.result()
    assert not result.live
    assert result.reason_codes == ("passive_uncertain",)
    assert result.steps == ()


def test_the_crop_follows_the_models_contract() -> None:
    """1.5 x the larger side, square, around the centre, reflect-101 padding, 128 x 128, RGB / 255, NCHW."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(240, 320, 3), dtype=np.uint8)
    inside = FaceBox(100.0, 60.0, 80.0, 100.0, 0.9)
    crop = antispoof_crop(image, inside)
    assert crop.shape == (1, 3, 128, 128)
    assert crop.dtype == np.float32
    side = 150  # 1.5 x 100
    left, top = round(140 - side / 2), round(110 - side / 2)
    expected = cv2.resize(image[top : top + side, left : left + side], (128, 128), interpolation=cv2.INTER_AREA)
    assert np.allclose(crop[0], cv2.cvtColor(expected, cv2.COLOR_BGR2RGB).transpose(2, 0, 1) / 255.0, atol=1e-6)
    # A face at the corner: the square leaves the frame and is filled by reflection, not by black.
    corner = antispoof_crop(image, FaceBox(0.0, 0.0, 60.0, 60.0, 0.9))
    padded = cv2.copyMakeBorder(image[0:75, 0:75], 15, 0, 15, 0, cv2.BORDER_REFLECT_101)
    enlarged = cv2.resize(padded, (128, 128), interpolation=cv2.INTER_LANCZOS4)
    assert np.allclose(corner[0], cv2.cvtColor(enlarged, cv2.COLOR_BGR2RGB).transpose(2, 0, 1) / 255.0, atol=1e-6)


def test_a_missing_or_corrupt_model_file_is_refused_with_the_fix(
    tmp_path: Path, passive_models: tuple[Path, Path]
) -> None:
    with pytest.raises(EnvironmentProblem, match="missing") as missing:
        require_pinned(ANTISPOOF_MODEL, tmp_path / ANTISPOOF_MODEL.filename)
    assert "python main.py fetch-models" in str(missing.value)
    corrupt = tmp_path / "copy.onnx"
    data = bytearray(passive_models[0].read_bytes())
    data[100] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    with pytest.raises(EnvironmentProblem, match="corrupt"):
        PassiveFaceScorer(corrupt, passive_models[1])
    # fetch refuses the wrong file too, and leaves nothing behind
    with pytest.raises(EnvironmentProblem, match="Could not get a valid presentation-attack model"):
        fetch_pinned(ANTISPOOF_MODEL, models_dir=tmp_path / "models", user_file=corrupt, use_network=False)
    assert not (tmp_path / "models" / ANTISPOOF_MODEL.filename).exists()
    good = tmp_path / "good.onnx"
    shutil.copyfile(passive_models[0], good)
    outcome = fetch_pinned(ANTISPOOF_MODEL, models_dir=tmp_path / "models", user_file=good, use_network=False)
    assert outcome.downloaded
    assert require_pinned(ANTISPOOF_MODEL, outcome.path) == outcome.path


def _run_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    vision_commands.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


def test_liveness_command_with_a_mode_prints_live_steps_and_the_decision_time(
    faces_dir: Path, passive_models: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    clip = str(faces_dir / LIVE_HEADTURN)
    assert _run_command(["vision", "liveness", "--video", clip, "--mode", "normal", "--seed", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["live"] is True
    assert report["challenge"] == []
    assert 0.3 <= report["ended_at"] < 1.0
    assert report["p_real"] >= 0.6
    replay = str(faces_dir / MONITOR_REPLAY)
    assert _run_command(["vision", "liveness", "--video", replay, "--mode", "passive"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["live"] is False
    assert report["reasons"][0]["code"] == "presentation_attack"


def test_liveness_command_refuses_a_mode_with_too_few_steps(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00" * 64)
    with pytest.raises(RuleViolation) as raised:
        _run_command(["vision", "liveness", "--video", str(clip), "--mode", "strict", "--challenge", "blink"])
    assert raised.value.code == "bad_challenge_length"
    with pytest.raises(SystemExit):
        _run_command(["vision", "liveness", "--video", str(clip), "--mode", "lenient"])


OFFICE_LIVE = "video/focus_blink/soniya_test_5_low_fps.avi"


def test_the_straight_edges_of_a_room_behind_a_live_person_are_not_a_frame(
    faces_dir: Path, passive_scorer: PassiveFaceScorer, detector: FaceLandmarkDetector
) -> None:
    """Ceiling panels above her and door posts and glass walls beside her make long straight edges on three sides
    of the face, but they meet at no corner around it: she is live, not a picture in a frame."""
    result = _fused(faces_dir / OFFICE_LIVE, LivenessMode.NORMAL, passive_scorer, detector, "blink,smile")
    assert result.live, result.reasons
    assert result.signals["framed_share"] == 0.0


def test_a_clip_re_shown_on_a_monitor_is_refused_for_the_screen_around_the_face(
    faces_dir: Path, passive_scorer: PassiveFaceScorer, detector: FaceLandmarkDetector, tmp_path: Path
) -> None:
    """The model is fooled by this rendering (P(real) near 0.9); the monitor's frame and moire are not."""
    clip = write_monitor_replay_clip(faces_dir / "video/focus_blink/mahie_test_2.avi", tmp_path / "monitor.mp4")
    for mode in LivenessMode:
        result = _fused(clip, mode, passive_scorer, detector, "blink,smile")
        assert not result.live
        assert "frame_around_face" in result.reason_codes, result.reasons


def test_a_still_on_a_phone_is_framed_by_the_phone(
    faces_dir: Path, detector: FaceLandmarkDetector, tmp_path: Path
) -> None:
    clip = write_phone_still_clip(faces_dir / "spoof/silent_face/image_T1_real.jpg", tmp_path / "phone.mp4")
    framed = []
    with CameraSource(clip, realtime=False) as source:
        for frame in source.frames():
            face = pick_user_face(detector.detect_for_video(frame.rgb(), frame.timestamp_ms))
            if face is not None and frame.index % 3 == 0:
                gray = np.asarray(cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
                framed.append(framing_sides(gray, face.box) >= 3)
    assert len(framed) >= 20
    assert sum(framed) / len(framed) >= PassiveSettings().frame_share_min


def test_edges_that_run_on_past_each_other_make_no_frame() -> None:
    """Drawn on a plain picture: a closed rectangle around a face box frames it on four sides; the same four lines
    drawn through the whole picture (as a room's edges run) frame nothing."""
    box = (200, 380, 330, 260)  # top, right, bottom, left
    closed = np.full((480, 640), 120, np.uint8)
    cv2.rectangle(closed, (120, 90), (520, 440), 20, 3)
    assert framing_sides(closed, box) == 4
    running = np.full((480, 640), 120, np.uint8)
    for x in (120, 520):
        cv2.line(running, (x, 0), (x, 479), 20, 3)
    for y in (90, 440):
        cv2.line(running, (0, y), (639, y), 20, 3)
    assert framing_sides(running, box) == 0
