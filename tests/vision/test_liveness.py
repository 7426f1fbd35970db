"""Liveness attempts on real clips and stills, the challenge rules, and the `vision liveness` command."""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.commands import vision as vision_commands
from kiosk.domain.errors import RuleViolation
from kiosk.vision.camera import CameraSource
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode
from kiosk.vision.liveness import (
    ChallengeStep,
    LivenessConfig,
    LivenessResult,
    StepSettings,
    parse_challenge,
    random_challenge,
    run_liveness,
)
from kiosk.vision.liveness.challenge import FrameSignals, StepJudge
from tests.vision.synthetic import write_tilted_print_clip

STILLS = [
    "spoof/silent_face/image_F1_fake.jpg",
    "spoof/silent_face/image_F2_fake.jpg",
    "spoof/silent_face/early_image_F1_fake_v1.jpg",
    "spoof/silent_face/early_image_F1_fake_v2.jpg",
    "spoof/silent_face/image_T1_real.jpg",
    "spoof/silent_face/early_sample_image_T1_real.jpg",
    "spoof/hyperfas/fake_screen.png",
    "people/barack_obama/fr_obama.jpg",
]


@pytest.fixture
def detector(model_path: Path) -> Iterator[FaceLandmarkDetector]:
    with FaceLandmarkDetector(RunningMode.VIDEO, model_path=model_path) as landmarks:
        yield landmarks


def _attempt(path: Path, steps: str, detector: FaceLandmarkDetector) -> LivenessResult:
    with CameraSource(path, realtime=False) as source:
        return run_liveness(source, detector, parse_challenge(steps))


@pytest.mark.parametrize(
    "clip",
    [
        "video/dinoman_example_2blinks.mp4",
        "video/focus_blink/mahie_test_1.avi",
        "video/focus_blink/soniya_test_6_low_fps.avi",
    ],
)
def test_blink_clips_pass_a_blink_challenge(faces_dir: Path, detector: FaceLandmarkDetector, clip: str) -> None:
    result = _attempt(faces_dir / clip, "blink", detector)
    assert result.live, result.reasons
    assert result.steps[0].answered
    assert result.steps[0].answered_at is not None
    assert result.steps[0].answered_at <= 6.0
    assert result.reasons == ()


def test_head_turns_in_the_asked_order_pass(faces_dir: Path, detector: FaceLandmarkDetector) -> None:
    result = _attempt(faces_dir / "video/headturn_live_tranvanluyt_real.mp4", "turn_left,turn_right", detector)
    assert result.live, result.reasons
    left, right = result.steps
    assert left.answered_at is not None
    assert right.answered_at is not None
    assert left.answered_at < right.answered_at
    assert right.asked_at == left.answered_at


def test_a_recording_in_another_order_fails_the_challenge(faces_dir: Path, detector: FaceLandmarkDetector) -> None:
    # The clip turns left at 2 s and right at 7.5 s: asked right first, it cannot answer within 6 s.
    result = _attempt(faces_dir / "video/headturn_live_tranvanluyt_real.mp4", "turn_right,turn_left", detector)
    assert not result.live
    assert result.reason_codes[0] == "challenge_timeout"
    assert [step.answered for step in result.steps] == [False, False]


def test_a_smile_is_recognised(faces_dir: Path, detector: FaceLandmarkDetector) -> None:
    result = _attempt(faces_dir / "video/live_zubair_real.webm", "smile", detector)
    assert result.live, result.reasons


@pytest.mark.parametrize("still", STILLS)
def test_stills_fail(faces_dir: Path, detector: FaceLandmarkDetector, still: str) -> None:
    challenge = random_challenge(2, random.Random(7))
    with CameraSource(faces_dir / still, realtime=False, still_seconds=4.0) as source:
        result = run_liveness(source, detector, challenge)
    assert not result.live
    assert "frozen_image" in result.reason_codes
    assert not any(step.answered for step in result.steps)


def test_a_still_held_long_without_blinking_is_refused_for_it(faces_dir: Path, detector: FaceLandmarkDetector) -> None:
    photo = faces_dir / "spoof/silent_face/image_T1_real.jpg"
    patient = LivenessConfig(step_time_limit_s=20.0)
    with CameraSource(photo, realtime=False, still_seconds=12.0, still_fps=10.0) as source:
        result = run_liveness(source, detector, parse_challenge("blink"), patient)
    assert {"no_blink", "frozen_image", "challenge_incomplete"} <= set(result.reason_codes)
    assert result.ended_at == pytest.approx(11.9)


def test_a_tilted_print_moves_like_a_plane(faces_dir: Path, detector: FaceLandmarkDetector, tmp_path: Path) -> None:
    clip = write_tilted_print_clip(faces_dir / "spoof/silent_face/image_T1_real.jpg", tmp_path / "print.mp4")
    result = _attempt(clip, "turn_left,turn_right", detector)
    assert not result.live
    assert "flat_motion" in result.reason_codes
    assert result.signals["planar_ratio_median"] < 0.38


