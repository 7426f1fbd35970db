"""The kiosk's face recogniser on the local database: enrolled templates opened per attempt, frames voted on.

`FaceRecogniser` opens the sealed templates (`BiometricEnrolment.load_gallery`) when an attempt starts (`prepare`),
so a new enrolment or a deletion counts from the next person on, and hands each frame to
`kiosk.vision.recognition.FrameRecogniser`. Use it from one worker thread.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiosk.services.enrolment import BiometricEnrolment
from kiosk.vision.matcher import MatchPolicy, MatchResult, TemplateGallery
from kiosk.vision.quality import FRONTAL, PoseRange
from kiosk.vision.recognition import FRAMES_TO_CONFIRM, MAX_GAP_S, ConfirmedMatch, FrameRecogniser

__all__ = ["ConfirmedMatch", "FaceRecogniser"]

if TYPE_CHECKING:
    from kiosk.vision.encodings import FaceEncoder, ImageArray
    from kiosk.vision.landmarks import FaceObservation

log = logging.getLogger(__name__)


class FaceRecogniser:
    """Identifies the kiosk user from camera frames against the templates enrolled on this kiosk."""

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
        self._frames = FrameRecogniser(
            encoder,
            TemplateGallery([]),
            policy=policy or enrolment.policy,
            frames_to_confirm=frames_to_confirm,
            max_gap_s=max_gap_s,
            pose=pose,
        )
        self._loaded = False

    @property
    def policy(self) -> MatchPolicy:
        """The threshold and margin in use."""
        return self._frames.policy

    @property
    def last_result(self) -> MatchResult[str] | None:
        """The latest counted frame's search result (None before any, or after a reset)."""
        return self._frames.last_result

    @property
    def advice(self) -> str:
        """What the latest frame's failed quality gate asks of the person ("" when it passed)."""
        return self._frames.advice

    def prepare(self) -> None:
        """A new attempt starts: open the enrolled templates and forget the earlier frames' votes."""
        loaded = self._enrolment.load_gallery()
        if loaded.unreadable:
            log.error("%d face templates could not be opened and are left out", len(loaded.unreadable))
        self._frames.reset(loaded.gallery)
        self._loaded = True

    def identify(self, image_rgb: ImageArray, face: FaceObservation, at: float) -> ConfirmedMatch | None:
        """Count one frame (seen at monotonic time `at`); the employee once enough frames agree, else None."""
        if not self._loaded:
            self.prepare()
        return self._frames.identify(image_rgb, face, at)
