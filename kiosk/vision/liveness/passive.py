"""Passive checks: evidence gathered over the whole attempt, without asking anything of the person.

Each check below says what it catches and what it misses; the figures are from the clips and stills in
../shared/faces (see benchmarks/vision_liveness.py for the full table).

`face_lost`, `no_face`
    The face must be seen in most frames from its first appearance on. Catches: a picture pulled away, a screen too
    small or too reflective for the face to be found (spoof/replay_phone: the face on the phone is found in 26 of
    157 frames). Misses: anything that shows a face clearly.

`frozen_image`
    A real camera never gives two identical pictures: sensor noise moves every landmark by a fraction of a pixel.
    When nearly every pair of consecutive frames gives landmarks that moved less than 0.01 px, the feed is a still
    picture (a photo file, a frozen or injected virtual camera). Catches: every still in spoof/ shown as a photo held
    still. Misses: a printed photo or a screen in front of a real camera (the sensor adds noise), and a video file.

`no_blink`
    A person who keeps their head still for `no_blink_after_s` seconds blinks at least once (the focus_blink subjects
    blink every 2 to 15 s; 7.5 s on average). Catches: a photo held still for long. Misses: anything shorter than
    that (kiosk attempts usually are), videos of a blinking person, and a photo that is moved (then the head is not
    still); a person who stares for long can be refused by it.

`flat_motion`
    Landmarks of a flat picture move as one plane: one homography (8 degrees of freedom) maps them from frame to
    frame, while a real head turning or nodding shows parallax (the nose moves against the cheeks) that a homography
    cannot explain. For pairs of frames 0.7 s apart whose landmark layout changed beyond a similarity (rotation,
    scale, shift: residual of at least `shape_change_min` of the eye distance), the median ratio of the homography
    residual to the similarity residual is below `planar_ratio_max` for a flat picture, given `planar_pairs_min`
    such pairs. Measured: a photo tilted in front of the camera (rendered: a print rotated +/-35 degrees) 0.29; live
    clips 0.46 (live_zubair, who tilts his head and smiles a lot) to 0.89; the still-sitting focus_blink subjects
    give too few such pairs to judge (a lower `shape_change_min` of 0.03 refused mahie_test_3 on 5 pairs of jitter).
    Catches: a print or a phone that is tilted or waved. Misses: a picture that is only shifted, turned in its plane
    or moved closer (a similarity explains that, so there is nothing to judge), a print bent into a curve, and a
    screen replaying a video of a real head, whose image does have parallax (replay_monitor: 0.76).

`pose_without_parallax`
    When the estimated head pose turns by `parallax_turn_deg` or more between two frames, the landmark layout must
    change beyond a similarity too. Catches: a pose estimate fooled by a picture. Misses: screen replays (their
    picture has parallax). On our data MediaPipe did not report any turn for a tilted print (its yaw stayed within
    5 degrees), so this has fired on nothing yet; it is a guard, not a measured detector.

`screen_moire`
    The face region of a screen filmed by a camera often carries moire: fine periodic patterns that put much more of
    the spectrum's energy above a quarter of the sampling frequency than skin does. A frame counts when that share
    exceeds `moire_ratio_min` (live clips stay under 0.09; spoof/replay_monitor reaches 0.9, but only in its last
    third); the check fires when at least `moire_frames_min` frames and `moire_share_min` of them count. Misses:
    screens filmed out of focus or from far away, high-resolution screens, and most of replay_monitor's first 14 s.

`frame_around_face`
    A frame around the face (a phone's bezel, a monitor's window, a photo's border): straight edges longer than the
    face just outside it on three or four sides, where the edges of neighbouring sides meet at a corner, found by
    Hough lines in at least `frame_share_min` of the sampled frames. The corners are what tell a frame from a room:
    the ceiling panels, door posts and glass walls of an office behind a live person (focus_blink/soniya_test_5) give
    long straight edges above and beside the face too, but they run on past one another or stop far apart. Measured
    over the first 8 s of each clip, every third frame with a face: live clips 0 % (soniya_test_5 was 18 %, and 3 of
    7 frames in a kiosk attempt, before corners were asked for), the monitor and phone replays 0 %, a clip re-shown
    on a rendered monitor 41 %, a still on a rendered phone 68 % (tests/vision/synthetic.py). Misses: a picture
    that fills the view or is held so its corners are outside it, a phone held by its edges, and edges the camera
    does not resolve (the phone in silent_face/demo.gif). A live person standing in front of a picture frame or in a
    doorway close behind them is framed too: that case is genuinely ambiguous for this check.

Not used, because the data does not separate live from replayed faces: specular glare (the live Hamilton clip has
more of it than the replays) and a frame-rate beat in the face's brightness (the live head-turn clip shows a stronger
periodic component than its monitor replay). They are measured in `signals` for the audit log, not decided on.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.vision.landmarks import FaceObservation
from kiosk.vision.liveness.result import Reason

# Landmarks that move with the skull, not with the mouth or the eyelids: forehead, nose bridge and tip, eye corners,
# cheekbones, temples and nose wings.
RIGID_LANDMARKS = (
    *(10, 109, 338, 67, 297, 6, 168, 197, 195, 5, 4, 1, 33, 133, 362, 263, 234, 454, 93, 323, 116, 345),
    *(127, 356, 98, 327, 2),
)
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
# How far from a corner, in face sizes, the two edges of a frame may stop or run on and still make that corner.
FRAME_CORNER_TOLERANCE = 0.35
# How far beside the face, in face widths, a frame's upright edge is looked for: a face shown small on a monitor
# has its bezel 1.6 face widths away. Corners keep the room's edges out, so the search may reach that far.
FRAME_REACH = 2.0
# Past a corner, an edge that goes on (at least this share of the points looked at, from this far past the crossing,
# where the other edge's own pixels end) makes a crossing, not a corner.
_CROSSING_GAP_PX = 6.0
_RUN_ON_SHARE = 0.5
_RUN_ON_POINTS_MIN = 4


@dataclass(frozen=True)
class PassiveSettings:
    """Thresholds of the passive checks (see the module docstring)."""

    min_face_share: float = 0.6
    frozen_motion_px: float = 0.01
    frozen_share: float = 0.9
    no_blink_after_s: float = 10.0
    still_pose_range_deg: float = 6.0
    pair_gap_s: float = 0.7
    shape_change_min: float = 0.04
    planar_ratio_max: float = 0.38
    planar_pairs_min: int = 8
    parallax_turn_deg: float = 20.0
    parallax_shape_min: float = 0.02
    moire_ratio_min: float = 0.12
    moire_frames_min: int = 3
    moire_share_min: float = 0.05
    moire_every: int = 1
    frame_every: int = 3
    frame_share_min: float = 0.3
    frame_samples_min: int = 5


def _readable(gray: npt.NDArray[np.uint8]) -> bool:
    return gray.size > 0 and min(gray.shape) >= 16


def high_frequency_share(gray: npt.NDArray[np.uint8]) -> float:
    """Share of the (windowed) spectrum's energy between 0.25 and 0.5 cycles per pixel, over that of 0.05 to 0.25.

    Moire from a screen's pixel grid raises it; skin, even sharp, stays low.
    """
    if not _readable(gray):
        return 0.0
    height, width = gray.shape
    pixels = gray.astype(np.float32)
    window = np.outer(np.hanning(height), np.hanning(width)).astype(np.float32)
    power = np.abs(np.fft.rfft2((pixels - pixels.mean()) * window)) ** 2
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.sqrt(fy**2 + fx**2)
    high = float(power[(radius > 0.25) & (radius < 0.5)].sum())
    middle = float(power[(radius > 0.05) & (radius <= 0.25)].sum())
    return high / middle if middle > 0 else 0.0


def _segment_end_near(segment: npt.NDArray[np.float64], point: npt.NDArray[np.float64]) -> float:
    """Distance from `point` to the nearer end of `segment` (x1, y1, x2, y2)."""
    return float(min(np.linalg.norm(segment[:2] - point), np.linalg.norm(segment[2:] - point)))


def _runs_on(edges: npt.NDArray[np.uint8], segment: npt.NDArray[np.float64], corner: npt.NDArray[np.float64]) -> bool:
    """Whether the edge of `segment` goes on past `corner`: most of the points beyond it, along the segment's line
    for the segment's own length at most, lie on an edge of the picture. Hough lines break where two edges cross,
    so the picture's edges, not the segments, tell a crossing from a corner."""
    ends = segment.reshape(2, 2)
    far = ends[np.argmax(np.linalg.norm(ends - corner, axis=1))]
    direction = corner - far
    length = float(np.linalg.norm(direction))
    if length < 1.0:
        return False
    direction /= length
    height, width = edges.shape
    steps = np.arange(_CROSSING_GAP_PX, _CROSSING_GAP_PX + min(length, 0.5 * max(height, width)), 2.0)
    points = corner + steps[:, None] * direction
    inside = (points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)
    if inside.sum() < _RUN_ON_POINTS_MIN:
        return False
    columns, rows = points[inside, 0].astype(np.intp), points[inside, 1].astype(np.intp)
    return float((edges[rows, columns] > 0).mean()) >= _RUN_ON_SHARE


