"""Liveness: is the face in front of the kiosk a live person, not a photo, a screen or a recording?

In the kiosk an attempt is fused (`session.py`): a presentation-attack model judged over a window of frontal frames,
with the passive checks, and the challenge only as the fallback for an uncertain window or when the Strict setting
asks for it. Without the model an attempt combines the two kinds of evidence below.

The challenge (`challenge.py`): a random sequence of at least two different steps among blink, turn left, turn right,
smile and look up, asked one after the other, each to be answered within `step_time_limit_s`. Steps are judged from
MediaPipe's blendshapes and head pose over consecutive frames, relative to the person's neutral pose, with
hysteresis and a minimum hold: one turned frame or a single blink-like frame is not enough, and the movement must
start after the step was asked. A recording cannot know the order that will be asked, so a replayed video fails
unless it happens to show the asked movements in that order and in time; a live-driven puppet (a deepfake answering
in real time) is not stopped by the challenge.

The passive checks (`passive.py`) run through the whole attempt and each can refuse it on its own: face seen too
rarely, a frozen picture, no blink during a long still attempt, landmark motion that one plane explains (a flat
picture moved), a head turn without depth, screen moire, and straight edges around the face. The docstring of
`passive.py` lists for each what it catches and what it misses, with the figures measured on ../shared/faces.

Blinks are detected frame by frame by `BlinkDetector` (`blink.py`), which also works on its own.

The result (`LivenessResult`) says live or not, the steps with their answered flags and times, and every reason to
refuse as a stable code plus a sentence, for the UI and the audit log.
"""

from kiosk.vision.liveness.blink import BlinkDetector, BlinkEvent, BlinkFrame, BlinkSettings, eye_closure_score
from kiosk.vision.liveness.challenge import (
    ChallengeStep,
    StepSettings,
    parse_challenge,
    random_challenge,
)
from kiosk.vision.liveness.passive import PassiveSettings
from kiosk.vision.liveness.result import LivenessResult, Reason, StepOutcome
from kiosk.vision.liveness.session import (
    LivenessConfig,
    LivenessMode,
    LivenessSession,
    PassiveModelSettings,
    ScoreFace,
    run_liveness,
)

__all__ = [
    "BlinkDetector",
    "BlinkEvent",
    "BlinkFrame",
    "BlinkSettings",
    "ChallengeStep",
    "LivenessConfig",
    "LivenessMode",
    "LivenessResult",
    "LivenessSession",
    "PassiveModelSettings",
    "PassiveSettings",
    "Reason",
    "ScoreFace",
    "StepOutcome",
    "StepSettings",
    "eye_closure_score",
    "parse_challenge",
    "random_challenge",
    "run_liveness",
]
