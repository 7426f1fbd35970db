"""Frames from a USB camera, a video file, a network stream or a still photo, through one code path.

`CameraSource` hides what the frames come from. The kiosk reads a USB device; tests and the `vision liveness` command
read files, which run through the same code. A source never raises because the device misbehaves: an unplugged
camera, a stream that drops or a file that is missing becomes a `CameraStatus` (`RECONNECTING` with the reason), the
source retries with a growing delay, and the status goes back to `CONNECTED` when frames flow again. Only when a
limit of attempts is set and reached does it give up (`FAILED`); a finished file or photo is `ENDED`. A driver that
hangs inside a read (rather than failing it) cannot be interrupted from the same thread, so the kiosk reads its
camera in a worker thread.

Every `Frame` carries three times:

- `stream_time`: seconds on the stream's own clock (the position in a file, the time since the start for a live
  device); analysis (blink durations, challenge time limits) uses this one, so a file played as fast as possible is
  judged exactly as if it had been played in real time;
- `monotonic`: `time.monotonic()` when the frame was read, for measuring processing delays;
- `wall`: the UTC wall-clock time when the frame was read, for logs and punch photos.

A still photo is shown as a camera would show a photo held still in front of it: the same picture for
`still_seconds` seconds at `still_fps` frames per second.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
FILE_MAX_ATTEMPTS = 3
RECONNECTS_ALWAYS_LOGGED = 3
STREAM_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://", "udp://", "tcp://", "rtmp://")


class CameraState(enum.Enum):
    """Where the source stands; the UI shows it and the loop keeps running in every state but ENDED and FAILED."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    FAILED = "failed"
    CLOSED = "closed"


class SourceKind(enum.Enum):
    """What a source reads."""

    DEVICE = "device"
    FILE = "file"
    STREAM = "stream"
    STILL = "still"


@dataclass(frozen=True)
class CameraStatus:
    """The state, why the source is in it (empty when connected) and how many reconnections were tried in a row."""

    state: CameraState
    reason: str = ""
    attempts: int = 0


@dataclass(frozen=True, eq=False)
class Frame:
    """One picture from the source.

    Attributes:
        image: H x W x 3 uint8 BGR picture (OpenCV's order), read-only.
        index: 0-based number of the frame since the source was made (continues across reconnections).
        stream_time: seconds on the stream's clock (see the module docstring).
        monotonic: `time.monotonic()` when the frame was read.
        wall: UTC time when the frame was read.
    """

    image: npt.NDArray[np.uint8]
    index: int
    stream_time: float
    monotonic: float
    wall: dt.datetime

    @property
    def timestamp_ms(self) -> int:
        """`stream_time` in whole milliseconds, as MediaPipe's video mode wants it."""
        return round(self.stream_time * 1000.0)

    @property
    def width(self) -> int:
        """Width in pixels."""
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        """Height in pixels."""
        return int(self.image.shape[0])

    def rgb(self) -> npt.NDArray[np.uint8]:
        """The picture in RGB order (MediaPipe, face_recognition)."""
        return np.ascontiguousarray(self.image[:, :, ::-1])


@dataclass(frozen=True)
class Backoff:
    """Delays between reconnection attempts: `initial` seconds, multiplied by `factor` up to `maximum`."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 8.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnection attempt number `attempt` (1 for the first)."""
        return float(min(self.maximum, self.initial * self.factor ** max(0, attempt - 1)))


