"""A flat photo moved in front of a camera, rendered from a real photo: the attack our data has no recording of.

The photo is printed 20 cm wide, held 60 cm from a 640 x 480 pinhole camera (focal length 600 px) and tilted about
its vertical axis by up to `max_tilt_deg` and about its horizontal axis by up to 8 degrees while it drifts a little,
over a grey background; Gaussian sensor noise (sigma 2 grey levels) is added to every frame, as a real camera would.
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
