"""Camera -> landmarks -> liveness -> recognition, off the GUI thread.

One thread reads the camera and runs the landmark detector on every frame; it drives the liveness attempt and hands
frames with a face to the recognition worker (a second thread, one frame in flight, later frames dropped rather than
queued). The GUI thread receives only finished things by queued signals: the mirrored preview image (at most one
waiting at a time, so a slow paint never piles frames up), the camera's state, the liveness prompt, and the verdict.

The loop catches and reports every exception, so it never dies silently: a failing frame is logged and reported, and
the loop goes on with the next one.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from kiosk.vision.camera import CameraSource, CameraState, CameraStatus, Frame
from kiosk.vision.landmarks import FaceLandmarkDetector, FaceObservation, pick_user_face
from kiosk.vision.liveness import ChallengeStep, LivenessConfig, LivenessResult, LivenessSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identification:
    """An employee the recogniser confirmed over several frames, with the worst distance among them."""

    employee_id: str
    distance: float


class Recogniser(Protocol):
    """Identifies the face in frames; called on the recognition worker only."""

    def prepare(self) -> None:
        """A new attempt starts: load the enrolled templates and forget earlier frames' votes."""

    def identify(self, image_rgb: npt.NDArray[np.uint8], face: FaceObservation, at: float) -> Identification | None:
        """Count one frame (seen at monotonic time `at`); the employee once enough frames agree, else None."""


class Mode(enum.Enum):
    WATCHING = "watching"  # waiting for a face to start an attempt
    CHECKING = "checking"  # liveness challenge running, recognition voting
    HOLDING = "holding"  # a verdict was given; preview only until the screen re-arms


@dataclass(frozen=True)
class PipelineSettings:
    """How an attempt starts and ends.

    Attributes:
        face_frames_to_start: consecutive frames with a face before an attempt starts (a passer-by does not).
        min_face_share: the face's width as a share of the frame's, at least (the person stands at the kiosk).
        recognise_within_s: after liveness passed, how long recognition may still take.
    """

    face_frames_to_start: int = 3
    min_face_share: float = 0.12
    recognise_within_s: float = 4.0


@dataclass(frozen=True)
class Verdict:
    """The end of an attempt: who (when recognised and live) or why not."""

    employee_id: str | None
    distance: float | None
    liveness: LivenessResult | None
    code: str  # "identified", "liveness_failed", "not_recognised"
    message: str

    @property
    def identified(self) -> bool:
        return self.employee_id is not None


