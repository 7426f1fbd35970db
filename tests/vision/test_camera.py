"""The camera source on real files, a missing device, a vanishing file and a still photo."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.vision.camera import (
    Backoff,
    CameraSource,
    CameraState,
    CameraStatus,
    SourceKind,
    source_kind,
)

QUICK = Backoff(initial=0.01, factor=2.0, maximum=0.05)


def test_a_file_read_as_fast_as_possible_gives_every_frame_with_its_times(faces_dir: Path) -> None:
    with CameraSource(faces_dir / "video/dinoman_example_2blinks.mp4", realtime=False) as source:
        assert source.kind is SourceKind.FILE
        frames = list(source.frames())
        assert source.status.state is CameraState.ENDED

    assert len(frames) == 75
    assert [frame.index for frame in frames] == list(range(75))
    times = np.array([frame.stream_time for frame in frames])
    assert times[0] == 0.0
    assert np.allclose(np.diff(times), 0.04, atol=0.002)
    assert frames[-1].timestamp_ms == 2960
    assert all(frame.wall.tzinfo is dt.UTC for frame in frames)
    assert all(b.monotonic >= a.monotonic for a, b in itertools.pairwise(frames))
    assert (frames[0].width, frames[0].height) == (96, 128)
    assert not frames[0].image.flags.writeable
    assert np.array_equal(frames[0].rgb(), frames[0].image[:, :, ::-1])


def test_a_file_in_real_time_is_paced_at_its_frame_rate(faces_dir: Path) -> None:
    with CameraSource(faces_dir / "video/dinoman_example_2blinks.mp4", realtime=True) as source:
        started = time.monotonic()
        frames = [source.read() for _ in range(11)]
        elapsed = time.monotonic() - started
    assert all(frame is not None for frame in frames)
    # Ten intervals of 40 ms: real time cannot be faster than 0.4 s.
    assert elapsed >= 0.39


def test_a_still_photo_is_shown_like_a_photo_held_still(faces_dir: Path) -> None:
    photo = faces_dir / "spoof/silent_face/image_F1_fake.jpg"
    with CameraSource(photo, realtime=False, still_seconds=2.0, still_fps=10.0) as source:
        assert source.kind is SourceKind.STILL
        frames = list(source.frames())
        assert source.status == CameraStatus(CameraState.ENDED, "the photo was shown for its whole time")
    assert len(frames) == 20
    assert frames[-1].stream_time == pytest.approx(1.9)
    assert all(np.array_equal(frame.image, frames[0].image) for frame in frames)
    assert (frames[0].width, frames[0].height) == (480, 640)


def test_a_bad_device_index_is_a_state_never_an_exception() -> None:
    seen: list[CameraStatus] = []
    with CameraSource(99, backoff=QUICK, max_attempts=2, on_status=seen.append) as source:
        assert source.kind is SourceKind.DEVICE
        results = [source.read() for _ in range(5)]
        assert source.state is CameraState.FAILED
        assert source.finished
    assert results == [None] * 5
    assert [status.state for status in seen] == [
        CameraState.RECONNECTING,
        CameraState.RECONNECTING,
        CameraState.FAILED,
        CameraState.CLOSED,
    ]
    assert seen[0].reason == "cannot open camera device 99"
    assert [status.attempts for status in seen[:2]] == [1, 2]
    assert "gave up after 2 attempts" in seen[2].reason


def test_a_device_retries_for_ever_by_default() -> None:
    with CameraSource("98", backoff=QUICK) as source:
        for _ in range(6):
            assert source.read() is None
        assert source.status.state is CameraState.RECONNECTING
        assert source.status.attempts == 6


def test_a_file_told_to_retry_for_ever_never_says_it_gave_up(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[CameraStatus] = []
    missing = tmp_path / "camera.mp4"
    caplog.set_level(logging.WARNING, logger="kiosk.vision.camera")
    with CameraSource(missing, backoff=QUICK, retry_forever=True, on_status=seen.append) as source:
        assert source.kind is SourceKind.FILE
        for _ in range(9):  # three times the attempts a file gets by default
            assert source.read() is None
        assert not source.finished
    assert [status.state for status in seen] == [CameraState.RECONNECTING] * 9 + [CameraState.CLOSED]
    assert [status.attempts for status in seen[:9]] == list(range(1, 10))
    assert not any("gave up" in status.reason for status in seen)
    # The log keeps the first attempts and then every doubling, so a camera away for days does not flood it.
    logged = [record.getMessage() for record in caplog.records]
    assert logged == [
        f"camera {missing}: reconnecting, attempt {attempt} (file not found: {missing})" for attempt in (1, 2, 3, 4, 8)
    ]


def test_an_unreachable_stream_is_reported() -> None:
    assert source_kind("rtsp://10.0.0.5/live") is SourceKind.STREAM
    with CameraSource("http://127.0.0.1:9/video.mjpg", backoff=QUICK, max_attempts=1) as source:
        assert source.read() is None
        assert source.read() is None
        assert source.state is CameraState.FAILED
        assert "cannot open http://127.0.0.1:9/video.mjpg" in source.status.reason


def test_a_missing_file_reconnects_when_it_appears(faces_dir: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    with CameraSource(clip, realtime=False, backoff=QUICK, max_attempts=10) as source:
        assert source.read() is None
        assert source.status == CameraStatus(CameraState.RECONNECTING, f"file not found: {clip}", 1)
        shutil.copyfile(faces_dir / "video/dinoman_example_2blinks.mp4", clip)
        frame = source.read()
        assert frame is not None
        assert frame.index == 0
        assert source.state is CameraState.CONNECTED


def test_a_file_that_disappears_while_playing_is_reported_and_resumed(faces_dir: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    shutil.copyfile(faces_dir / "video/dinoman_example_2blinks.mp4", clip)
    seen: list[CameraStatus] = []
    source = CameraSource(clip, realtime=False, backoff=QUICK, max_attempts=50, on_status=seen.append)
    frames = [source.read() for _ in range(10)]
    clip.unlink()
    # What the open handle still holds keeps coming; then the loss is a state, not an exception.
    while source.state is CameraState.CONNECTED:
        frames.append(source.read())
    assert source.status.state is CameraState.RECONNECTING
    assert source.status.reason == f"file not found: {clip}"
    shutil.copyfile(faces_dir / "video/dinoman_example_2blinks.mp4", clip)
    frames.extend(source.frames())
    source.close()

    delivered = [frame for frame in frames if frame is not None]
    assert [frame.index for frame in delivered] == list(range(len(delivered)))
    times = [frame.stream_time for frame in delivered]
    assert times == sorted(set(times)), "no frame is replayed after the reconnection"
    assert len(delivered) == 75
    assert CameraState.ENDED in [status.state for status in seen]


def test_an_unreadable_file_fails_after_its_attempts(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 2048)
    bad_photo = tmp_path / "photo.jpg"
    bad_photo.write_text("not a picture")
    for path, reason in ((junk, "cannot open"), (bad_photo, "not a readable image")):
        with CameraSource(path, realtime=False, backoff=QUICK) as source:
            assert list(source.frames()) == []
            assert source.state is CameraState.FAILED
            assert reason in source.status.reason


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        CameraSource("photo.jpg", still_seconds=0)
    with pytest.raises(ValueError, match="max_attempts"):
        CameraSource(0, max_attempts=0)
    with pytest.raises(ValueError, match="retry_forever and max_attempts"):
        CameraSource("clip.mp4", retry_forever=True, max_attempts=3)


def test_backoff_grows_to_its_maximum() -> None:
    backoff = Backoff(initial=0.5, factor=2.0, maximum=3.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
