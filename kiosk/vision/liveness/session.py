"""One liveness attempt, frame by frame: the passive evidence, and the challenge steps when they are needed.

With a presentation-attack model (`score_face`) and a `LivenessMode`, an attempt is fused:

1. The first `window_frames` frontal frames with the face (head within `frontal_max_deg`) are scored by the model and
   judged by their median P(real), never by one frame: a replay has single frames that score high.
2. A median under `attack_below` refuses the attempt at once ("presentation_attack"). A median of at least
   `live_at_least` is confident; between the two the window is uncertain. A window that does not fill within
   `window_timeout_s` (a face turned away, a face the box detector does not find) is uncertain too.
3. The mode chooses what is asked: PASSIVE asks nothing (uncertain is refused, the person tries again), NORMAL asks
   one random step only when the window is uncertain, STRICT asks two steps always. A step is asked only of a person
   the kiosk knows (`person_known`), so nobody it does not recognise is asked to perform.
4. The passive checks (`passive.py`) run on every frame throughout and can refuse on their own, as before.

Without a model (or with `mode` None) the attempt asks the whole challenge from the first frame with the face.

Measured on ../shared/faces with the first eight frontal frames: every live clip's median is 0.63 or more (the tiny
96 x 128 talking clip; the others 0.96 to 1.00), the monitor replay's 0.00, the phone replay's 0.45 (and that replay
shows the face in too few frames: `face_lost`). `benchmarks/time_to_punch.py` prints the figures per mode.
"""

from __future__ import annotations

import enum
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

ScoreFace = Callable[[Frame, FaceObservation], float | None]
"""P(real) of the user's face in a frame by the presentation-attack model, None when it cannot be judged."""


class LivenessMode(enum.StrEnum):
    """How much is asked of the person besides the passive evidence."""

    PASSIVE = "passive"
    NORMAL = "normal"
    STRICT = "strict"

    @property
    def steps_always(self) -> int:
        """Steps asked whatever the passive evidence says."""
        return 2 if self is LivenessMode.STRICT else 0

    @property
    def steps_when_uncertain(self) -> int:
        """Steps asked when the passive window is uncertain (0: the attempt is refused instead)."""
        return {LivenessMode.PASSIVE: 0, LivenessMode.NORMAL: 1, LivenessMode.STRICT: 2}[self]


@dataclass(frozen=True)
class PassiveModelSettings:
    """How the presentation-attack model's scores are judged (see the module docstring)."""

    window_frames: int = 8
    frontal_max_deg: float = 15.0
    live_at_least: float = 0.6
    attack_below: float = 0.2
    window_timeout_s: float = 3.0
    min_window_s: float = 0.4
    min_scores_on_timeout: int = 3


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
    mode: LivenessMode | None = None
    model: PassiveModelSettings = field(default_factory=PassiveModelSettings)