def test_one_turned_frame_is_not_enough() -> None:
    settings = StepSettings()
    judge = StepJudge(ChallengeStep.TURN_LEFT, 0.0, settings)

    def frame(time_s: float, yaw: float) -> FrameSignals:
        return FrameSignals(time_s, yaw, 0.0, 0.0, 0.0, None)

    assert not judge.update(frame(0.0, 0.0))
    assert not judge.update(frame(0.1, 30.0))
    assert not judge.update(frame(0.2, 0.0))
    # Held, but only for 0.2 s.
    for time_s in (0.3, 0.4, 0.5):
        assert not judge.update(frame(time_s, 25.0))
    # Between the exit and the enter threshold the turn still counts (hysteresis); 0.25 s after it began it is done.
    assert judge.update(frame(0.6, 12.0))
    assert judge.answered_at == 0.6


def test_a_head_already_turned_must_come_back_first() -> None:
    judge = StepJudge(ChallengeStep.TURN_RIGHT, 0.0, StepSettings())
    for index in range(10):
        assert not judge.update(FrameSignals(index * 0.1, -30.0, 0.0, 0.0, 0.0, None))
    judge.update(FrameSignals(1.0, 0.0, 0.0, 0.0, 0.0, None))
    answered = [judge.update(FrameSignals(1.1 + index * 0.1, -30.0, 0.0, 0.0, 0.0, None)) for index in range(4)]
    assert answered == [False, False, False, True]


def test_looking_up_while_turned_does_not_count() -> None:
    judge = StepJudge(ChallengeStep.LOOK_UP, 0.0, StepSettings())
    turned = [FrameSignals(index * 0.1, 25.0, 15.0, 0.0, 0.0, None) for index in range(10)]
    assert not any(judge.update(signals) for signals in turned)
    facing = [FrameSignals(1.0 + index * 0.1, 2.0, 15.0, 0.0, 0.0, None) for index in range(4)]
    assert [judge.update(signals) for signals in facing] == [False, False, False, True]


def test_a_blink_before_the_step_does_not_count() -> None:
    judge = StepJudge(ChallengeStep.BLINK, 2.0, StepSettings())
    assert not judge.update(FrameSignals(2.1, 0.0, 0.0, 0.0, 0.0, 1.9))
    assert judge.update(FrameSignals(2.5, 0.0, 0.0, 0.0, 0.0, 2.3))


def test_random_challenges_are_varied_and_reproducible() -> None:
    seen = {random_challenge(2) for _ in range(60)}
    assert len(seen) > 5
    assert all(len(set(challenge)) == 2 for challenge in seen)
    assert random_challenge(3, random.Random(5)) == random_challenge(3, random.Random(5))
    with pytest.raises(RuleViolation):
        random_challenge(1)


def test_bad_challenge_texts_are_refused() -> None:
    assert parse_challenge(" Blink , turn_left ") == (ChallengeStep.BLINK, ChallengeStep.TURN_LEFT)
    with pytest.raises(RuleViolation) as raised:
        parse_challenge("blink,wave")
    assert raised.value.code == "unknown_challenge_step"
    assert "wave" in raised.value.message
    with pytest.raises(RuleViolation):
        parse_challenge(" , ")


def _run_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    vision_commands.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


def test_liveness_command_prints_one_json_object(faces_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = faces_dir / "video/dinoman_example_2blinks.mp4"
    assert _run_command(["vision", "liveness", "--video", str(clip), "--challenge", "blink"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["live"] is True
    assert [step["step"] for step in report["challenge"]] == ["blink"]
    assert report["challenge"][0]["answered"] is True
    assert report["reasons"] == []


def test_liveness_command_shows_a_photo_held_still(faces_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = faces_dir / "spoof/silent_face/image_F2_fake.jpg"
    assert _run_command(["vision", "liveness", "--video", str(photo), "--seed", "3"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["live"] is False
    assert len(first["challenge"]) == 2
    assert "frozen_image" in [reason["code"] for reason in first["reasons"]]
    assert first["ended_at"] == pytest.approx(3.93, abs=0.01)
    _run_command(["vision", "liveness", "--video", str(photo), "--seed", "3"])
    again = json.loads(capsys.readouterr().out)
    assert [step["step"] for step in again["challenge"]] == [step["step"] for step in first["challenge"]]


def test_liveness_command_refuses_bad_input(tmp_path: Path) -> None:
    junk = tmp_path / "clip.mp4"
    junk.write_bytes(b"\x00" * 4096)
    cases = [
        (["--video", str(tmp_path / "absent.mp4")], "video_missing"),
        (["--video", str(junk)], "video_unreadable"),
        (["--video", str(junk), "--challenge", "blink,jump"], "unknown_challenge_step"),
        (["--video", str(junk), "--steps", "9"], "bad_challenge_length"),
        (["--video", str(junk), "--still-seconds", "0"], "bad_still_seconds"),
    ]
    for extra, code in cases:
        with pytest.raises(RuleViolation) as raised:
            _run_command(["vision", "liveness", *extra])
        assert raised.value.code == code


def test_main_py_runs_the_liveness_command(faces_dir: Path) -> None:
    """The command as people type it, through main.py, in its own process."""
    completed = subprocess.run(
        [
            sys.executable,
            "main.py",
            "vision",
            "liveness",
            "--video",
            str(faces_dir / "video/dinoman_example_2blinks.mp4"),
            "--challenge",
            "blink",
        ],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["live"] is True
    assert report["blinks"] == 2