def _corner(
    first: npt.NDArray[np.float64], second: npt.NDArray[np.float64], edges: npt.NDArray[np.uint8], tolerance: float
) -> bool:
    """Whether two segments end together at a corner: their lines cross within `tolerance` of an end of each, and
    neither edge goes on past the crossing.

    A picture's border turns at its corners; the edges of a room (a ceiling's panels, a door post, a window's bars)
    run on past one another or stop far apart, so they make no corner around the face.
    """
    p, r = first[:2], first[2:] - first[:2]
    q, s = second[:2], second[2:] - second[:2]
    cross = float(r[0] * s[1] - r[1] * s[0])
    if abs(cross) < 1e-9:
        return False
    t = float((q - p)[0] * s[1] - (q - p)[1] * s[0]) / cross
    crossing = p + t * r
    if _segment_end_near(first, crossing) > tolerance or _segment_end_near(second, crossing) > tolerance:
        return False
    return not (_runs_on(edges, first, crossing) or _runs_on(edges, second, crossing))


def framing_sides(gray: npt.NDArray[np.uint8], box: tuple[int, int, int, int]) -> int:
    """How many sides of the face (0..4) are closed off by a frame: a straight edge longer than the face just
    outside it that meets the edge of a neighbouring side at a corner (a phone's bezel, a screen, a photo's border).
    """
    top, right, bottom, left = box
    face_h, face_w = bottom - top, right - left
    if face_h < 16 or face_w < 16:
        return 0
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 40, 120)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 180, threshold=60, minLineLength=int(0.9 * face_h), maxLineGap=8)
    if lines is None:
        return 0
    found: dict[str, list[npt.NDArray[np.float64]]] = {"left": [], "right": [], "top": [], "bottom": []}
    for segment in np.asarray(lines, dtype=np.float64).reshape(-1, 4):
        x1, y1, x2, y2 = segment
        angle = abs(math.degrees(math.atan2(y2 - y1, x2 - x1))) % 180
        if 70 < angle < 110 and min(y1, y2) <= bottom and max(y1, y2) >= top:
            x = (x1 + x2) / 2.0
            if face_w * 0.05 < left - x < face_w * FRAME_REACH:
                found["left"].append(segment)
            if face_w * 0.05 < x - right < face_w * FRAME_REACH:
                found["right"].append(segment)
        elif (angle < 20 or angle > 160) and min(x1, x2) <= right and max(x1, x2) >= left:
            y = (y1 + y2) / 2.0
            if face_h * 0.05 < top - y < face_h * 1.2:
                found["top"].append(segment)
            if face_h * 0.05 < y - bottom < face_h * 1.5:
                found["bottom"].append(segment)
    # Rounded corners (a phone's) and edges the detector breaks off leave a gap at the corner.
    tolerance = FRAME_CORNER_TOLERANCE * max(face_h, face_w)
    # An edge a pixel or two off the segment's line still counts as the same edge.
    grown = np.asarray(cv2.dilate(edges, np.ones((5, 5), np.uint8)), dtype=np.uint8)
    framed: set[str] = set()
    for upright in ("left", "right"):
        for level in ("top", "bottom"):
            if any(_corner(a, b, grown, tolerance) for a in found[upright] for b in found[level]):
                framed.update((upright, level))
    return len(framed)


