"""Attacks our data has no recording of, rendered from real photos and clips: a flat photo moved in front of a
camera, a clip re-shown on a monitor and a still shown on a phone.

The tilted print: the photo is printed 20 cm wide, held 60 cm from a 640 x 480 pinhole camera (focal length 600 px)
and tilted about its vertical axis by up to `max_tilt_deg` and about its horizontal axis by up to 8 degrees while it
drifts a little, over a grey background; Gaussian sensor noise (sigma 2 grey levels) is added to every frame, as a
real camera would.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
FOCAL_PX = 600.0
DISTANCE_CM = 60.0
PRINT_WIDTH_CM = 20.0


def write_tilted_print_clip(
    photo: Path, out: Path, *, seconds: float = 6.0, fps: float = 15.0, max_tilt_deg: float = 35.0, seed: int = 0
) -> Path:
    """Render the clip into `out` (MPEG-4) and return `out`."""
    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"cannot read {photo}")
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    print_height = PRINT_WIDTH_CM * height / width
    corners = np.array(
        [
            [-PRINT_WIDTH_CM / 2, -print_height / 2, 0.0],
            [PRINT_WIDTH_CM / 2, -print_height / 2, 0.0],
            [PRINT_WIDTH_CM / 2, print_height / 2, 0.0],
            [-PRINT_WIDTH_CM / 2, print_height / 2, 0.0],
        ]
    )
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, (WIDTH, HEIGHT))
    try:
        for index in range(round(seconds * fps)):
            t = index / fps
            yaw = math.radians(max_tilt_deg * math.sin(2 * math.pi * t / 4.0))
            pitch = math.radians(8.0 * math.sin(2 * math.pi * t / 3.0))
            turn = np.array([[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]])
            nod = np.array([[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]])
            placed = corners @ (turn @ nod).T + np.array([2.0 * math.sin(t), math.cos(1.3 * t), DISTANCE_CM])
            projected = np.array(
                [[FOCAL_PX * x / z + WIDTH / 2, FOCAL_PX * y / z + HEIGHT / 2] for x, y, z in placed], dtype=np.float32
            )
            warp = cv2.getPerspectiveTransform(source, projected)
            frame = np.full((HEIGHT, WIDTH, 3), 120, dtype=np.uint8)
            cv2.warpPerspective(image, warp, (WIDTH, HEIGHT), dst=frame, borderMode=cv2.BORDER_TRANSPARENT)
            noisy = frame.astype(np.float32) + rng.normal(0.0, 2.0, frame.shape)
            writer.write(np.clip(noisy, 0, 255).astype(np.uint8))
    finally:
        writer.release()
    return out


def write_monitor_replay_clip(clip: Path, out: Path) -> Path:
    """A live clip re-shown on a monitor filmed by the kiosk's camera (12 s at most): the monitor's bezel around
    the picture, the screen's rows of pixels, a band of glare that drifts, sensor noise. Returns `out`."""
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, (640, 480))
    rng = np.random.default_rng(1)
    grid = np.ones((480, 640, 1), np.float32)
    grid[::3, :, :] = 0.82  # the screen's rows of pixels, resolved by the camera
    try:
        for index in range(int(fps * 12)):
            ok, picture = capture.read()
            if not ok:
                break
            frame = np.full((480, 640, 3), 40, np.uint8)
            cv2.rectangle(frame, (60, 20), (580, 460), (15, 15, 15), -1)  # the monitor's bezel
            height, width = picture.shape[:2]
            scale = min(500 / width, 420 / height)
            shown = cv2.resize(picture, (round(width * scale), round(height * scale)))
            top, left = 30 + (420 - shown.shape[0]) // 2, 70 + (500 - shown.shape[1]) // 2
            frame[top : top + shown.shape[0], left : left + shown.shape[1]] = shown
            lit = frame.astype(np.float32) * grid
            lit[:, 300 + index % 40 : 380 + index % 40] += 25.0  # a band of glare that drifts
            noisy = lit + rng.normal(0.0, 2.0, lit.shape)
            writer.write(np.clip(noisy, 0, 255).astype(np.uint8))
    finally:
        writer.release()
        capture.release()
    return out


def write_phone_still_clip(photo: Path, out: Path, fps: float = 15.0) -> Path:
    """A still shown on a phone held in the hand for 8 s: it drifts and turns a little, with a bezel and sensor
    noise. Returns `out`."""
    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(photo)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, (640, 480))
    rng = np.random.default_rng(2)
    height, width = image.shape[:2]
    scale = 300 / max(height, width)
    shown = cv2.resize(image, (round(width * scale), round(height * scale)))
    phone = cv2.copyMakeBorder(shown, 30, 30, 12, 12, cv2.BORDER_CONSTANT, value=(10, 10, 10))
    try:
        for index in range(int(fps * 8)):
            t = index / fps
            angle = 4.0 * math.sin(t * 1.7)
            centre = (320 + 15 * math.sin(t), 240 + 10 * math.cos(t * 1.3))
            matrix = cv2.getRotationMatrix2D((phone.shape[1] / 2, phone.shape[0] / 2), angle, 1.0)
            matrix[:, 2] += (centre[0] - phone.shape[1] / 2, centre[1] - phone.shape[0] / 2)
            frame = np.full((480, 640, 3), 110, np.uint8)
            cv2.warpAffine(phone, matrix, (640, 480), dst=frame, borderMode=cv2.BORDER_TRANSPARENT)
            noisy = frame.astype(np.float32) + rng.normal(0.0, 2.0, frame.shape)
            writer.write(np.clip(noisy, 0, 255).astype(np.uint8))
    finally:
        writer.release()
    return out
