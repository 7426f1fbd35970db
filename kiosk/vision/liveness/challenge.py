"""Challenge steps (blink, turn left, turn right, smile, look up) and how each one is judged over frames.

A step is answered only by a sustained movement that starts after the step was asked for:

- the measured value (yaw, pitch or smile relative to the person's own neutral pose, or a complete blink) must first
  be seen at rest, so a head already turned when the step starts does not count;
- then it must cross the enter threshold and stay beyond the exit threshold (hysteresis) for `hold_s` seconds and
  at least `hold_frames` frames: one turned frame, or a single spike of the smile score, is not enough;
- a frame without the face breaks the hold;
- looking up counts only with the head facing forward (within the turn exit threshold), because a head turn moves
  the pitch estimate too: the monitor replay in ../shared/faces "looked up" by 13 degrees while turning left.

Head-pose signs follow `FaceObservation`: turning to the person's own left is a positive yaw in the unmirrored camera
picture; the kiosk's mirrored preview does not change that.
"""

from __future__ import annotations

import enum
import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.domain.errors import RuleViolation


class ChallengeStep(enum.StrEnum):
    """What the person is asked to do."""

    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    SMILE = "smile"
    LOOK_UP = "look_up"

    @property
    def prompt(self) -> str:
        """The instruction shown on the kiosk."""
        return _PROMPTS[self]


_PROMPTS = {
    ChallengeStep.BLINK: "Blink your eyes",
    ChallengeStep.TURN_LEFT: "Turn your head to your left",
    ChallengeStep.TURN_RIGHT: "Turn your head to your right",
    ChallengeStep.SMILE: "Smile",
    ChallengeStep.LOOK_UP: "Look up",
}

MIN_RANDOM_STEPS = 2


def random_challenge(length: int = 2, rng: random.Random | None = None) -> tuple[ChallengeStep, ...]:
    """`length` different steps in random order (at least two; the system's secure random source by default).

    A seeded `random.Random` makes the challenge reproducible, for tests and the `--seed` option.
    """
    if not MIN_RANDOM_STEPS <= length <= len(ChallengeStep):
        raise RuleViolation(
            "bad_challenge_length", f"a random challenge has {MIN_RANDOM_STEPS} to {len(ChallengeStep)} steps"
        )
    chooser = rng if rng is not None else secrets.SystemRandom()
    return tuple(chooser.sample(list(ChallengeStep), length))


def parse_challenge(text: str) -> tuple[ChallengeStep, ...]:
    """Steps from a comma list such as `blink,turn_left`.

    Raises:
        RuleViolation: the list is empty or names an unknown step.
    """
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise RuleViolation("empty_challenge", "the challenge needs at least one step")
    known = {step.value: step for step in ChallengeStep}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise RuleViolation(
            "unknown_challenge_step",
            f"unknown challenge step(s): {', '.join(unknown)}; known steps: {', '.join(known)}",
        )
    return tuple(known[name] for name in names)


@dataclass(frozen=True)
class StepSettings:
    """Thresholds of the movement steps; angles in degrees relative to the neutral pose, smile as a score."""

    turn_enter_deg: float = 15.0
    turn_exit_deg: float = 10.0
    look_up_enter_deg: float = 12.0
    look_up_exit_deg: float = 8.0
    smile_enter: float = 0.5
    smile_rise: float = 0.3
    smile_exit: float = 0.35
    hold_s: float = 0.25
    hold_frames: int = 2


@dataclass(frozen=True)
class FrameSignals:
    """The per-frame values the steps are judged on, already relative to the neutral pose where it matters."""

    time_s: float
    yaw_delta: float
    pitch_delta: float
    smile: float
    smile_neutral: float
    blink_closed_at: float | None


class StepJudge:
    """Judges one step from the frames that follow the moment it was asked for."""

    def __init__(self, step: ChallengeStep, started_at: float, settings: StepSettings) -> None:
        self.step = step
        self.started_at = started_at
        self.settings = settings
        self.answered_at: float | None = None
        self._rested = False
        self._active_since: float | None = None
        self._active_frames = 0

    def _levels(self, signals: FrameSignals) -> tuple[float, float, float]:
        """(value, enter threshold, exit threshold) for the movement steps."""
        s = self.settings
        if self.step is ChallengeStep.TURN_LEFT:
            return signals.yaw_delta, s.turn_enter_deg, s.turn_exit_deg
        if self.step is ChallengeStep.TURN_RIGHT:
            return -signals.yaw_delta, s.turn_enter_deg, s.turn_exit_deg
        if self.step is ChallengeStep.LOOK_UP:
            # A turn drags the pitch estimate along; only a look up with the head facing forward counts.
            if abs(signals.yaw_delta) >= s.turn_exit_deg:
                return -math.inf, s.look_up_enter_deg, s.look_up_exit_deg
            return signals.pitch_delta, s.look_up_enter_deg, s.look_up_exit_deg
        enter = max(s.smile_enter, signals.smile_neutral + s.smile_rise)
        return signals.smile, enter, min(s.smile_exit, enter - 0.05)

    def missing(self) -> None:
        """A frame without the face breaks an ongoing hold."""
        self._active_since = None
        self._active_frames = 0

    def update(self, signals: FrameSignals) -> bool:
        """Judge one frame; True once the step is answered."""
        if self.answered_at is not None:
            return True
        if self.step is ChallengeStep.BLINK:
            if signals.blink_closed_at is not None and signals.blink_closed_at >= self.started_at:
                self.answered_at = signals.time_s
            return self.answered_at is not None
        value, enter, leave = self._levels(signals)
        if value < leave:
            self._rested = True
            self._active_since = None
            self._active_frames = 0
            return False
        if self._active_since is None:
            if not (self._rested and value >= enter):
                return False
            self._active_since = signals.time_s
        self._active_frames += 1
        held = signals.time_s - self._active_since
        if held >= self.settings.hold_s and self._active_frames >= self.settings.hold_frames:
            self.answered_at = signals.time_s
            return True
        return False


def describe_steps(steps: Sequence[ChallengeStep]) -> str:
    """`blink, turn_left` for messages."""
    return ", ".join(step.value for step in steps)
