"""What the supervisor's "Liveness check" and "Face matching" settings (Relaxed, Normal, Strict) mean for the camera.

Normal is what the measurements chose: two liveness steps of 6 s each, and the match rule of `kiosk.vision.matcher`
(distance under 0.49 and 0.08 to the next employee, chosen on LFW with a false accept counted ten times a refusal).

- Liveness: Relaxed gives each step 8 s (people who move slowly or misread the prompt); Strict asks three steps of
  5 s each (a replay that happens to show the asked movements passes 1 in 60 three-step challenges instead of 3 in 20).
- Face matching: Strict (0.45, margin 0.10) refuses more genuine employees in bad light and lets fewer strangers
  through; Relaxed (0.53, margin 0.06) recognises more people on the first look at the cost of more strangers taken
  for someone: on LFW's training search, 0.50 / 0.09 already costs more than the chosen point, so Relaxed is for a
  small crew whose faces are far apart, not for hundreds of employees.
"""

from __future__ import annotations

from kiosk.domain.errors import RuleViolation
from kiosk.vision.liveness import LivenessConfig, StepSettings
from kiosk.vision.matcher import MatchPolicy

LEVELS = ("relaxed", "normal", "strict")

_LIVENESS_STEPS = {"relaxed": (2, 8.0), "normal": (2, 6.0), "strict": (3, 5.0)}
_MATCHING = {
    "relaxed": MatchPolicy(threshold=0.53, margin=0.06),
    "normal": MatchPolicy(),
    "strict": MatchPolicy(threshold=0.45, margin=0.10),
}


def _level(strictness: str, setting: str) -> str:
    if strictness not in LEVELS:
        raise RuleViolation(f"{setting}_value", f"{setting.replace('_', ' ')} must be one of {', '.join(LEVELS)}")
    return strictness


def liveness_for(strictness: str) -> tuple[int, LivenessConfig]:
    """The number of challenge steps and the liveness thresholds of a liveness strictness.

    Raises:
        RuleViolation: for a level that is not relaxed, normal or strict.
    """
    steps, time_limit = _LIVENESS_STEPS[_level(strictness, "liveness_strictness")]
    return steps, LivenessConfig(step_time_limit_s=time_limit, steps=StepSettings())


def matching_for(strictness: str) -> MatchPolicy:
    """The match rule of a face-matching strictness.

    Raises:
        RuleViolation: for a level that is not relaxed, normal or strict.
    """
    return _MATCHING[_level(strictness, "matching_strictness")]