def preview_image(frame: Frame) -> QImage:
    """The frame mirrored (people expect a mirror) as an RGB QImage that owns its pixels."""
    mirrored = np.ascontiguousarray(frame.image[:, ::-1, ::-1])
    height, width = mirrored.shape[:2]
    image = QImage(mirrored.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()


def mirrored_box(face: FaceObservation) -> tuple[int, int, int, int]:
    """The face box as (x, y, width, height) in the mirrored preview."""
    top, right, bottom, left = face.box
    return (face.frame_width - right, top, right - left, bottom - top)


class VisionPipeline(QObject):
    """The camera loop and the recognition worker; signals carry results to the GUI thread.

    Args:
        open_camera: makes the camera source (called again when a file source ends, so a video loops).
        detector: a VIDEO-mode landmark detector, used only on the camera thread.
        recogniser: identifies faces on the recognition worker; None when the kiosk has no face templates.
        challenge: makes the steps of each new attempt (random in the kiosk).
        liveness: the thresholds of an attempt.
        settings: how attempts start and end.
    """

    frame_ready = Signal(QImage, object)  # preview image, face box in it (x, y, w, h) or None
    camera_changed = Signal(object)  # CameraStatus
    checking = Signal(str, int)  # prompt, progress percent
    attempt_started = Signal()
    verdict = Signal(object)  # Verdict
    captured = Signal(object)  # what the capture function returned for a frame (enrolment feedback)
    problem = Signal(str)  # an unexpected error in the loop (already logged)

    def __init__(
        self,
        open_camera: Callable[[Callable[[CameraStatus], None], Callable[[float], None]], CameraSource],
        detector: FaceLandmarkDetector,
        *,
        recogniser: Recogniser | None,
        challenge: Callable[[], Sequence[ChallengeStep]],
        liveness: LivenessConfig | None = None,
        settings: PipelineSettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_camera = open_camera
        self._detector = detector
        self._recogniser = recogniser
        self._challenge = challenge
        self._liveness_config = liveness or LivenessConfig()
        self.settings = settings or PipelineSettings()
        self._stop = threading.Event()
        self._armed = threading.Event()
        self._armed.set()
        self._thread: threading.Thread | None = None
        self._recognition = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recognition")
        self._in_flight = threading.Event()
        self._matches: queue.SimpleQueue[tuple[int, Identification]] = queue.SimpleQueue()
        self.attempt_number = 0
        self._preview_lock = threading.Lock()
        self._preview: tuple[QImage, tuple[int, int, int, int] | None] | None = None
        self._camera: CameraSource | None = None
        self._capture_offer: Callable[[npt.NDArray[np.uint8], FaceObservation | None], object] | None = None
        self.frames_read = 0
        self.status = CameraStatus(CameraState.CONNECTING)

    # --- control, from the GUI thread -----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="camera-vision", daemon=True)
        self._thread.start()

    def arm(self) -> None:
        """Look for the next person (after a verdict was shown)."""
        self._armed.set()

    def hold(self) -> None:
        """Stop starting attempts (someone is using the screens); the preview goes on."""
        self._armed.clear()

    def capture(self, offer: Callable[[npt.NDArray[np.uint8], FaceObservation | None], object]) -> None:
        """Offer frames to `offer` on the recognition worker (one at a time, skipping frames while it is busy) and
        emit each answer as `captured`, until `stop_capture`. No punching attempt starts meanwhile."""
        self._armed.clear()
        self._capture_offer = offer

    def stop_capture(self) -> None:
        self._capture_offer = None

    def take_preview(self) -> tuple[QImage, tuple[int, int, int, int] | None] | None:
        """The newest preview image (None when it was already taken)."""
        with self._preview_lock:
            preview, self._preview = self._preview, None
        return preview

    def close(self) -> None:
        """Stop the loop and the recognition worker and release the camera."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                log.error("the camera loop did not stop within 10 s")
        self._recognition.shutdown(wait=True)
        log.info("vision pipeline stopped after %d frames", self.frames_read)

    # --- the loop, on the camera thread ---------------------------------------------------------------------------

    def _status(self, status: CameraStatus) -> None:
        self.status = status
        self.camera_changed.emit(status)

    def _run(self) -> None:
        mode = Mode.WATCHING
        attempt = _Attempt(self)
        # MediaPipe's video mode wants ever-increasing timestamps; a new source (a file played again) starts at 0.
        offset_ms, last_ms = 0, -1
        while not self._stop.is_set():
            try:
                camera = self._camera
                if camera is None or camera.finished:
                    if camera is not None:
                        camera.close()
                        offset_ms = last_ms + 1
                        attempt.reset()
                        mode = Mode.WATCHING if mode is Mode.CHECKING else mode
                    self._camera = camera = self._open_camera(self._status, self._pause)
                frame = camera.read()
                if frame is None:
                    continue
                self.frames_read += 1
                last_ms = max(last_ms + 1, offset_ms + frame.timestamp_ms)
                faces = self._detector.detect_for_video(frame.rgb(), last_ms)
                face = pick_user_face(faces)
                self._publish(frame, face)
                offer = self._capture_offer
                if offer is not None:
                    self._offer(offer, frame, face)
                    continue
                mode = attempt.step(mode, frame, face)
            except Exception as error:  # the loop must outlive any one frame's failure
                log.exception("camera loop: a frame failed")
                self.problem.emit(f"The camera check had a problem ({type(error).__name__}); it goes on.")
                attempt.reset()
                mode = Mode.WATCHING
                self._stop.wait(0.2)
        if self._camera is not None:
            self._camera.close()

    def _pause(self, seconds: float) -> None:
        """The camera's wait between reconnection attempts; cut short when the pipeline stops."""
        self._stop.wait(seconds)

    def _publish(self, frame: Frame, face: FaceObservation | None) -> None:
        image = preview_image(frame)
        box = mirrored_box(face) if face is not None else None
        with self._preview_lock:
            waiting = self._preview is not None
            self._preview = (image, box)
        if not waiting:
            self.frame_ready.emit(image, box)

    # --- recognition worker ---------------------------------------------------------------------------------------

    def _offer(
        self,
        offer: Callable[[npt.NDArray[np.uint8], FaceObservation | None], object],
        frame: Frame,
        face: FaceObservation | None,
    ) -> None:
        if self._in_flight.is_set():
            return
        self._in_flight.set()
        image = frame.rgb()

        def work() -> None:
            try:
                answer = offer(image, face)
                if self._capture_offer is offer:
                    self.captured.emit(answer)
            except Exception as error:
                log.exception("capture failed on a frame")
                self.problem.emit(f"The camera capture had a problem ({type(error).__name__}); it goes on.")
            finally:
                self._in_flight.clear()

        self._recognition.submit(work)

    def _recognise(self, frame: Frame, face: FaceObservation, fresh: bool) -> None:
        """Hand the frame to the recognition worker unless it is busy (then this frame is skipped)."""
        recogniser = self._recogniser
        if recogniser is None or self._in_flight.is_set():
            return
        self._in_flight.set()
        image = frame.rgb()
        at = frame.monotonic
        number = self.attempt_number

        def work() -> None:
            try:
                if fresh:
                    recogniser.prepare()
                found = recogniser.identify(image, face, at)
                if found is not None:
                    self._matches.put((number, found))
            except Exception:
                log.exception("recognition failed on a frame")
            finally:
                self._in_flight.clear()

        self._recognition.submit(work)


class _Attempt:
    """One person's attempt: liveness session, recognition vote, and the verdict."""

    def __init__(self, pipeline: VisionPipeline) -> None:
        self.pipeline = pipeline
        self.settings = pipeline.settings
        self.reset()

    def reset(self) -> None:
        self.face_frames = 0
        self.session: LivenessSession | None = None
        self.result: LivenessResult | None = None
        self.live_at: float | None = None
        self.identified: Identification | None = None
        self.sent_first = False
        self.pipeline.attempt_number += 1  # results of an earlier attempt still in flight are ignored

    def _drain(self) -> Identification | None:
        confirmed: Identification | None = None
        while True:
            try:
                number, found = self.pipeline._matches.get_nowait()
            except queue.Empty:
                return confirmed
            if number == self.pipeline.attempt_number:
                confirmed = found

    def step(self, mode: Mode, frame: Frame, face: FaceObservation | None) -> Mode:
        if mode is Mode.HOLDING:
            if self.pipeline._armed.is_set():
                self.reset()
                return Mode.WATCHING
            return mode
        if mode is Mode.WATCHING:
            return self._watch(frame, face)
        return self._check(frame, face)

    def _watch(self, frame: Frame, face: FaceObservation | None) -> Mode:
        if not self.pipeline._armed.is_set():
            return Mode.WATCHING
        big_enough = face is not None and face.box_width >= self.settings.min_face_share * face.frame_width
        self.face_frames = self.face_frames + 1 if big_enough else 0
        if self.face_frames < self.settings.face_frames_to_start:
            return Mode.WATCHING
        self.reset()
        self.session = LivenessSession(self.pipeline._challenge(), self.pipeline._liveness_config)
        self.pipeline.attempt_started.emit()
        return self._check(frame, face)

    def _check(self, frame: Frame, face: FaceObservation | None) -> Mode:
        session = self.session
        assert session is not None
        if face is not None:
            self.pipeline._recognise(frame, face, fresh=not self.sent_first)
            self.sent_first = True
        confirmed = self._drain()
        if self.result is None:
            session.update(frame, face)
            steps = len(session.challenge)
            current = session.current_step
            done = steps if current is None else session.challenge.index(current)
            self.pipeline.checking.emit(session.prompt or "Hold still", round(100 * done / steps))
            if not session.finished:
                return Mode.CHECKING
            self.result = session.result()
            log.info("liveness: %s %s", self.result.live, self.result.reason_codes)
            if not self.result.live:
                return self._end(None, "liveness_failed", self.result.reasons[0].message if self.result.reasons else "")
            self.live_at = frame.monotonic
        if confirmed is not None:
            self.identified = confirmed
        if self.identified is not None:
            return self._end(self.identified, "identified", "")
        assert self.live_at is not None
        if self.pipeline._recogniser is None:
            return self._end(None, "not_recognised", "No faces are enrolled on this kiosk.")
        if frame.monotonic - self.live_at > self.settings.recognise_within_s:
            return self._end(None, "not_recognised", "Your face did not match anyone enrolled on this kiosk.")
        self.pipeline.checking.emit("Checking who you are\u2026", 100)
        return Mode.CHECKING

    def _end(self, identified: Identification | None, code: str, message: str) -> Mode:
        self.pipeline._armed.clear()
        employee_id = identified.employee_id if identified is not None else None
        distance = identified.distance if identified is not None else None
        self.pipeline.verdict.emit(Verdict(employee_id, distance, self.result, code, message))
        return Mode.HOLDING
