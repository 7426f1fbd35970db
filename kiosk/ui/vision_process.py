"""The camera and face loop, run in a child process of the kiosk.

MediaPipe's landmark detector holds Python's global interpreter lock for the whole of each call (30 ms on average,
several hundred milliseconds when the CPU is busy), so in a thread of the kiosk's own process it would freeze the
screen in step with the camera. In a process of its own it cannot: the kiosk's GUI thread only receives finished
things through a pipe, read by a thread that does nothing but hand them on.

This module imports no Qt. `run` is the child's entry point; the parent side is `kiosk.ui.pipeline.VisionPipeline`.
Recognition runs on a worker thread of the child (one frame in flight; frames that come while it is busy are not
queued), with the templates the kiosk opened and sent (the key to open them stays in the kiosk's secret store).
Enrolment capture uses the same worker.

Messages to the parent are tuples: ("frame", index, width, height, box, pixels), ("status", CameraStatus),
("attempt",), ("checking", Checking), ("verdict", Verdict), ("captured", CaptureStep), ("problem", text),
("stopped", frames_read). Commands from the parent: ("arm",), ("hold",), ("gallery", TemplateGallery, MatchPolicy),
("liveness", challenge_length, LivenessConfig), ("enrol",), ("stop_enrol",), ("stop",).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import logging.handlers
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from kiosk.domain.errors import EnvironmentProblem
from kiosk.services.enrolment import CAMERA_PLAN, EnrolmentSample, EnrolmentSession
from kiosk.vision.antispoof import PassiveFaceScorer
from kiosk.vision.camera import CameraSource, Frame
from kiosk.vision.encodings import FaceEncoder, encode_face
from kiosk.vision.landmarks import FaceLandmarkDetector, FaceObservation, RunningMode, pick_user_face
from kiosk.vision.liveness import ChallengeStep, LivenessConfig, LivenessSession, random_challenge
from kiosk.vision.matcher import MatchPolicy, TemplateGallery
from kiosk.vision.recognition import ConfirmedMatch, FrameRecogniser

log = logging.getLogger(__name__)

VISION_NICENESS = 5


@dataclass(frozen=True)
class PipelineSettings:
    """How an attempt starts and ends.

    Attributes:
        face_frames_to_start: consecutive frames with a face before an attempt starts (a passer-by does not).
        min_face_share: the face's width as a share of the frame's, at least (the person stands at the kiosk).
        recognise_within_s: after liveness passed, how long recognition may still take.
        gone_frames: after someone was identified, frames without a face that show they left.
        same_person_wait_s: after someone was identified, how long a face that stays in the frame is taken for the
            same person (no new attempt on them, so nobody is punched twice or asked again).
    """

    face_frames_to_start: int = 3
    min_face_share: float = 0.12
    recognise_within_s: float = 4.0
    gone_frames: int = 5
    same_person_wait_s: float = 8.0


@dataclass(frozen=True)
class VisionSpec:
    """Everything the child process needs, in a form that crosses a process boundary.

    Attributes:
        camera: device index, file or URL.
        model_path: the verified landmark model.
        challenge: a fixed challenge asked whole in every attempt, without the presentation-attack model (tests,
            demonstrations of the steps); None draws `challenge_length` random steps each time, of which the
            liveness mode asks none, one or both.
        challenge_length: steps of a random challenge.
        liveness: the liveness thresholds.
        settings: how attempts start and end.
        antispoof_model: the verified presentation-attack model; with `yunet_model`, liveness is fused (see
            `kiosk.vision.liveness.session`); without them every attempt asks the whole challenge.
        yunet_model: the verified face box model the presentation-attack model's crop follows.
        log_file: where the child logs (its own file beside the kiosk's log); None logs to standard error only.
    """

    camera: str
    model_path: Path
    challenge: tuple[ChallengeStep, ...] | None = None
    challenge_length: int = 2
    liveness: LivenessConfig = field(default_factory=LivenessConfig)
    settings: PipelineSettings = field(default_factory=PipelineSettings)
    antispoof_model: Path | None = None
    yunet_model: Path | None = None
    log_file: Path | None = None


@dataclass(frozen=True)
class CaptureStep:
    """Enrolment progress after one frame, for the capture screen.

    Attributes:
        collected: samples accepted so far.
        total: samples the plan wants.
        advice: what to tell the person (a quality gate's advice or the next pose).
        samples: every sample, once `collected == total` (else empty).
    """

    collected: int
    total: int
    advice: str
    samples: tuple[EnrolmentSample, ...] = ()

    @property
    def complete(self) -> bool:
        return self.collected >= self.total


@dataclass(frozen=True)
class Checking:
    """Where an attempt stands, for the idle screen's prompt, direction cue and countdown.

    Attributes:
        prompt: the instruction or advice to show.
        percent: liveness steps done, out of 100.
        step: the step being asked (None before the face is steady, and while the face is matched).
        seconds_left: the time the current step has left (None when no step is asked).
        step_seconds: the time each step is given.
        matching: liveness passed; the face is being matched against the enrolled ones.
    """

    prompt: str
    percent: int
    step: ChallengeStep | None = None
    seconds_left: float | None = None
    step_seconds: float = 0.0
    matching: bool = False


class DepartureWatch:
    """After someone was identified: has that person left the frame, or has the face stayed long enough to be taken
    for someone new?

    A person reads the confirmation and walks away; the camera still sees them for a moment. Starting an attempt on
    them at once would greet them a second time. The watch opens once `gone_frames` frames in a row have no face of
    attempt size, or after `wait_s` seconds whatever the frames show.
    """

    def __init__(self, gone_frames: int, wait_s: float) -> None:
        self.gone_frames = gone_frames
        self.wait_s = wait_s
        self.since: float | None = None
        self.absent = 0
        self.waiting = False

    def start(self) -> None:
        """Someone was just identified: wait for them to leave."""
        self.waiting, self.since, self.absent = True, None, 0

    def ready(self, face_present: bool, now_s: float) -> bool:
        """Whether an attempt may start, given this frame (`face_present`: a face of attempt size)."""
        if not self.waiting:
            return True
        if self.since is None:
            self.since = now_s
        self.absent = 0 if face_present else self.absent + 1
        if self.absent >= self.gone_frames or now_s - self.since >= self.wait_s:
            self.waiting = False
        return not self.waiting


NO_FACES_ENROLLED = "No faces are enrolled on this kiosk."
NO_MATCH = "Your face did not match anyone enrolled on this kiosk."


@dataclass(frozen=True)
class Verdict:
    """The end of an attempt: who (when recognised and live) or why not."""

    employee_id: str | None
    distance: float | None
    live: bool | None  # None when liveness was not reached
    reasons: tuple[str, ...]  # liveness reason codes
    code: str  # "identified", "liveness_failed", "not_recognised"
    message: str
    advice: str = ""  # a quality gate's advice that kept the face from being matched

    @property
    def identified(self) -> bool:
        return self.employee_id is not None


class Mode(enum.Enum):
    WATCHING = "watching"  # waiting for a face to start an attempt
    CHECKING = "checking"  # liveness challenge running
    HOLDING = "holding"  # a verdict was given; preview only until the parent re-arms


def mirrored_box(face: FaceObservation) -> tuple[int, int, int, int]:
    """The face box as (x, y, width, height) in the mirrored preview."""
    top, right, bottom, left = face.box
    return (face.frame_width - right, top, right - left, bottom - top)


class _Loop:
    def __init__(self, spec: VisionSpec, events: Connection, commands: Connection) -> None:
        self.spec = spec
        self.events = events
        self.commands = commands
        self.settings = spec.settings
        self.armed = True
        self.stopping = False
        self.mode = Mode.WATCHING
        self.face_frames = 0
        self.session: LivenessSession | None = None
        self.frames_read = 0
        self.fresh = True
        self.reasons: tuple[str, ...] = ()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recognition")
        self.busy = threading.Event()
        self.results: queue.SimpleQueue[tuple[int, ConfirmedMatch | CaptureStep | None, str]] = queue.SimpleQueue()
        self.attempt_number = 0
        self.encoder: FaceEncoder | None = None
        self.recogniser: FrameRecogniser | None = None
        self.enrolling: EnrolmentSession | None = None
        self.live_at: float | None = None
        self.identified: ConfirmedMatch | None = None
        self.advice = ""
        self.departure = DepartureWatch(spec.settings.gone_frames, spec.settings.same_person_wait_s)
        self.scorer: PassiveFaceScorer | None = None
        self.attempt_started_at = 0.0

    def send(self, *message: object) -> None:
        self.events.send(message)

    def pause(self, seconds: float) -> None:
        """The camera's wait between reconnection attempts, cut short by a command."""
        if self.commands.poll(seconds):
            self.read_commands()

    def read_commands(self) -> None:
        while self.commands.poll():
            message = self.commands.recv()
            command = message[0]
            if command == "stop":
                self.stopping = True
            elif command == "arm":
                self.armed = True
                if self.mode is Mode.HOLDING:
                    self.mode = Mode.WATCHING
                    self.face_frames = 0
            elif command == "gallery":
                self.use_gallery(message[1], message[2])
            elif command == "liveness":
                # The supervisor changed the liveness strictness: the attempt under way keeps its challenge.
                self.spec = replace(self.spec, challenge_length=message[1], liveness=message[2])
            elif command == "enrol":
                self.enrolling = EnrolmentSession(self.face_encoder())
                self.attempt_number += 1
                self.mode, self.session, self.armed = Mode.HOLDING, None, False
            elif command == "stop_enrol":
                self.enrolling = None
                self.attempt_number += 1
            elif command == "hold":
                self.armed = False
                if self.mode is Mode.CHECKING:
                    self.mode = Mode.WATCHING
                    self.session = None

    def face_encoder(self) -> FaceEncoder:
        if self.encoder is None:
            self.encoder = FaceEncoder(model_path=self.spec.model_path)
            # dlib's models load on the first encoding (about a second): on the worker now, not in a person's attempt.
            self.worker.submit(self._warm_up_encoder)
        return self.encoder

    @staticmethod
    def _warm_up_encoder() -> None:
        try:
            encode_face(np.zeros((160, 160, 3), dtype=np.uint8), (20, 140, 140, 20))
        except Exception:
            log.exception("the face encoder failed on its first run")

    def use_gallery(self, gallery: TemplateGallery[str], policy: MatchPolicy) -> None:
        """New templates from the kiosk (enrolments, deletions, a sync): used from the next attempt on."""
        if len(gallery) == 0:
            self.recogniser = None
            return
        self.recogniser = FrameRecogniser(self.face_encoder(), gallery, policy=policy)

    def submit(self, job: Callable[[], ConfirmedMatch | CaptureStep | None], fresh_advice: bool = False) -> None:
        """Run `job` on the worker unless it is busy (then this frame is skipped)."""
        if self.busy.is_set():
            return
        self.busy.set()
        number = self.attempt_number

        def work() -> None:
            try:
                answer = job()
                advice = self.recogniser.advice if self.recogniser is not None and fresh_advice else ""
                self.results.put((number, answer, advice))
            except Exception:
                log.exception("recognition failed on a frame")
            finally:
                self.busy.clear()

        self.worker.submit(work)

    def drain(self) -> list[ConfirmedMatch | CaptureStep | None]:
        """Answers of the current attempt that came back from the worker."""
        answers: list[ConfirmedMatch | CaptureStep | None] = []
        while True:
            try:
                number, answer, advice = self.results.get_nowait()
            except queue.Empty:
                return answers
            if number == self.attempt_number:
                answers.append(answer)
                self.advice = advice

    def challenge(self) -> tuple[ChallengeStep, ...]:
        if self.spec.challenge is not None:
            return self.spec.challenge
        return random_challenge(self.spec.challenge_length)  # the system's secure random source

    def load_scorer(self) -> None:
        """The presentation-attack model; without it (a broken file) every attempt asks the whole challenge."""
        if self.spec.antispoof_model is None or self.spec.yunet_model is None:
            return
        try:
            self.scorer = PassiveFaceScorer(self.spec.antispoof_model, self.spec.yunet_model)
            self.scorer.warm_up()
        except EnvironmentProblem as problem:
            log.error("presentation-attack model unavailable, every attempt asks the challenge: %s", problem)
            self.send("problem", "The face check runs without its presentation-attack model: see the log.")

    def run(self) -> None:
        detector = FaceLandmarkDetector(RunningMode.VIDEO, model_path=self.spec.model_path)
        self.load_scorer()
        camera: CameraSource | None = None
        # MediaPipe's video mode wants ever-increasing timestamps; a new source (a file played again) starts at 0.
        offset_ms, last_ms = 0, -1
        try:
            while not self.stopping:
                try:
                    self.read_commands()
                    if camera is None or camera.finished:
                        if camera is not None:
                            camera.close()
                            offset_ms = last_ms + 1
                            if self.mode is Mode.CHECKING:
                                self.mode, self.session = Mode.WATCHING, None
                        # The kiosk's camera never gives up, even when it is a file: it reconnects by itself.
                        camera = CameraSource(
                            self.spec.camera,
                            on_status=lambda status: self.send("status", status),
                            sleep=self.pause,
                            retry_forever=True,
                        )
                    frame = camera.read()
                    if frame is None:
                        continue
                    self.frames_read += 1
                    if self.enrolling is not None and self.busy.is_set():
                        # While a sample is being judged, the preview goes on without the landmark pass: it would
                        # only compete with the judging for the processor and the interpreter lock.
                        self.publish(frame, None)
                        continue
                    last_ms = max(last_ms + 1, offset_ms + frame.timestamp_ms)
                    face = pick_user_face(detector.detect_for_video(frame.rgb(), last_ms))
                    self.publish(frame, face)
                    self.step(frame, face)
                except (BrokenPipeError, EOFError):
                    break  # the kiosk is gone
                except Exception as error:  # the loop must outlive any one frame's failure
                    log.exception("camera loop: a frame failed")
                    self.send("problem", f"The camera check had a problem ({type(error).__name__}); it goes on.")
                    self.mode, self.session = Mode.WATCHING, None
                    self.pause(0.2)
        finally:
            self.worker.shutdown(wait=True)
            if camera is not None:
                camera.close()
            detector.close()
            if self.encoder is not None:
                self.encoder.close()
            with contextlib.suppress(BrokenPipeError, OSError):
                self.send("stopped", self.frames_read)

    def publish(self, frame: Frame, face: FaceObservation | None) -> None:
        mirrored = np.ascontiguousarray(frame.image[:, ::-1, ::-1])
        box = mirrored_box(face) if face is not None else None
        self.send("frame", frame.index, frame.width, frame.height, box, mirrored.tobytes())

    def capture(self, frame: Frame, face: FaceObservation | None) -> None:
        """Enrolment: offer the frame to the session; report progress, and the samples once complete."""
        session = self.enrolling
        assert session is not None
        wanted = session.wanted
        # The head pose is known from the landmark pass: a frame in the wrong pose is answered at once, without an
        # encoding, so the worker is free for the moment the person turns the right way.
        wrong_pose = face is not None and wanted is not None and not wanted.contains(face.yaw, face.pitch)
        if wrong_pose and wanted is not None and not self.busy.is_set():
            total = len(session.samples) + self._remaining(session)
            self.send("captured", CaptureStep(len(session.samples), total, wanted.advice))
            return
        image = frame.rgb()

        def offer() -> CaptureStep:
            step = session.offer(image, face, frame.monotonic)
            total = len(session.samples) + (0 if step.wanted is None else self._remaining(session))
            samples = session.samples if session.complete else ()
            return CaptureStep(len(session.samples), total, step.advice, samples)

        self.submit(offer)
        for answer in self.drain():
            if isinstance(answer, CaptureStep):
                self.send("captured", answer)
                if answer.complete:
                    self.enrolling = None

    @staticmethod
    def _remaining(session: EnrolmentSession) -> int:
        return int(sum(count for _, count in CAMERA_PLAN)) - len(session.samples)

    def step(self, frame: Frame, face: FaceObservation | None) -> None:
        if self.enrolling is not None:
            self.capture(frame, face)
            return
        if self.mode is Mode.HOLDING or not self.armed:
            return
        if self.mode is Mode.WATCHING:
            big_enough = face is not None and face.box_width >= self.settings.min_face_share * face.frame_width
            # While the person just identified is still here, their face starts nothing.
            ready = self.departure.ready(big_enough, frame.monotonic)
            self.face_frames = self.face_frames + 1 if big_enough and ready else 0
            if self.face_frames < self.settings.face_frames_to_start:
                return
            scorer = self.scorer if self.spec.challenge is None else None
            # A fused attempt asks a step only of someone the kiosk recognised; the challenge alone asks everyone.
            self.session = LivenessSession(
                self.challenge(),
                self.spec.liveness,
                None if scorer is None else scorer.score_frame,
                person_known=scorer is None or self.spec.liveness.mode is None,
            )
            self.mode = Mode.CHECKING
            self.attempt_number += 1
            self.live_at, self.identified, self.advice = None, None, ""
            self.attempt_started_at = frame.monotonic
            self.fresh = True
            self.send("attempt")
        session = self.session
        assert session is not None
        recogniser = self.recogniser
        if face is not None and recogniser is not None and self.identified is None:
            fresh, self.fresh = self.fresh, False
            image = frame.rgb()

            def identify() -> ConfirmedMatch | None:
                if fresh:
                    recogniser.reset()
                return recogniser.identify(image, face, frame.monotonic)

            self.submit(identify, fresh_advice=True)
        for answer in self.drain():
            if isinstance(answer, ConfirmedMatch):
                self.identified = answer
                session.person_known = True
        if self.live_at is not None:
            self.after_liveness(frame)
            return
        session.update(frame, face)
        if not session.finished:
            self.show_progress(session, frame)
            return
        result = session.result()
        log.info("liveness: %s %s", result.live, result.reason_codes)
        self.reasons = tuple(result.reason_codes)
        if not result.live:
            message = result.reasons[0].message if result.reasons else ""
            self.end(Verdict(None, None, False, self.reasons, "liveness_failed", message))
            return
        self.live_at = frame.monotonic
        self.after_liveness(frame)

    def show_progress(self, session: LivenessSession, frame: Frame) -> None:
        """The attempt goes on: tell the screen what to show (or end it when a step is due for nobody known)."""
        if session.waiting_for_person:
            self.wait_for_recognition(frame)
            return
        current = session.current_step
        if current is None:
            self.send("checking", Checking("Look at the camera", 0))
            return
        percent = round(100 * session.challenge.index(current) / max(1, session.steps_to_ask))
        left = session.seconds_left(frame.stream_time)
        limit = session.config.step_time_limit_s
        self.send("checking", Checking(session.prompt or "Hold still", percent, current, left, limit))

    def wait_for_recognition(self, frame: Frame) -> None:
        """A step is due but the person is not recognised yet: no step is asked of a stranger, so the attempt ends
        as not recognised when nobody is enrolled or the recogniser's time is up."""
        if self.recogniser is None:
            self.end(Verdict(None, None, None, (), "not_recognised", "No faces are enrolled on this kiosk."))
            return
        if frame.monotonic - self.attempt_started_at > self.settings.recognise_within_s:
            message = "Your face did not match anyone enrolled on this kiosk."
            if self.advice:
                message += f" {self.advice}"
            self.end(Verdict(None, None, None, (), "not_recognised", message))
            return
        self.send("checking", Checking(self.advice or "Checking who you are\u2026", 0, matching=True))

    def after_liveness(self, frame: Frame) -> None:
        """Liveness passed: wait (a little) for recognition to confirm someone. Never a punch for a guess."""
        assert self.live_at is not None
        if self.identified is not None:
            match = self.identified
            self.end(Verdict(match.employee_id, match.distance, True, self.reasons, "identified", ""))
        elif self.recogniser is None:
            self.end(Verdict(None, None, True, self.reasons, "not_recognised", NO_FACES_ENROLLED))
        elif frame.monotonic - self.live_at > self.settings.recognise_within_s:
            message = NO_MATCH
            if self.advice:
                message += f" {self.advice}"
            self.end(Verdict(None, None, True, self.reasons, "not_recognised", message, self.advice))
        else:
            self.send("checking", Checking(self.advice or "Checking who you are\u2026", 100, matching=True))

    def end(self, verdict: Verdict) -> None:
        self.mode, self.session, self.face_frames, self.live_at = Mode.HOLDING, None, 0, None
        if verdict.identified:
            self.departure.start()
        self.attempt_number += 1
        self.send("verdict", verdict)


def _log_to(log_file: Path | None, level: int) -> None:
    """Warnings to standard error; with `log_file`, INFO and above to that file too (its own, rotating)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s vision %(name)s: %(message)s")
    if log_file is None:
        logging.getLogger().setLevel(level)
        return
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError as error:
        # The camera must not stop over its log: what the file would have had goes to standard error.
        logging.getLogger().setLevel(min(level, logging.INFO))
        log.error("the log file %s cannot be written (%s); logging to standard error", log_file, error)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    for console in root.handlers:
        console.setLevel(level)
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))


def run(spec: VisionSpec, events: Connection, commands: Connection, log_level: int = logging.WARNING) -> None:
    """The child process's entry point: run the loop until told to stop or the kiosk goes away."""
    _log_to(spec.log_file, log_level)
    if hasattr(os, "nice"):
        # On a small kiosk PC the camera loop could take every core; the screen must win when they compete.
        os.nice(VISION_NICENESS)
    _Loop(spec, events, commands).run()
