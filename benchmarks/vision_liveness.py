"""Liveness figures: time per frame at 640 x 480, and the verdicts on every clip and still of ../shared/faces.

    python benchmarks/vision_liveness.py [--faces DIR] [--timing-frames N] [--skip-table] [--kiosk-steps 2|3]

1. Time per frame, on the first N frames of focus_blink/mahie_test_1.avi (640 x 480): MediaPipe landmarks (VIDEO
   mode, two faces), then the liveness update (blink detector, step judge, passive checks), p50 / p95 / max.

2. A table over every clip and still in video/ and spoof/ (labels from their labels.csv), plus a rendered attack our
   data has no recording of (a print tilted in front of the camera, tests/vision/synthetic.py), in three modes:

   - kiosk: every ordered challenge of `--kiosk-steps` steps (20 of two steps, 60 of three) is asked of each video
     attack (five of them of each still); APCER is the share that passed.
     Bona fide recordings were not made in answer to prompts, so this mode says nothing about them;
   - matched: the challenge the recording happens to perform (e.g. turn_left,turn_right for the head-turn clip and its
     monitor replay), with a 30 s time limit per step since nobody in the recordings was prompted: the worst case
     for attacks (a replay that shows the asked movements), and the BPCER of live people doing the movement;
   - passive: the passive checks alone over the whole file.

   Stills are shown for 4 s like a photo held still. The "real" stills of silent_face are genuine single captures,
   but a still picture is never a live attempt for a video check; they are listed apart and counted in no rate.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.vision.camera import CameraSource  # noqa: E402
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face  # noqa: E402
from kiosk.vision.liveness import (  # noqa: E402
    BlinkDetector,
    ChallengeStep,
    LivenessConfig,
    LivenessSession,
    eye_closure_score,
    parse_challenge,
    run_liveness,
)
from kiosk.vision.liveness.passive import PassiveMonitor  # noqa: E402
from tests.vision.synthetic import write_tilted_print_clip  # noqa: E402

VIDEO_SUFFIXES = {".mp4", ".avi", ".webm", ".gif"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
MATCHED = {
    "dinoman": "blink",
    "focus_blink": "blink",
    "tranvanluyt": "turn_left,turn_right,look_up",
    "zubair": "smile,turn_right",
    "hamilton": "turn_right",
    "synthetic": "turn_left,turn_right",
}
STILL_CHALLENGE = "blink,turn_left"
MATCHED_CONFIG = LivenessConfig(step_time_limit_s=30.0)


@dataclass(frozen=True)
class Item:
    path: Path
    label: str  # bona_fide, attack, still_real, mixed
    kind: str


def default_faces() -> Path:
    override = os.environ.get("TIMECLOCK_FACES")
    return Path(override) if override else ROOT.parent / "shared" / "faces"


def catalogue(faces: Path, synthetic: Path) -> list[Item]:
    items: list[Item] = []
    for path in sorted((faces / "video").rglob("*")):
        if path.suffix.lower() in VIDEO_SUFFIXES:
            items.append(Item(path, "bona_fide", "live video"))
    with (faces / "spoof" / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            path = faces / "spoof" / row["file"]
            if row["label"] == "spoof":
                items.append(Item(path, "attack", row["attack_type"]))
            elif row["label"] == "real":
                items.append(Item(path, "still_real", "genuine single capture"))
            else:
                items.append(Item(path, "mixed", row["attack_type"] or row["label"]))
    items.append(Item(synthetic, "attack", "synthetic: print tilted +/-35 deg (rendered)"))
    return items


def matched_challenge(item: Item) -> str:
    if item.path.suffix.lower() in IMAGE_SUFFIXES:
        return STILL_CHALLENGE
    for key, steps in MATCHED.items():
        if key in str(item.path):
            return steps
    return STILL_CHALLENGE


def attempt(path: Path, steps: tuple[ChallengeStep, ...], config: LivenessConfig | None = None) -> tuple[bool, str]:
    with CameraSource(path, realtime=False) as source, FaceLandmarkDetector(RunningMode.VIDEO) as detector:
        result = run_liveness(source, detector, steps, config)
    return result.live, ",".join(result.reason_codes) or "-"


def passive_only(path: Path) -> tuple[bool, str]:
    monitor = PassiveMonitor()
    blinks = BlinkDetector()
    first_face: float | None = None
    last = 0.0
    with CameraSource(path, realtime=False) as source, FaceLandmarkDetector(RunningMode.VIDEO) as detector:
        for frame in source.frames():
            face = pick_user_face(detector.detect_for_video(frame.rgb(), frame.timestamp_ms))
            monitor.update(frame.stream_time, frame.image, face)
            last = frame.stream_time
            if face is None:
                blinks.missing()
                continue
            first_face = frame.stream_time if first_face is None else first_face
            blinks.update(frame.stream_time, eye_closure_score(face.blendshapes))
    reasons = monitor.verdict(len(blinks.events), 0.0 if first_face is None else last - first_face)
    return not reasons, ",".join(reason.code for reason in reasons) or "-"


def timing(faces: Path, frames: int) -> None:
    clip = faces / "video/focus_blink/mahie_test_1.avi"
    landmark_ms: list[float] = []
    liveness_ms: list[float] = []
    never_ending = LivenessConfig(step_time_limit_s=1e9)
    with CameraSource(clip, realtime=False) as source, FaceLandmarkDetector(RunningMode.VIDEO) as detector:
        session = LivenessSession(parse_challenge("look_up,turn_left"), never_ending)
        for frame in source.frames():
            if frame.index >= frames:
                break
            started = time.perf_counter()
            face = pick_user_face(detector.detect_for_video(frame.rgb(), frame.timestamp_ms))
            middle = time.perf_counter()
            session.update(frame, face)
            ended = time.perf_counter()
            landmark_ms.append((middle - started) * 1000)
            liveness_ms.append((ended - middle) * 1000)
            if session.finished:
                session = LivenessSession(parse_challenge("look_up,turn_left"), never_ending)
    total = [a + b for a, b in zip(landmark_ms, liveness_ms, strict=True)]
    print(f"Per frame at 640x480 ({len(total)} frames of {clip.name}, {os.cpu_count()} CPUs):")
    for name, values in (("landmarks", landmark_ms), ("liveness update", liveness_ms), ("total", total)):
        ordered = sorted(values)
        p50 = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"  {name:<16} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   max {ordered[-1]:6.1f} ms")
    print("  target: total p95 under 30 ms")


def table(faces: Path, kiosk_steps: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        synthetic = write_tilted_print_clip(
            faces / "spoof/silent_face/image_T1_real.jpg", Path(scratch) / "tilted_print.mp4"
        )
        items = catalogue(faces, synthetic)
        every_pair = list(itertools.permutations(ChallengeStep, kiosk_steps))
        kiosk: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        matched: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        passive: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        print()
        print(f"{'file':<50} {'label':<10} {'kiosk pass':>10}  {'matched challenge':<30} {'matched':<40} passive")
        for item in items:
            name = str(item.path.relative_to(faces)) if item.path.is_relative_to(faces) else item.path.name
            kiosk_text = ""
            if item.label == "attack":
                challenges = every_pair if item.path.suffix.lower() not in IMAGE_SUFFIXES else every_pair[:5]
                passed = sum(attempt(item.path, pair)[0] for pair in challenges)
                kiosk[item.kind][0] += passed
                kiosk[item.kind][1] += len(challenges)
                kiosk_text = f"{passed}/{len(challenges)}"
            steps = matched_challenge(item)
            live, reasons = attempt(item.path, parse_challenge(steps), MATCHED_CONFIG)
            passive_live, passive_reasons = passive_only(item.path)
            group = (item.label, item.kind if item.label == "attack" else item.label)
            matched[group][0] += live
            matched[group][1] += 1
            passive[group][0] += passive_live
            passive[group][1] += 1
            verdict = f"{'LIVE' if live else 'refused'} {reasons}"
            passive_verdict = f"{'LIVE' if passive_live else 'refused'} {passive_reasons}"
            print(f"{name:<50} {item.label:<10} {kiosk_text:>10}  {steps:<30} {verdict:<40} {passive_verdict}")
        print()
        print("APCER per attack kind (share of attack attempts accepted as live):")
        for kind in sorted({item.kind for item in items if item.label == "attack"}):
            passed, total = kiosk[kind]
            m_passed, m_total = matched[("attack", kind)]
            p_passed, p_total = passive[("attack", kind)]
            print(
                f"  {kind:<52} kiosk {passed}/{total} = {passed / total:6.1%}   matched {m_passed}/{m_total}   "
                f"passive {p_passed}/{p_total}"
            )
        m_live, m_total = matched[("bona_fide", "bona_fide")]
        p_live, p_total = passive[("bona_fide", "bona_fide")]
        print(
            f"BPCER (live recordings refused): matched challenge {m_total - m_live}/{m_total} = "
            f"{(m_total - m_live) / m_total:.1%}, passive checks alone {p_total - p_live}/{p_total} = "
            f"{(p_total - p_live) / p_total:.1%}"
        )
        for label in ("still_real", "mixed"):
            live_count, count = matched[(label, label)]
            print(f"{label}: {count - live_count}/{count} refused (not counted in any rate)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=Path, default=default_faces(), help="the shared face data folder")
    parser.add_argument("--timing-frames", type=int, default=600, help="frames to time (default 600)")
    parser.add_argument("--skip-table", action="store_true", help="only measure the time per frame")
    parser.add_argument(
        "--kiosk-steps", type=int, choices=(2, 3), default=2, help="steps of the kiosk-mode challenges (default 2)"
    )
    args = parser.parse_args()
    if not (args.faces / "README.md").is_file():
        print(f"face data not found at {args.faces} (set TIMECLOCK_FACES)", file=sys.stderr)
        return 1
    timing(args.faces, args.timing_frames)
    if not args.skip_table:
        table(args.faces, args.kiosk_steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