def _model(value: object) -> npt.NDArray[np.float64] | None:
    """OpenCV's estimators return None for degenerate point sets, whatever their type stubs say."""
    return None if value is None else np.asarray(value, dtype=np.float64)


def shape_residuals(before: npt.NDArray[np.float32], after: npt.NDArray[np.float32]) -> tuple[float, float]:
    """(similarity residual, homography residual) of rigid landmarks between two frames, over the eye distance."""
    eye_distance = float(np.linalg.norm(after[RIGHT_EYE_OUTER, :2] - after[LEFT_EYE_OUTER, :2]))
    if eye_distance < 1.0:
        return 0.0, 0.0
    src = np.ascontiguousarray(before[list(RIGID_LANDMARKS), :2], dtype=np.float32)
    dst = np.ascontiguousarray(after[list(RIGID_LANDMARKS), :2], dtype=np.float32)
    similarity = _model(cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)[0])
    homography = _model(cv2.findHomography(src, dst, 0)[0])
    if similarity is None or homography is None:
        return 0.0, 0.0
    by_similarity = src @ similarity[:, :2].T + similarity[:, 2]
    by_homography = cv2.perspectiveTransform(src[None], homography)[0]
    rms_similarity = float(np.sqrt(((by_similarity - dst) ** 2).sum(axis=1).mean()))
    rms_homography = float(np.sqrt(((by_homography - dst) ** 2).sum(axis=1).mean()))
    return rms_similarity / eye_distance, rms_homography / eye_distance


