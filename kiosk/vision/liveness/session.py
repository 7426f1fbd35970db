"""One liveness attempt: the challenge asked step by step, the blink detector and the passive checks, frame by frame."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from kiosk.domain.errors import RuleViolation
from kiosk.vision.camera import CameraSource, Frame
from kiosk.vision.landmarks import FaceLandmarkDetector, FaceObservation, pick_user_face
from kiosk.vision.liveness.blink import BlinkDetector, BlinkSettings, eye_closure_score
from kiosk.vision.liveness.challenge import ChallengeStep, FrameSignals, StepJudge, StepSettings
from kiosk.vision.liveness.passive import PassiveMonitor, PassiveSettings
from kiosk.vision.liveness.result import LivenessResult, Reason, StepOutcome

log = logging.getLogger(__name__)

# A person who stands at an angle keeps that angle as the neutral pose, up to these limits.
NEUTRAL_ANGLE_LIMIT_DEG = 15.0
NEUTRAL_SMILE_LIMIT = 0.3


def smile_score(face: FaceObservation) -> float:
    """Mean of the two mouthSmile blendshapes."""
    return (face.blendshape("mouthSmileLeft") + face.blendshape("mouthSmileRight")) / 2.0


@dataclass(frozen=True)
class LivenessConfig:
    """Everything an attempt is judged by.

    Attributes:
        step_time_limit_s: each step must be answered within this time after it is asked.
        min_duration_s: an attempt lasts at least this long (from the first frame with the face), so the passive
            checks have frames to judge even when the steps are answered at once.
        no_face_timeout_s: give up when no face appears for this long.
        neutral_window_s: the first seconds with the face give the person's neutral pose.
    """

    step_time_limit_s: float = 6.0
    min_duration_s: float = 2.0
    no_face_timeout_s: float = 5.0
    neutral_window_s: float = 0.5
    blink: BlinkSettings = field(default_factory=BlinkSettings)
    steps: StepSettings = field(default_factory=StepSettings)
    passive: PassiveSettings = field(default_factory=PassiveSettings)


class LivenessSession:
    """Feed it frames with the user's face (or None) until `finished`, then call `result()`.

    `prompt` is the instruction to show for the current step.
    """

    def __init__(self, challenge: Sequence[ChallengeStep], config: LivenessConfig | None = None) -> None:
        if not challenge:
            raise RuleViolation("empty_challenge", "the challenge needs at least one step")
        self.challenge = tuple(challenge)
        self.config = config if config is not None else LivenessConfig()
        self._blinks = BlinkDetector(self.config.blink)
        self._passive = PassiveMonitor(self.config.passive)
        self._outcomes: list[StepOutcome] = []
        self._judge: StepJudge | None = None
        self._first_frame_at: float | None = None
        self._started_at: float | None = None
        self._last_time = 0.0
        self._frames = 0
        self._neutral: list[tuple[float, float, float]] = []
        self._neutral_fixed: tuple[float, float, float] | None = None
        self._end_reason: Reason | None = None
        self._finished = False

    @property
    def finished(self) -> bool:
        """True when the attempt has its answer (all steps done, a step timed out, or no face came)."""
        return self._finished

    @property
    def current_step(self) -> ChallengeStep | None:
        """The step being asked, None before the face appears and after the end."""
        return None if self._judge is None or self._finished else self._judge.step

    def seconds_left(self, time_s: float) -> float | None:
        """Seconds the current step has left at stream time `time_s` (None when no step is being asked)."""
        judge = self._judge
        if judge is None or self._finished:
            return None
        return max(0.0, self.config.step_time_limit_s - (time_s - judge.started_at))

    @property
    def prompt(self) -> str | None:
        """The instruction for the current step."""
        step = self.current_step
        return None if step is None else step.prompt

    def _neutral_pose(self, face: FaceObservation, time_s: float) -> tuple[float, float, float]:
        if self._neutral_fixed is not None:
            return self._neutral_fixed
        assert self._started_at is not None
        self._neutral.append((face.yaw, face.pitch, smile_score(face)))
        values = np.median(np.array(self._neutral), axis=0)
        neutral = (
            float(np.clip(values[0], -NEUTRAL_ANGLE_LIMIT_DEG, NEUTRAL_ANGLE_LIMIT_DEG)),
            float(np.clip(values[1], -NEUTRAL_ANGLE_LIMIT_DEG, NEUTRAL_ANGLE_LIMIT_DEG)),
            float(min(values[2], NEUTRAL_SMILE_LIMIT)),
        )
        if time_s - self._started_at >= self.config.neutral_window_s:
            self._neutral_fixed = neutral
        return neutral

    def update(self, frame: Frame, face: FaceObservation | None) -> None:
        """Judge one frame; `face` is the kiosk user's face in it (`pick_user_face`), None when there is none."""
        if self._finished:
            return
        time_s = frame.stream_time
        self._frames += 1
        self._last_time = time_s
        if self._first_frame_at is None:
            self._first_frame_at = time_s
        if self._started_at is None:
            if face is None:
                if time_s - self._first_frame_at >= self.config.no_face_timeout_s:
                    self._end(Reason("no_face", "No face was seen."))
                return
            self._started_at = time_s
            self._judge = StepJudge(self.challenge[0], time_s, self.config.steps)
        self._passive.update(time_s, frame.image, face)
        judge = self._judge
        if face is None:
            self._blinks.missing()
            if judge is not None:
                judge.missing()
        else:
            neutral_yaw, neutral_pitch, neutral_smile = self._neutral_pose(face, time_s)
            blink = self._blinks.update(time_s, eye_closure_score(face.blendshapes))
            signals = FrameSignals(
                time_s=time_s,
                yaw_delta=face.yaw - neutral_yaw,
                pitch_delta=face.pitch - neutral_pitch,
                smile=smile_score(face),
                smile_neutral=neutral_smile,
                blink_closed_at=None if blink.blink is None else blink.blink.closed_at,
            )
            if judge is not None and judge.update(signals):
                self._step_done(judge, time_s)
        self._check_time(time_s)

    def _step_done(self, judge: StepJudge, time_s: float) -> None:
        self._outcomes.append(
            StepOutcome(judge.step, True, judge.started_at, judge.answered_at, self.config.step_time_limit_s)
        )
        following = len(self._outcomes)
        self._judge = (
            StepJudge(self.challenge[following], time_s, self.config.steps) if following < len(self.challenge) else None
        )

    def _check_time(self, time_s: float) -> None:
        assert self._started_at is not None
        if len(self._outcomes) == len(self.challenge):
            if time_s - self._started_at >= self.config.min_duration_s:
                self._end(None)
            return
        judge = self._judge
        assert judge is not None
        if time_s - judge.started_at > self.config.step_time_limit_s:
            self._end(
                Reason(
                    "challenge_timeout",
                    f"'{judge.step.prompt}' was not done within {self.config.step_time_limit_s:.0f} s.",
                )
            )

    def _end(self, reason: Reason | None) -> None:
        self._end_reason = reason
        self._finished = True

    def result(self) -> LivenessResult:
        """The verdict on what was seen so far (a source that ended early leaves steps unanswered)."""
        self._finished = True
        outcomes = list(self._outcomes)
        reasons: list[Reason] = []
        if self._end_reason is not None:
            reasons.append(self._end_reason)
        for index in range(len(outcomes), len(self.challenge)):
            step = self.challenge[index]
            asked = self._judge.started_at if self._judge is not None and index == len(self._outcomes) else None
            outcomes.append(StepOutcome(step, False, asked, None, self.config.step_time_limit_s))
        unanswered = [outcome for outcome in outcomes if not outcome.answered]
        timed_out = self._end_reason is not None and self._end_reason.code == "challenge_timeout"
        if unanswered and not timed_out and self._started_at is not None:
            reasons.append(
                Reason(
                    "challenge_incomplete",
                    f"The attempt ended before '{unanswered[0].step.prompt}' was done.",
                )
            )
        if self._started_at is not None:
            face_seconds = self._last_time - self._started_at
            passive = self._passive.verdict(len(self._blinks.events), face_seconds)
        else:
            passive = [] if self._end_reason is not None else [Reason("no_face", "No face was seen.")]
        reasons.extend(passive)
        signals = self._passive.signals()
        signals["blinks"] = float(len(self._blinks.events))
        return LivenessResult(
            live=not reasons,
            steps=tuple(outcomes),
            reasons=tuple(reasons),
            blinks=len(self._blinks.events),
            started_at=self._started_at,
            ended_at=self._last_time,
            frames=self._frames,
            signals=MappingProxyType(signals),
        )


def run_liveness(
    source: CameraSource,
    detector: FaceLandmarkDetector,
    challenge: Sequence[ChallengeStep],
    config: LivenessConfig | None = None,
    on_frame: Callable[[Frame, FaceObservation | None, LivenessSession], None] | None = None,
) -> LivenessResult:
    """Run one attempt on frames from `source` until it has its answer or the source ends.

    Args:
        source: the camera (or a file played as one).
        detector: a VIDEO-mode landmark detector.
        challenge: the steps to ask.
        config: thresholds; the defaults when None.
        on_frame: called after each frame (the UI draws the prompt and the face box from it).
    """
    session = LivenessSession(challenge, config)
    for frame in source.frames():
        faces = detector.detect_for_video(frame.rgb(), frame.timestamp_ms)
        face = pick_user_face(faces)
        session.update(frame, face)
        if on_frame is not None:
            on_frame(frame, face, session)
        if session.finished:
            break
    result = session.result()
    log.info("liveness %s: steps %s reasons %s", result.live, [s.answered for s in result.steps], result.reason_codes)
    return result
