"""The kiosk's side of the camera and face loop, which runs in a child process (see `kiosk.ui.vision_process`).

A reader thread receives the child's messages and turns them into queued Qt signals, so the GUI thread gets only
finished things: the mirrored preview image (at most one waiting at a time, so a slow paint never piles frames up),
the camera's state, the liveness prompt and the verdict. Commands (arm, hold, stop) go the other way.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from kiosk.ui import vision_process
from kiosk.ui.vision_process import CaptureStep, Checking, PipelineSettings, Verdict, VisionSpec
from kiosk.vision.camera import CameraState, CameraStatus
from kiosk.vision.liveness import LivenessConfig
from kiosk.vision.matcher import MatchPolicy, TemplateGallery

__all__ = ["CaptureStep", "Checking", "PipelineSettings", "Verdict", "VisionPipeline", "VisionSpec"]

log = logging.getLogger(__name__)

STOP_WAIT_S = 10.0
RESTART_DELAY_S = 2.0


def _console_level() -> int:
    """The level the kiosk's console shows (the child shows the same there)."""
    root = logging.getLogger()
    levels = [handler.level for handler in root.handlers if not isinstance(handler, logging.FileHandler)]
    return min((level for level in levels if level), default=root.getEffectiveLevel())


class VisionPipeline(QObject):
    """Starts, commands and stops the vision process; its messages arrive as signals on the GUI thread."""

    frame_ready = Signal(QImage, object)  # preview image, face box in it (x, y, w, h) or None
    camera_changed = Signal(object)  # CameraStatus
    checking = Signal(object)  # Checking: the prompt, the step and its time left, or that the face is matched
    attempt_started = Signal()
    verdict = Signal(object)  # Verdict
    problem = Signal(str)  # an unexpected error in the loop (already logged there)
    captured = Signal(object)  # CaptureStep: enrolment progress

    def __init__(self, spec: VisionSpec, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._context = multiprocessing.get_context("spawn")  # no fork of a process that runs Qt threads
        self._process: Any = None
        self._commands: Connection | None = None
        self._reader: threading.Thread | None = None
        self._preview_lock = threading.Lock()
        self._preview: tuple[QImage, tuple[int, int, int, int] | None] | None = None
        self.frames_read = 0
        self.status = CameraStatus(CameraState.CONNECTING)
        self.restarts = 0
        self._closing = threading.Event()
        self._commands_lock = threading.Lock()
        self._last_gallery: tuple[TemplateGallery[str], MatchPolicy] | None = None

    def start(self) -> None:
        """Start the child process and the reader thread."""
        events_in, events_out = self._context.Pipe(duplex=False)
        commands_in, commands_out = self._context.Pipe(duplex=False)
        self._process = self._context.Process(
            target=vision_process.run,
            args=(self.spec, events_out, commands_in, _console_level()),
            name="kiosk-vision",
            daemon=True,
        )
        self._process.start()
        events_out.close()
        commands_in.close()
        with self._commands_lock:
            self._commands = commands_out
        if self._last_gallery is not None:
            self._send("gallery", *self._last_gallery)
        self._reader = threading.Thread(target=self._read, args=(events_in,), name="vision-reader", daemon=True)
        self._reader.start()
        log.info("vision process %s started for camera %s", self._process.pid, self.spec.camera)

    @property
    def pid(self) -> int | None:
        """The vision process's id, while it runs."""
        return self._process.pid if self._process is not None else None

    def _send(self, *command: object) -> None:
        with self._commands_lock:
            if self._commands is None:
                return
            try:
                self._commands.send(command)
            except (BrokenPipeError, OSError):
                log.warning("the vision process is gone; command %s dropped", command[0])

    def arm(self) -> None:
        """Look for the next person (after a verdict was shown)."""
        self._send("arm")

    def hold(self) -> None:
        """Stop starting attempts (someone is using the screens); the preview goes on."""
        self._send("hold")

    def set_gallery(self, gallery: TemplateGallery[str], policy: MatchPolicy) -> None:
        """The enrolled templates (opened by the kiosk) to recognise people against, from the next attempt on."""
        self._last_gallery = (gallery, policy)
        self._send("gallery", gallery, policy)

    @property
    def match_policy(self) -> MatchPolicy | None:
        """The match rule last sent with the templates (None before the first templates)."""
        return self._last_gallery[1] if self._last_gallery is not None else None

    def set_liveness(self, challenge_length: int, liveness: LivenessConfig) -> None:
        """The liveness strictness, from the next attempt on; a restarted vision process starts with it too."""
        self.spec = replace(self.spec, challenge_length=challenge_length, liveness=liveness)
        self._send("liveness", challenge_length, liveness)

    def start_enrolment(self) -> None:
        """Collect enrolment samples from the camera; progress arrives as `captured`."""
        self._send("enrol")

    def stop_enrolment(self) -> None:
        self._send("stop_enrol")

    def take_preview(self) -> tuple[QImage, tuple[int, int, int, int] | None] | None:
        """The newest preview image (None when it was already taken)."""
        with self._preview_lock:
            preview, self._preview = self._preview, None
        return preview

    def _read(self, events: Connection) -> None:
        """The reader thread: hand each message on; nothing slow happens here."""
        while True:
            try:
                message = events.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "frame":
                self._frame(*message[1:])
            elif kind == "status":
                self.status = message[1]
                self.camera_changed.emit(message[1])
            elif kind == "checking":
                self.checking.emit(message[1])
            elif kind == "attempt":
                self.attempt_started.emit()
            elif kind == "verdict":
                self.verdict.emit(message[1])
            elif kind == "captured":
                self.captured.emit(message[1])
            elif kind == "problem":
                self.problem.emit(message[1])
            elif kind == "stopped":
                break
        events.close()
        if not self._closing.is_set():
            self._restart()

    def _restart(self) -> None:
        """The child died without being asked to (a crash in a native library): say so, and start a new one."""
        exit_code = self._process.exitcode if self._process is not None else None
        log.error("the vision process stopped unexpectedly (exit code %s); starting it again", exit_code)
        self.restarts += 1
        self.status = CameraStatus(CameraState.RECONNECTING, "the camera process stopped; restarting it")
        self.camera_changed.emit(self.status)
        self.problem.emit("The camera stopped unexpectedly; it is being restarted.")
        if self._closing.wait(RESTART_DELAY_S):
            return
        if self._process is not None:
            self._process.join(STOP_WAIT_S)
        self.start()

    def _frame(self, index: int, width: int, height: int, box: tuple[int, int, int, int] | None, pixels: bytes) -> None:
        self.frames_read = index + 1
        image = QImage(pixels, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
        with self._preview_lock:
            waiting = self._preview is not None
            self._preview = (image, box)
        if not waiting:
            self.frame_ready.emit(image, box)

    def close(self) -> None:
        """Stop the child process (it releases the camera) and the reader thread."""
        self._closing.set()
        process = self._process
        if process is None:
            return
        self._send("stop")
        process.join(STOP_WAIT_S)
        if process.is_alive():
            log.error("the vision process did not stop within %.0f s; terminating it", STOP_WAIT_S)
            process.terminate()
            process.join(STOP_WAIT_S)
        if self._reader is not None:
            self._reader.join(STOP_WAIT_S)
        with self._commands_lock:
            if self._commands is not None:
                self._commands.close()
                self._commands = None
        self._process = None
        log.info("vision process stopped after %d frames", self.frames_read)