def source_kind(source: int | str | Path) -> SourceKind:
    """Classify a source: an int (or digits) is a device index, a URL a stream, an image suffix a still photo."""
    if isinstance(source, int):
        return SourceKind.DEVICE
    text = str(source)
    if text.isdigit():
        return SourceKind.DEVICE
    if text.lower().startswith(STREAM_PREFIXES):
        return SourceKind.STREAM
    if Path(text).suffix.lower() in IMAGE_SUFFIXES:
        return SourceKind.STILL
    return SourceKind.FILE


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CameraSource:
    """Frames from one source, with reconnection; call `close()` when done.

    Args:
        source: a device index (int or digits), a stream URL, a video file or a still photo.
        realtime: pace a file or photo at its own frame rate (as a camera would deliver it); False reads as fast as
            possible. Devices and streams are always real time.
        still_seconds: how long a still photo is shown.
        still_fps: frames per second of a still photo.
        backoff: delays between reconnection attempts.
        max_attempts: give up (FAILED) after this many failed connection attempts in a row. None means the kind's
            default: a device or stream retries for ever (what a kiosk wants for its camera), a file or photo gives
            up after `FILE_MAX_ATTEMPTS`.
        retry_forever: never give up, whatever the kind (the kiosk's own camera, even when it is a file); the delay
            between attempts still grows with `backoff`. Not with `max_attempts`.
        failed_reads_before_reconnect: a live device may drop a frame; only this many failed reads in a row mean
            it is gone.
        width: ask a device for this frame width (it may give another).
        height: ask a device for this frame height.
        on_status: called with the new status whenever it changes (for the UI and the log).
        sleep: how to wait (a test or a UI thread may pass its own).
    """

    def __init__(
        self,
        source: int | str | Path,
        *,
        realtime: bool = True,
        still_seconds: float = 4.0,
        still_fps: float = 15.0,
        backoff: Backoff | None = None,
        max_attempts: int | None = None,
        retry_forever: bool = False,
        failed_reads_before_reconnect: int = 5,
        width: int | None = None,
        height: int | None = None,
        on_status: Callable[[CameraStatus], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if still_seconds <= 0 or still_fps <= 0:
            raise ValueError("still_seconds and still_fps must be positive")
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (or None for the kind's default)")
        if retry_forever and max_attempts is not None:
            raise ValueError("retry_forever and max_attempts contradict each other; give one")
        self.source = source
        self.kind = source_kind(source)
        self.realtime = realtime or self.kind in {SourceKind.DEVICE, SourceKind.STREAM}
        self.still_seconds = still_seconds
        self.still_fps = still_fps
        self.backoff = backoff if backoff is not None else Backoff()
        live = self.kind in {SourceKind.DEVICE, SourceKind.STREAM}
        if retry_forever or (max_attempts is None and live):
            self.max_attempts: int | None = None
        else:
            self.max_attempts = max_attempts if max_attempts is not None else FILE_MAX_ATTEMPTS
        self.failed_reads_before_reconnect = max(1, failed_reads_before_reconnect)
        self.requested_size = (width, height)
        self._on_status = on_status
        self._sleep = sleep
        self._status = CameraStatus(CameraState.CONNECTING)
        self._capture: Any = None
        self._still: npt.NDArray[np.uint8] | None = None
        self._next_index = 0
        self._delivered_in_connection = 0
        self._failed_reads = 0
        self._attempts = 0
        self._next_attempt_at = 0.0
        self._fps = 0.0
        self._started_at: float | None = None
        self._paced_start: float | None = None
        self._last_stream_time = -1.0
        self._resume_frame = 0

    # -- public ---------------------------------------------------------------------------------------------------

    @property
    def status(self) -> CameraStatus:
        """The current status."""
        return self._status

    @property
    def state(self) -> CameraState:
        """The current state."""
        return self._status.state

    @property
    def finished(self) -> bool:
        """True when no frame will ever come again (ENDED, FAILED or CLOSED)."""
        return self._status.state in {CameraState.ENDED, CameraState.FAILED, CameraState.CLOSED}

    def read(self) -> Frame | None:
        """The next frame, or None when there is none now (see `status` for why).

        Never raises because of the device: failures turn into RECONNECTING, and the wait before the next attempt
        happens inside this call, so a loop `while not source.finished: frame = source.read()` neither spins nor
        stops.
        """
        if self.finished:
            return None
        if self._capture is None and self._still is None and not self._connect():
            return None
        if self._still is not None:
            return self._read_still()
        return self._read_capture()

    def frames(self) -> Iterator[Frame]:
        """Every frame until the source ends, fails or is closed."""
        while not self.finished:
            frame = self.read()
            if frame is not None:
                yield frame

    def close(self) -> None:
        """Release the device or file. Safe to call twice."""
        self._release()
        self._still = None
        if self._status.state is not CameraState.CLOSED:
            self._set_status(CameraStatus(CameraState.CLOSED))

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- connection -----------------------------------------------------------------------------------------------

    def _set_status(self, status: CameraStatus) -> None:
        if status == self._status:
            return
        self._status = status
        if status.state is CameraState.RECONNECTING:
            # A camera left unplugged over a weekend must not push everything else out of the rotating log: the
            # first attempts are logged, then the 4th, 8th, 16th... (the screen shows every one).
            first_or_doubling = status.attempts <= RECONNECTS_ALWAYS_LOGGED or status.attempts.bit_count() == 1
            log.log(
                logging.WARNING if first_or_doubling else logging.DEBUG,
                "camera %s: reconnecting, attempt %d (%s)",
                self.source,
                status.attempts,
                status.reason,
            )
        elif status.state is CameraState.FAILED:
            log.warning("camera %s: %s (%s)", self.source, status.state.value, status.reason)
        else:
            log.info("camera %s: %s %s", self.source, status.state.value, status.reason)
        if self._on_status is not None:
            self._on_status(status)

    def _connect(self) -> bool:
        if self._attempts:
            wait = self._next_attempt_at - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        problem = self._open()
        if problem is None:
            self._attempts = 0
            self._failed_reads = 0
            self._paced_start = None
            self._delivered_in_connection = 0
            self._set_status(CameraStatus(CameraState.CONNECTED))
            return True
        self._lost(problem)
        return False

    def _lost(self, reason: str) -> None:
        """Record a failed connection or a lost device and schedule the next attempt (or give up)."""
        self._release()
        self._attempts += 1
        if self.max_attempts is not None and self._attempts > self.max_attempts:
            self._set_status(CameraStatus(CameraState.FAILED, f"{reason}; gave up after {self.max_attempts} attempts"))
            return
        self._next_attempt_at = time.monotonic() + self.backoff.delay(self._attempts)
        self._set_status(CameraStatus(CameraState.RECONNECTING, reason, self._attempts))

    def _open(self) -> str | None:
        """Open the source; None when it worked, else the reason it did not."""
        try:
            if self.kind is SourceKind.STILL:
                return self._open_still()
            return self._open_capture()
        except cv2.error as error:
            return f"OpenCV error: {error}"

    def _open_still(self) -> str | None:
        path = Path(str(self.source))
        if not path.is_file():
            return f"file not found: {path}"
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            return f"not a readable image: {path}"
        still = np.ascontiguousarray(image, dtype=np.uint8)
        still.setflags(write=False)
        self._still = still
        return None

    def _open_capture(self) -> str | None:
        if self.kind is SourceKind.FILE and not Path(str(self.source)).is_file():
            return f"file not found: {self.source}"
        target: int | str = int(str(self.source)) if self.kind is SourceKind.DEVICE else str(self.source)
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            capture.release()
            what = f"camera device {target}" if self.kind is SourceKind.DEVICE else str(target)
            return f"cannot open {what}"
        width, height = self.requested_size
        if self.kind is SourceKind.DEVICE and width and height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        fps = capture.get(cv2.CAP_PROP_FPS)
        self._fps = fps if fps and 0 < fps < 1000 else 30.0
        if self.kind is SourceKind.FILE and self._resume_frame > 0:
            # Reopening a file after it went away continues after the last frame given instead of replaying it.
            capture.set(cv2.CAP_PROP_POS_FRAMES, self._resume_frame)
        self._capture = capture
        return None

    def _release(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    # -- reading --------------------------------------------------------------------------------------------------

    def _stamp(self, image: npt.NDArray[np.uint8], stream_time: float) -> Frame:
        now = time.monotonic()
        if self._started_at is None:
            self._started_at = now
        image.setflags(write=False)
        frame = Frame(image, self._next_index, stream_time, now, _utc_now())
        self._next_index += 1
        self._delivered_in_connection += 1
        self._last_stream_time = stream_time
        return frame

    def _pace(self, stream_time: float) -> None:
        """In real-time mode, wait until the frame's stream time has come."""
        if not self.realtime or self.kind in {SourceKind.DEVICE, SourceKind.STREAM}:
            return
        now = time.monotonic()
        if self._paced_start is None:
            self._paced_start = now - stream_time
        wait = self._paced_start + stream_time - now
        if wait > 0:
            self._sleep(wait)

    def _read_still(self) -> Frame | None:
        assert self._still is not None
        total = max(1, round(self.still_seconds * self.still_fps))
        if self._delivered_in_connection >= total:
            self._set_status(CameraStatus(CameraState.ENDED, "the photo was shown for its whole time"))
            return None
        stream_time = self._delivered_in_connection / self.still_fps
        self._pace(stream_time)
        return self._stamp(self._still, stream_time)

    def _read_capture(self) -> Frame | None:
        capture = self._capture
        try:
            ok, image = capture.read()
        except cv2.error as error:
            ok, image = False, None
            log.debug("camera %s read error: %s", self.source, error)
        if not ok or image is None:
            self._read_failed()
            return None
        self._failed_reads = 0
        if self.kind in {SourceKind.DEVICE, SourceKind.STREAM}:
            now = time.monotonic()
            stream_time = 0.0 if self._started_at is None else now - self._started_at
        else:
            stream_time = self._file_time(capture)
            self._resume_frame += 1
            self._pace(stream_time)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return self._stamp(np.ascontiguousarray(image, dtype=np.uint8), stream_time)

    def _file_time(self, capture: Any) -> float:
        position = float(capture.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
        # Some containers report no position (or a stuck one); then count frames at the nominal rate.
        if position <= self._last_stream_time or not np.isfinite(position):
            position = max(self._last_stream_time + 1.0 / self._fps, 0.0) if self._next_index else 0.0
        return position

    def _read_failed(self) -> None:
        """A read gave no frame: the end of a file, or a device, stream or file that went away."""
        if self.kind is SourceKind.FILE:
            if not Path(str(self.source)).is_file():
                self._lost(f"file not found: {self.source}")
            elif self._delivered_in_connection == 0 and self._resume_frame == 0:
                self._lost(f"no frame could be decoded from {self.source}")
            else:
                self._release()
                self._set_status(CameraStatus(CameraState.ENDED, "end of file"))
            return None
        self._failed_reads += 1
        if self._failed_reads >= self.failed_reads_before_reconnect:
            what = "camera device" if self.kind is SourceKind.DEVICE else "stream"
            self._lost(f"the {what} stopped delivering frames (unplugged or failing)")
        return None