@dataclass
class _Tally:
    frames: int = 0
    face_frames: int = 0
    still_pairs: int = 0
    moving_pairs: int = 0
    yaw_range: list[float] = field(default_factory=lambda: [math.inf, -math.inf])
    pitch_range: list[float] = field(default_factory=lambda: [math.inf, -math.inf])
    planar_ratios: list[float] = field(default_factory=list)
    parallax_violations: int = 0
    largest_turn: float = 0.0
    moire_frames: int = 0
    moire_samples: int = 0
    moire_peak: float = 0.0
    framed_frames: int = 0
    framing_samples: int = 0


class PassiveMonitor:
    """Collects the passive evidence frame by frame; `verdict()` turns it into reasons to refuse."""

    def __init__(self, settings: PassiveSettings | None = None) -> None:
        self.settings = settings if settings is not None else PassiveSettings()
        self._tally = _Tally()
        self._previous: npt.NDArray[np.float32] | None = None
        self._history: deque[tuple[float, npt.NDArray[np.float32], float]] = deque()
        self._first_face_at: float | None = None
        self._last_time = 0.0

    def update(self, time_s: float, image_bgr: npt.NDArray[np.uint8], face: FaceObservation | None) -> None:
        """Add one frame (after the attempt started) and the user's face in it, if any."""
        s, tally = self.settings, self._tally
        tally.frames += 1
        self._last_time = time_s
        if face is None:
            self._previous = None
            return
        if self._first_face_at is None:
            self._first_face_at = time_s
        tally.face_frames += 1
        points = face.landmarks
        if self._previous is not None:
            motion = float(np.sqrt(((points[:, :2] - self._previous[:, :2]) ** 2).sum(axis=1).mean()))
            if motion < s.frozen_motion_px:
                tally.still_pairs += 1
            else:
                tally.moving_pairs += 1
        self._previous = points
        tally.yaw_range = [min(tally.yaw_range[0], face.yaw), max(tally.yaw_range[1], face.yaw)]
        tally.pitch_range = [min(tally.pitch_range[0], face.pitch), max(tally.pitch_range[1], face.pitch)]
        self._compare_with_earlier(time_s, points, face.yaw)
        index = tally.face_frames - 1
        top, right, bottom, left = face.box
        if index % s.moire_every == 0 or index % s.frame_every == 0:
            gray = np.asarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
            if index % s.moire_every == 0:
                share = high_frequency_share(gray[top:bottom, left:right])
                tally.moire_samples += 1
                tally.moire_peak = max(tally.moire_peak, share)
                if share > s.moire_ratio_min:
                    tally.moire_frames += 1
            if index % s.frame_every == 0:
                tally.framing_samples += 1
                if framing_sides(gray, face.box) >= 3:
                    tally.framed_frames += 1

    def _compare_with_earlier(self, time_s: float, points: npt.NDArray[np.float32], yaw: float) -> None:
        s, tally = self.settings, self._tally
        self._history.append((time_s, points, yaw))
        while len(self._history) > 1 and self._history[1][0] <= time_s - s.pair_gap_s:
            self._history.popleft()
        earlier_time, earlier_points, earlier_yaw = self._history[0]
        if time_s - earlier_time < s.pair_gap_s * 0.8:
            return
        similarity, homography = shape_residuals(earlier_points, points)
        turn = abs(yaw - earlier_yaw)
        tally.largest_turn = max(tally.largest_turn, turn)
        if similarity >= s.shape_change_min:
            tally.planar_ratios.append(homography / similarity)
        if turn >= s.parallax_turn_deg and similarity < s.parallax_shape_min:
            tally.parallax_violations += 1

    def signals(self) -> dict[str, float]:
        """The measured values, for the audit log."""
        tally = self._tally
        pairs = tally.still_pairs + tally.moving_pairs
        return {
            "frames": float(tally.frames),
            "face_frames": float(tally.face_frames),
            "still_pair_share": tally.still_pairs / pairs if pairs else 0.0,
            "yaw_range_deg": max(0.0, tally.yaw_range[1] - tally.yaw_range[0]),
            "pitch_range_deg": max(0.0, tally.pitch_range[1] - tally.pitch_range[0]),
            "planar_pairs": float(len(tally.planar_ratios)),
            "planar_ratio_median": float(np.median(tally.planar_ratios)) if tally.planar_ratios else -1.0,
            "largest_turn_deg": tally.largest_turn,
            "moire_frames": float(tally.moire_frames),
            "moire_peak": tally.moire_peak,
            "framed_share": tally.framed_frames / tally.framing_samples if tally.framing_samples else 0.0,
        }

    def verdict(self, blink_count: int, face_seconds: float) -> list[Reason]:
        """Reasons to refuse the attempt from the passive evidence (empty when none).

        Args:
            blink_count: complete blinks seen during the attempt.
            face_seconds: seconds from the first frame with the face to the last frame.
        """
        s, tally = self.settings, self._tally
        reasons: list[Reason] = []
        if tally.face_frames == 0:
            return [Reason("no_face", "No face was seen.")]
        share = tally.face_frames / tally.frames if tally.frames else 0.0
        if share < s.min_face_share:
            reasons.append(
                Reason(
                    "face_lost", f"The face was seen in only {share:.0%} of the frames; stay in front of the camera."
                )
            )
        pairs = tally.still_pairs + tally.moving_pairs
        if pairs >= 5 and tally.still_pairs / pairs >= s.frozen_share:
            reasons.append(
                Reason(
                    "frozen_image",
                    "The picture did not change at all between frames: a still image or a frozen camera feed.",
                )
            )
        pose_moved = max(tally.yaw_range[1] - tally.yaw_range[0], tally.pitch_range[1] - tally.pitch_range[0])
        if face_seconds >= s.no_blink_after_s and blink_count == 0 and pose_moved < s.still_pose_range_deg:
            reasons.append(
                Reason("no_blink", f"No blink in {face_seconds:.0f} s while the face stayed still, like a photo.")
            )
        if len(tally.planar_ratios) >= s.planar_pairs_min:
            ratio = float(np.median(tally.planar_ratios))
            if ratio < s.planar_ratio_max:
                reasons.append(
                    Reason(
                        "flat_motion",
                        f"The face moved like a flat picture: one plane explains its motion (ratio {ratio:.2f}).",
                    )
                )
        if tally.parallax_violations >= 2:
            reasons.append(
                Reason(
                    "pose_without_parallax",
                    f"The head seemed to turn by {tally.largest_turn:.0f} degrees without any depth in the face.",
                )
            )
        if tally.moire_frames >= s.moire_frames_min and tally.moire_frames >= s.moire_share_min * tally.moire_samples:
            reasons.append(
                Reason("screen_moire", f"Screen patterns (moire) were seen on the face in {tally.moire_frames} frames.")
            )
        if (
            tally.framing_samples >= s.frame_samples_min
            and tally.framed_frames / tally.framing_samples >= s.frame_share_min
        ):
            reasons.append(
                Reason("frame_around_face", "Straight edges surround the face, like a screen or a photo's border.")
            )
        return reasons
