"""The outcome of one liveness attempt, as the UI shows it and the audit log keeps it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kiosk.vision.liveness.challenge import ChallengeStep


@dataclass(frozen=True)
class Reason:
    """Why an attempt was refused: a stable code for logs and tests, and a sentence for people."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Plain form for JSON."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class StepOutcome:
    """One challenge step: whether it was answered and when (stream seconds; None when it never came to it)."""

    step: ChallengeStep
    answered: bool
    asked_at: float | None
    answered_at: float | None
    time_limit_s: float

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "step": self.step.value,
            "prompt": self.step.prompt,
            "answered": self.answered,
            "asked_at": None if self.asked_at is None else round(self.asked_at, 3),
            "answered_at": None if self.answered_at is None else round(self.answered_at, 3),
            "time_limit_s": self.time_limit_s,
        }


@dataclass(frozen=True)
class LivenessResult:
    """Live or not, the steps and the reasons.

    Attributes:
        live: True only when every step was answered in time and no passive check objected.
        steps: the challenge, in the order it was asked.
        reasons: every reason to refuse (empty when live).
        blinks: complete blinks seen during the attempt.
        started_at: stream time of the first frame with the face (None when no face was seen).
        ended_at: stream time of the last frame looked at.
        frames: frames looked at.
        signals: the measured values behind the passive checks, for the audit log.
        p_real: the passive window's median P(real) by the presentation-attack model (None without one).
    """

    live: bool
    steps: tuple[StepOutcome, ...]
    reasons: tuple[Reason, ...]
    blinks: int
    started_at: float | None
    ended_at: float
    frames: int
    signals: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    p_real: float | None = None

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """The codes of the reasons, in order."""
        return tuple(reason.code for reason in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON (the `vision liveness` command prints it)."""
        return {
            "live": self.live,
            "challenge": [step.to_dict() for step in self.steps],
            "reasons": [reason.to_dict() for reason in self.reasons],
            "blinks": self.blinks,
            "started_at": None if self.started_at is None else round(self.started_at, 3),
            "ended_at": round(self.ended_at, 3),
            "frames": self.frames,
            "p_real": None if self.p_real is None else round(self.p_real, 3),
            "signals": {name: round(value, 4) for name, value in self.signals.items()},
        }
