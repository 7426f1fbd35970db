"""Frame-by-frame blink detection from MediaPipe's eyeBlink blendshapes.

The eye-closure score is the mean of `eyeBlinkLeft` and `eyeBlinkRight` (a wink is not a blink). Its level with the
eyes open differs between people, glasses and head poses (0.08 to 0.25 on the clips we measured; it rises when the
person looks down), so the detector compares each frame with an adaptive baseline: a low percentile of the open-eye
scores of the last two seconds. The eyes count as closed when the score rises `close_delta` above the baseline (and
above `close_floor`), and as open again only when it falls back under `close_delta * reopen_fraction` above it; the
gap between the two thresholds (hysteresis) keeps one blink from being counted twice on a noisy score.

A blink is a complete open -> closed -> open sequence: the eyes must have been seen open before the closure (so a
clip that starts with closed eyes gives no blink) and open again after it, and the closure must not last longer than
`max_closed_s` (longer is eyes kept shut, not a blink). One closed frame is enough at low frame rates: at 25 fps a
real blink can last a single frame.

Tuned on focus_blink mahie_test_1..3 (30 fps); measured with the per-frame labels (each label row k describes decoded
frame k+1: the labels lead the video by one frame, which every clip shows): frame F1 0.85 / 0.88 / 0.84 and the
labelled number of blinks exactly (8 / 11 / 8). On the low-frame-rate clips it is weaker (F1 0.65 to 0.92 at 15-17
fps, 0.45 and 0.62 at 6-8 fps), see tests/vision/test_blink.py.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BlinkSettings:
    """Thresholds of the blink detector (see the module docstring for how they were chosen)."""

    close_delta: float = 0.12
    reopen_fraction: float = 0.7
    close_floor: float = 0.14
    baseline_window_s: float = 2.0
    baseline_percentile: float = 30.0
    warmup_s: float = 0.25
    warmup_frames: int = 3
    max_closed_s: float = 0.7


@dataclass(frozen=True)
class BlinkEvent:
    """One complete blink: when the eyes closed and reopened (stream seconds), and how strongly."""

    closed_at: float
    reopened_at: float
    peak_score: float

    @property
    def duration(self) -> float:
        """Seconds from the closing frame to the reopening frame."""
        return self.reopened_at - self.closed_at


@dataclass(frozen=True)
class BlinkFrame:
    """What the detector says about one frame."""

    eyes_closed: bool
    score: float
    baseline: float
    blink: BlinkEvent | None


def eye_closure_score(blendshapes: Mapping[str, float]) -> float:
    """Mean of the two eyeBlink blendshapes (0 open .. 1 closed)."""
    return (blendshapes.get("eyeBlinkLeft", 0.0) + blendshapes.get("eyeBlinkRight", 0.0)) / 2.0


class BlinkDetector:
    """Feed it one eye-closure score per frame, in time order; it says whether the eyes are closed and when a
    complete blink has just ended. Frames without a face are fed with `missing()`.
    """

    def __init__(self, settings: BlinkSettings | None = None) -> None:
        self.settings = settings if settings is not None else BlinkSettings()
        self._open_history: deque[tuple[float, float]] = deque()
        self._first_time: float | None = None
        self._closed = False
        self._closed_at = 0.0
        self._peak = 0.0
        self._seen_open = False
        self.events: list[BlinkEvent] = []

    @property
    def eyes_closed(self) -> bool:
        """Whether the last frame had the eyes closed."""
        return self._closed

    def missing(self) -> None:
        """A frame without the face: an ongoing closure cannot be confirmed, and the eyes must be seen open again."""
        self._closed = False
        self._seen_open = False

    def update(self, time_s: float, score: float) -> BlinkFrame:
        """Judge one frame.

        Args:
            time_s: the frame's stream time in seconds (increasing).
            score: its eye-closure score (`eye_closure_score`).
        """
        s = self.settings
        if self._first_time is None:
            self._first_time = time_s
        while self._open_history and self._open_history[0][0] < time_s - s.baseline_window_s:
            self._open_history.popleft()
        warm = len(self._open_history) >= s.warmup_frames and time_s - self._first_time >= s.warmup_s
        baseline = (
            float(np.percentile([value for _, value in self._open_history], s.baseline_percentile))
            if self._open_history
            else score
        )
        event: BlinkEvent | None = None
        if not self._closed:
            if warm and self._seen_open and score >= baseline + s.close_delta and score >= s.close_floor:
                self._closed = True
                self._closed_at = time_s
                self._peak = score
            else:
                self._seen_open = True
        else:
            self._peak = max(self._peak, score)
            if score < baseline + s.close_delta * s.reopen_fraction:
                self._closed = False
                if time_s - self._closed_at <= s.max_closed_s:
                    event = BlinkEvent(self._closed_at, time_s, self._peak)
                    self.events.append(event)
                else:
                    # Eyes kept shut for long are not a blink; they must be seen open again first.
                    self._seen_open = False
        if not self._closed:
            self._open_history.append((time_s, score))
        return BlinkFrame(self._closed, score, baseline, event)