class LivenessSession:
    """Feed it frames with the user's face (or None) until `finished`, then call `result()`.

    `prompt` is the instruction to show for the current step.

    Args:
        challenge: the steps that may be asked, in order (all of them at once without a model; with one, as many as
            the mode and the passive window ask for).
        config: thresholds, and the mode of a fused attempt.
        score_face: the presentation-attack model; None asks the whole challenge.
        person_known: whether the person has been recognised; a fused attempt asks no step before they are.
    """

    def __init__(
        self,
        challenge: Sequence[ChallengeStep],
        config: LivenessConfig | None = None,
        score_face: ScoreFace | None = None,
        *,
        person_known: bool = True,
    ) -> None:
        if not challenge:
            raise RuleViolation("empty_challenge", "the challenge needs at least one step")
        self.config = config if config is not None else LivenessConfig()
        self.fused = score_face is not None and self.config.mode is not None
        if self.fused:
            assert self.config.mode is not None
            needed = max(self.config.mode.steps_always, self.config.mode.steps_when_uncertain)
            if len(challenge) < needed:
                raise RuleViolation("bad_challenge_length", f"the {self.config.mode.value} mode may ask {needed} steps")
        self.pool = tuple(challenge)
        # The steps asked so far; without a model the whole challenge is asked from the start.
        self.challenge: tuple[ChallengeStep, ...] = () if self.fused else self.pool
        self.person_known = person_known
        self._score_face = score_face
        self._scores: list[float] = []
        self._p_real: float | None = None
        self._steps_needed: int | None = None if self.fused else len(self.pool)
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

    @property
    def waiting_for_person(self) -> bool:
        """A step is due but the person has not been recognised yet, so none is asked."""
        return (
            not self._finished
            and self._steps_needed is not None
            and len(self._outcomes) < self._steps_needed
            and self._judge is None
            and not self.person_known
        )

    @property
    def steps_to_ask(self) -> int:
        """Steps this attempt asks in all, as far as known (0 while the passive window is being judged)."""
        return 0 if self._steps_needed is None else self._steps_needed

    @property
    def p_real(self) -> float | None:
        """The passive window's median P(real), once it was judged."""
        return self._p_real

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
        self._passive.update(time_s, frame.image, face)
        if self._steps_needed is None:
            self._judge_window(frame, face, time_s)
            if self.finished:
                return
        self._ask_next_step(time_s)
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

    def _judge_window(self, frame: Frame, face: FaceObservation | None, time_s: float) -> None:
        """Score frontal frames until the window is full (or its time is up), then decide what to ask."""
        settings, mode = self.config.model, self.config.mode
        assert self._started_at is not None
        assert self._score_face is not None
        assert mode is not None
        frontal = face is not None and max(abs(face.yaw), abs(face.pitch)) <= settings.frontal_max_deg
        if frontal and face is not None:
            score = self._score_face(frame, face)
            if score is not None:
                self._scores.append(score)
        elapsed = time_s - self._started_at
        full = len(self._scores) >= settings.window_frames and elapsed >= settings.min_window_s
        if not full and elapsed < settings.window_timeout_s:
            return
        if len(self._scores) >= settings.min_scores_on_timeout:
            self._p_real = float(np.median(self._scores[-settings.window_frames :]))
        if self._p_real is not None and self._p_real < settings.attack_below:
            self._end(
                # The score itself stays in the result's signals for the audit log; the person reads a sentence.
                Reason("presentation_attack", "The face looks like a picture or a screen, not a live person.")
            )
            return
        confident = self._p_real is not None and self._p_real >= settings.live_at_least
        needed = mode.steps_always if confident else mode.steps_when_uncertain
        if not confident and needed == 0:
            self._end(
                Reason(
                    "passive_uncertain",
                    "A live face could not be confirmed without a step; look straight at the camera and try again.",
                )
            )
            return
        self._steps_needed = needed
        log.debug(
            "passive window: P(real) %s over %d frames, %d step(s) to ask", self._p_real, len(self._scores), needed
        )

    def _ask_next_step(self, time_s: float) -> None:
        needed = self._steps_needed
        if needed is None or self._judge is not None or len(self._outcomes) >= needed or not self.person_known:
            return
        asked = len(self._outcomes)
        if self.fused:
            self.challenge = self.pool[: asked + 1]
        self._judge = StepJudge(self.pool[asked], time_s, self.config.steps)

    def _step_done(self, judge: StepJudge, time_s: float) -> None:
        self._outcomes.append(
            StepOutcome(judge.step, True, judge.started_at, judge.answered_at, self.config.step_time_limit_s)
        )
        self._judge = None
        self._ask_next_step(time_s)

    def _check_time(self, time_s: float) -> None:
        assert self._started_at is not None
        needed = self._steps_needed
        if needed is None:
            return
        if len(self._outcomes) >= needed:
            # A fused attempt has judged its window over enough frames already; the challenge alone waits so
            # that the passive checks have frames to judge.
            if self.fused or time_s - self._started_at >= self.config.min_duration_s:
                self._end(None)
            return
        judge = self._judge
        if judge is None:
            return  # waiting for the person to be recognised
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
        expected = self.challenge
        if self.fused and self._steps_needed is not None and len(expected) < self._steps_needed:
            expected = self.pool[: self._steps_needed]
        for index in range(len(outcomes), len(expected)):
            step = expected[index]
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
        if self.fused and self._steps_needed is None and self._end_reason is None and self._started_at is not None:
            reasons.append(Reason("passive_incomplete", "The attempt ended before the face could be judged."))
        if self._started_at is not None:
            face_seconds = self._last_time - self._started_at
            passive = self._passive.verdict(len(self._blinks.events), face_seconds)
        else:
            passive = [] if self._end_reason is not None else [Reason("no_face", "No face was seen.")]
        reasons.extend(passive)
        signals = self._passive.signals()
        signals["blinks"] = float(len(self._blinks.events))
        if self.fused:
            signals["p_real_frames"] = float(len(self._scores))
            signals["p_real_median"] = -1.0 if self._p_real is None else self._p_real
        return LivenessResult(
            live=not reasons,
            steps=tuple(outcomes),
            reasons=tuple(reasons),
            blinks=len(self._blinks.events),
            started_at=self._started_at,
            ended_at=self._last_time,
            frames=self._frames,
            signals=MappingProxyType(signals),
            p_real=self._p_real,
        )


def run_liveness(
    source: CameraSource,
    detector: FaceLandmarkDetector,
    challenge: Sequence[ChallengeStep],
    config: LivenessConfig | None = None,
    on_frame: Callable[[Frame, FaceObservation | None, LivenessSession], None] | None = None,
    *,
    score_face: ScoreFace | None = None,
) -> LivenessResult:
    """Run one attempt on frames from `source` until it has its answer or the source ends.

    Args:
        source: the camera (or a file played as one).
        detector: a VIDEO-mode landmark detector.
        challenge: the steps to ask.
        config: thresholds; the defaults when None.
        on_frame: called after each frame (the UI draws the prompt and the face box from it).
        score_face: the presentation-attack model, for a fused attempt (with `config.mode`).
    """
    session = LivenessSession(challenge, config, score_face)
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
