"""Recognising the person at the kiosk from camera frames: quality gates, 1:N search and a vote over frames.

The camera loop has already found the face (MediaPipe, VIDEO mode) for liveness; `FrameRecogniser` reuses that
observation, so each frame costs one encoding and one search. A frame whose face fails a quality gate adds nothing to
the vote (its advice is kept for the screen); a confident match must repeat on consecutive frames (`MatchVoter`).

It needs only a gallery, no database or secret store, so it can run where the camera loop runs (a child process gets the
gallery as `TemplateGallery.export()` and rebuilds it with `TemplateGallery.from_matrix`). Use it from one thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.vision.matcher import MatchPolicy, MatchResult, MatchVoter, TemplateGallery
from kiosk.vision.quality import FRONTAL, PoseRange

if TYPE_CHECKING:
    from kiosk.vision.encodings import FaceEncoder, ImageArray
    from kiosk.vision.landmarks import FaceObservation

log = logging.getLogger(__name__)

FRAMES_TO_CONFIRM = 3
MAX_GAP_S = 1.0


@dataclass(frozen=True)
class ConfirmedMatch:
    """An employee recognised on enough consecutive frames.

    Attributes:
        employee_id: who.
        distance: the largest (worst) distance among the agreeing frames.
        margin: the smallest margin to the next employee among them (infinity with one employee enrolled).
    """

    employee_id: str
    distance: float
    margin: float


class FrameRecogniser:
    """Identifies the kiosk user from camera frames whose face the landmark pass already found."""

    def __init__(
        self,
        encoder: FaceEncoder,
        gallery: TemplateGallery[str],
        *,
        policy: MatchPolicy | None = None,
        frames_to_confirm: int = FRAMES_TO_CONFIRM,
        max_gap_s: float = MAX_GAP_S,
        pose: PoseRange = FRONTAL,
    ) -> None:
        """Args:
        encoder: computes encodings (its quality limits apply).
        gallery: the enrolled templates.
        policy: threshold and margin.
        frames_to_confirm: consecutive agreeing frames that confirm an employee.
        max_gap_s: longest pause between frames that still counts as consecutive.
        pose: the head pose a frame must show to count.
        """
        self._encoder = encoder
        self._gallery = gallery
        self.policy = policy or MatchPolicy()
        self._pose = pose
        self._voter = MatchVoter[str](frames_to_confirm, max_gap_s)
        self.last_result: MatchResult[str] | None = None
        self.advice = ""

    @property
    def gallery(self) -> TemplateGallery[str]:
        """The templates searched."""
        return self._gallery

    def reset(self, gallery: TemplateGallery[str] | None = None) -> None:
        """A new attempt starts: forget the earlier frames' votes, and search `gallery` from now on when given."""
        if gallery is not None:
            self._gallery = gallery
        self._voter.reset()
        self.last_result = None
        self.advice = ""

    def identify(self, image_rgb: ImageArray, face: FaceObservation, at: float) -> ConfirmedMatch | None:
        """Count one frame (seen at monotonic time `at`); the employee once enough frames agree, else None."""
        sample = self._encoder.sample_from_observation(image_rgb, face, pose=self._pose)
        if not sample.quality.passed:
            self.advice = sample.quality.advice
            return None
        self.advice = ""
        result = self._gallery.identify(sample.encoding, self.policy)
        self.last_result = result
        vote = self._voter.add(result, at)
        if not vote.confirmed or vote.employee is None:
            return None
        log.info(
            "recognised %s over %d frames (distance %.3f, margin %.3f)",
            vote.employee,
            vote.agreeing,
            vote.distance,
            vote.margin,
        )
        return ConfirmedMatch(vote.employee, vote.distance, vote.margin)
