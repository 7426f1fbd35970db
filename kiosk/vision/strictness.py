"""What the supervisor's "Liveness check" and "Face matching" settings (Relaxed, Normal, Strict) mean for the camera.

Liveness fuses the presentation-attack model's window with the passive checks (`kiosk.vision.liveness.session`);
the setting chooses how much is asked on top:

- Relaxed: passive only, no step is ever asked; a window the model is unsure of is refused and the person tries
  again (the fastest, and the one that leans wholly on the model).
- Normal: one random step of 6 s, asked only when the model is unsure (and only of someone recognised).
- Strict: two random steps of 5 s always, whatever the model says, besides the model and the passive checks.

Face matching's Normal is the match rule of `kiosk.vision.matcher` (distance under 0.49 and 0.08 to the next
employee, chosen on LFW with a false accept counted ten times a refusal).

- Face matching: Strict (0.45, margin 0.10) refuses more genuine employees in bad light and lets fewer strangers
  through; Relaxed (0.53, margin 0.06) recognises more people on the first look at the cost of more strangers taken
  for someone: on LFW's training search, 0.50 / 0.09 already costs more than the chosen point, so Relaxed is for a
  small crew whose faces are far apart, not for hundreds of employees.
"""

from __future__ import annotations

from kiosk.domain.errors import RuleViolation
from kiosk.vision.liveness import LivenessConfig, LivenessMode, StepSettings
from kiosk.vision.matcher import MatchPolicy

LEVELS = ("relaxed", "normal", "strict")

# The random steps drawn for an attempt (the mode asks none, one or both of them) and each step's time limit.
_LIVENESS = {
    "relaxed": (LivenessMode.PASSIVE, 6.0),
    "normal": (LivenessMode.NORMAL, 6.0),
    "strict": (LivenessMode.STRICT, 5.0),
}
CHALLENGE_STEPS = 2
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
    """The number of random steps drawn for an attempt and the liveness configuration of a liveness strictness.

    Raises:
        RuleViolation: for a level that is not relaxed, normal or strict.
    """
    mode, time_limit = _LIVENESS[_level(strictness, "liveness_strictness")]
    return CHALLENGE_STEPS, LivenessConfig(step_time_limit_s=time_limit, steps=StepSettings(), mode=mode)


def matching_for(strictness: str) -> MatchPolicy:
    """The match rule of a face-matching strictness.

    Raises:
        RuleViolation: for a level that is not relaxed, normal or strict.
    """
    return _MATCHING[_level(strictness, "matching_strictness")]
