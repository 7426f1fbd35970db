"""Recognising the person at the kiosk from camera frames: quality gates, 1:N search and a vote over frames.

The camera loop has already found the face (MediaPipe, VIDEO mode) for liveness; `FaceRecogniser` reuses that
observation, so each frame costs one encoding and one search. A frame whose face fails a quality gate adds nothing to
the vote (its advice is kept for the screen); a confident match must repeat on consecutive frames (`MatchVoter`).
The enrolled templates are opened from the database once per attempt (`prepare`), so a new enrolment or a deletion
counts from the next person on.

It is meant to run on one worker thread: `prepare` and `identify` are not to be called concurrently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.services.enrolment import BiometricEnrolment
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


class FaceRecogniser:
    """Identifies the kiosk user from camera frames whose face the landmark pass already found."""

    def __init__(
        self,
        enrolment: BiometricEnrolment,
        encoder: FaceEncoder,
        *,
        frames_to_confirm: int = FRAMES_TO_CONFIRM,
        max_gap_s: float = MAX_GAP_S,
        pose: PoseRange = FRONTAL,
        policy: MatchPolicy | None = None,
    ) -> None:
        """Args:
        enrolment: where the sealed templates are read from.
        encoder: computes encodings (its quality limits apply).
        frames_to_confirm: consecutive agreeing frames that confirm an employee.
        max_gap_s: longest pause between frames that still counts as consecutive.
        pose: the head pose a frame must show to count.
        policy: threshold and margin (the enrolment's when None).
        """
        self._enrolment = enrolment
        self._encoder = encoder
        self._pose = pose
        self.policy = policy or enrolment.policy
        self._voter = MatchVoter[str](frames_to_confirm, max_gap_s)
        self._gallery: TemplateGallery[str] | None = None
        self.last_result: MatchResult[str] | None = None
        self.advice = ""

    def prepare(self) -> None:
        """A new attempt starts: open the enrolled templates and forget the earlier frames' votes."""
        self._load()
        self._voter.reset()
        self.last_result = None
        self.advice = ""

    def _load(self) -> TemplateGallery[str]:
        loaded = self._enrolment.load_gallery()
        if loaded.unreadable:
            log.error("%d face templates could not be opened and are left out", len(loaded.unreadable))
        self._gallery = loaded.gallery
        return loaded.gallery

    def identify(self, image_rgb: ImageArray, face: FaceObservation, at: float) -> ConfirmedMatch | None:
        """Count one frame (seen at monotonic time `at`); the employee once enough frames agree, else None."""
        gallery = self._gallery if self._gallery is not None else self._load()
        sample = self._encoder.sample_from_observation(image_rgb, face, pose=self._pose)
        if not sample.quality.passed:
            self.advice = sample.quality.advice
            return None
        self.advice = ""
        result = gallery.identify(sample.encoding, self.policy)
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
