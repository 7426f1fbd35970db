"""Time to punch: each shared clip played at camera speed into the kiosk's real camera process, per liveness mode.

    python -m benchmarks.time_to_punch [--faces DIR] [--modes relaxed,normal,strict] [--repeats N] [--only TEXT]

For every live clip of ../shared/faces the person is enrolled first, from frames of the same clip at least 5 s after
the part the kiosk will see (or, for clips shorter than that, from its last third), together with every other
person of the data as the rest of the staff. The clip then plays as the camera (at its own frame rate) into
`kiosk.ui.vision_process.run`, the process the kiosk runs, with the liveness setting of the mode and the random
challenge the kiosk draws.

Each presentation starts with 3 s of an empty scene, as at a kiosk that was already running when the person stepped
up (the models' first runs are over). Printed per mode:

- time from the first frame with a face to the decision (median and p95), over the live clips that were decided;
- genuine acceptance: live clips greeted as the right person (BPCER = the rest);
- APCER per attack type: the share of attack presentations greeted as the person shown. Each attack is run against
  a gallery holding the face it shows (the worst case: a known face, so steps may be asked). Attacks: the monitor and
  phone replays, the printed and screen stills (shown for 4 s like a photo held still), and three rendered in
  tests/vision/synthetic.py: the tilted print, a live clip re-shown on a monitor (a bezel, the screen's pixel grid,
  glare and sensor noise) and a still re-shown on a phone moved in the hand.

`--repeats` plays each attack that many times (a new random challenge each time). `--only TEXT` plays only the
clips and attacks whose path holds TEXT (a comma-separated list of such texts), to look into one of them.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.ui.vision_process import PipelineSettings, Verdict, VisionSpec, run  # noqa: E402
from kiosk.vision.camera import CameraSource  # noqa: E402
from kiosk.vision.encodings import FaceEncoder  # noqa: E402
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face  # noqa: E402
from kiosk.vision.matcher import TemplateGallery  # noqa: E402
from kiosk.vision.models import ANTISPOOF_MODEL, YUNET_MODEL, default_model_path, require_pinned  # noqa: E402
from kiosk.vision.strictness import liveness_for, matching_for  # noqa: E402
from tests.vision.synthetic import (  # noqa: E402
    write_monitor_replay_clip,
    write_phone_still_clip,
    write_tilted_print_clip,
)

LIVE = {
    "video/focus_blink/mahie_test_1.avi": "mahie",
    "video/focus_blink/mahie_test_2.avi": "mahie",
    "video/focus_blink/mahie_test_3.avi": "mahie",
    "video/focus_blink/mahie_test_4_low_fps.avi": "mahie",
    "video/focus_blink/mahie_test_5_low_fps.avi": "mahie",
    "video/focus_blink/mahie_test_6_low_fps.avi": "mahie",
    "video/focus_blink/soniya_test_3.avi": "soniya",
    "video/focus_blink/soniya_test_5_low_fps.avi": "soniya",
    "video/focus_blink/soniya_test_6_low_fps.avi": "soniya",
    "video/dinoman_example_2blinks.mp4": "dinoman_a",
    "video/dinoman_test_bbal7p.mp4": "dinoman_b",
    "video/fr_short_hamilton_clip.mp4": "hamilton",
    "video/headturn_live_tranvanluyt_real.mp4": "tranvanluyt",
    "video/live_zubair_real.webm": "zubair",
}
ATTACKS: dict[str, tuple[str, str | None]] = {
    "spoof/replay_monitor_tranvanluyt_fake.mp4": ("monitor replay", "tranvanluyt"),
    "spoof/replay_phone_zubair_fake.webm": ("phone replay", "zubair"),
    "spoof/silent_face/image_F1_fake.jpg": ("printed still", None),
    "spoof/silent_face/early_image_F1_fake_v1.jpg": ("printed still", None),
    "spoof/silent_face/early_image_F1_fake_v2.jpg": ("printed still", None),
    "spoof/silent_face/image_F2_fake.jpg": ("screen still", None),
    "spoof/hyperfas/fake_screen.png": ("screen still", None),
}
STILL_SUFFIXES = {".jpg", ".png"}
DECISION_TIMEOUT_S = 25.0


@dataclass(frozen=True)
class Run:
    """One presentation: what it was, the decision and how long it took from the first face."""

    name: str
    kind: str  # "live" or the attack type
    expected: str | None
    verdict: Verdict | None
    seconds: float | None

    @property
    def accepted(self) -> bool:
        return self.verdict is not None and self.verdict.identified

    @property
    def right_person(self) -> bool:
        return self.verdict is not None and self.verdict.employee_id == self.expected


def _encodings(path: Path, encoder: FaceEncoder, *, after_s: float, most: int = 5) -> list[npt.NDArray[np.float32]]:
    """Encodings of the clip's (or still's) face from frames after `after_s` seconds, a few spread frames."""
    found: list[npt.NDArray[np.float32]] = []
    if path.suffix.lower() in STILL_SUFFIXES:
        sample = encoder.sample_from_file(path, pose=None)
        return [sample.encoding]
    with FaceLandmarkDetector(RunningMode.VIDEO) as detector, CameraSource(path, realtime=False) as source:
        for frame in source.frames():
            face = pick_user_face(detector.detect_for_video(frame.rgb(), frame.timestamp_ms))
            if face is None or frame.stream_time < after_s or frame.index % 7:
                continue
            found.append(encoder.sample_from_observation(frame.rgb(), face, pose=None).encoding)
            if len(found) >= most:
                break
    return found


def _clip_seconds(path: Path) -> float:
    capture = cv2.VideoCapture(str(path))
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        return float(capture.get(cv2.CAP_PROP_FRAME_COUNT)) / fps
    finally:
        capture.release()


def _enrolment_after(path: Path) -> float:
    seconds = _clip_seconds(path)
    return 8.0 if seconds > 16.0 else seconds * 2 / 3


def _with_lead_in(source: Path, out: Path, lead_in_s: float = 3.0, still_s: float = 4.0) -> Path:
    """The presentation as a camera would give it to a kiosk that has been running: a few seconds of an empty
    scene (the models are warm when the person steps up), then the clip (or the still, held for `still_s`)."""
    if source.suffix.lower() in STILL_SUFFIXES:
        still = cv2.imread(str(source), cv2.IMREAD_COLOR)
        if still is None:
            raise FileNotFoundError(source)
        fps, pictures = 15.0, iter([still] * round(15.0 * still_s))
        size = (still.shape[1] - still.shape[1] % 2, still.shape[0] - still.shape[0] % 2)
    else:
        capture = cv2.VideoCapture(str(source))
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))

        def frames() -> Iterator[npt.NDArray[np.uint8]]:
            try:
                while True:
                    ok, picture = capture.read()
                    if not ok:
                        return
                    yield np.asarray(picture, dtype=np.uint8)
            finally:
                capture.release()

        pictures = frames()
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    rng = np.random.default_rng(3)
    try:
        for _ in range(round(fps * lead_in_s)):
            empty = np.full((size[1], size[0], 3), 90.0) + rng.normal(0.0, 2.0, (size[1], size[0], 3))
            writer.write(np.clip(empty, 0, 255).astype(np.uint8))
        for picture in pictures:
            writer.write(np.ascontiguousarray(picture[: size[1], : size[0]]))
    finally:
        writer.release()
    return out


def _present(spec: VisionSpec, gallery: TemplateGallery[str], strictness: str) -> tuple[Verdict | None, float | None]:
    """Play the camera into the real vision process until its first decision; seconds from the first face."""
    context = multiprocessing.get_context("spawn")
    events_in, events_out = context.Pipe(duplex=False)
    commands_in, commands_out = context.Pipe(duplex=False)
    process = context.Process(target=run, args=(spec, events_out, commands_in), daemon=True)
    process.start()
    events_out.close()
    commands_in.close()
    commands_out.send(("gallery", gallery, matching_for(strictness)))
    first_face: float | None = None
    verdict: Verdict | None = None
    decided_at = 0.0
    deadline = time.monotonic() + DECISION_TIMEOUT_S + 30.0  # the process needs a few seconds to load its models
    try:
        while time.monotonic() < deadline and verdict is None:
            if not events_in.poll(0.5):
                continue
            message = events_in.recv()
            if message[0] == "frame" and message[4] is not None and first_face is None:
                first_face = time.monotonic()
                deadline = first_face + DECISION_TIMEOUT_S
            elif message[0] == "verdict":
                verdict, decided_at = message[1], time.monotonic()
    finally:
        commands_out.send(("stop",))
        events_in.close()  # the child's next frame meets a closed pipe and it stops
        process.join(timeout=20)
        if process.is_alive():
            process.kill()
        commands_out.close()
    seconds = None if verdict is None or first_face is None else decided_at - first_face
    return verdict, seconds


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _enrol_staff(faces: Path, encoder: FaceEncoder) -> list[tuple[str, npt.NDArray[np.float32]]]:
    """Every person of the data, from frames the kiosk will not be shown (see the module docstring)."""
    staff: list[tuple[str, npt.NDArray[np.float32]]] = []
    print("enrolling ...", flush=True)
    enrolled: set[str] = set()
    for name, person in LIVE.items():
        if person in enrolled and person in {"mahie", "soniya"}:
            continue
        path = faces / name
        staff += [(person, encoding) for encoding in _encodings(path, encoder, after_s=_enrolment_after(path))]
        enrolled.add(person)
    staff += [("obama", e) for e in _encodings(faces / "people/barack_obama/fr_obama.jpg", encoder, after_s=0)]
    staff += [
        ("silent_face_t1", e) for e in _encodings(faces / "spoof/silent_face/image_T1_real.jpg", encoder, after_s=0)
    ]
    for name, (_, shown) in ATTACKS.items():
        if shown is None and Path(name).suffix.lower() in STILL_SUFFIXES:
            try:
                staff += [(name, e) for e in _encodings(faces / name, encoder, after_s=0)]
            except Exception as error:  # a still with no face the encoder accepts: it cannot be enrolled
                print(f"  {name}: not enrolled ({error})", flush=True)
    return staff


def _report(strictness: str, mode: str, runs: list[Run]) -> None:
    live = [entry for entry in runs if entry.kind == "live"]
    times = [entry.seconds for entry in live if entry.seconds is not None and entry.right_person]
    genuine = sum(entry.right_person for entry in live)
    print(f"\n== liveness {strictness}: mode {mode}")
    if times:
        print(f"time to punch (first face -> greeting), {len(times)} greeted live clips: "
              f"median {statistics.median(times):.2f} s, p95 {_percentile(times, 0.95):.2f} s, "
              f"max {max(times):.2f} s")  # fmt: skip
    if live:
        print(f"genuine acceptance {genuine}/{len(live)} ({genuine / len(live):.0%}), "
              f"BPCER {1 - genuine / len(live):.0%}")  # fmt: skip
    by_kind: dict[str, list[Run]] = defaultdict(list)
    for entry in runs:
        if entry.kind != "live":
            by_kind[entry.kind].append(entry)
    for kind, entries in by_kind.items():
        passed = sum(entry.accepted for entry in entries)
        print(f"APCER {kind}: {passed}/{len(entries)} ({passed / len(entries):.0%})")
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=Path, default=ROOT.parent / "shared" / "faces")
    parser.add_argument("--modes", default="relaxed,normal,strict")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", default="", help="play only the presentations whose path holds one of these texts")
    args = parser.parse_args()
    wanted = [text for text in args.only.split(",") if text]

    def chosen(path: Path | str) -> bool:
        return not wanted or any(text in str(path) for text in wanted)

    faces: Path = args.faces
    base = VisionSpec(
        camera="",
        model_path=default_model_path(),
        antispoof_model=require_pinned(ANTISPOOF_MODEL),
        yunet_model=require_pinned(YUNET_MODEL),
        settings=PipelineSettings(recognise_within_s=4.0),
    )
    with tempfile.TemporaryDirectory() as folder, FaceEncoder() as encoder:
        made = Path(folder)
        attacks: dict[Path, tuple[str, str | None]] = {faces / name: what for name, what in ATTACKS.items()}
        tilted = write_tilted_print_clip(faces / "people/barack_obama/fr_obama.jpg", made / "tilted_print.mp4")
        attacks[tilted] = ("tilted print (rendered)", "obama")
        monitor = write_monitor_replay_clip(faces / "video/focus_blink/mahie_test_2.avi", made / "monitor_mahie.mp4")
        attacks[monitor] = ("clip on a rendered monitor", "mahie")
        phone = write_phone_still_clip(faces / "spoof/silent_face/image_T1_real.jpg", made / "phone_still.mp4")
        attacks[phone] = ("still on a rendered phone", "silent_face_t1")

        staff = _enrol_staff(faces, encoder)
        gallery = TemplateGallery(staff)
        print(f"{len(staff)} templates of {len({person for person, _ in staff})} people", flush=True)

        for strictness in args.modes.split(","):
            _, liveness = liveness_for(strictness)
            spec = replace(base, liveness=liveness)
            runs: list[Run] = []
            for name, person in LIVE.items():
                if not chosen(name):
                    continue
                camera = _with_lead_in(faces / name, made / "lead_in.mp4")
                verdict, seconds = _present(replace(spec, camera=str(camera)), gallery, strictness)
                runs.append(Run(name, "live", person, verdict, seconds))
                print(f"  [{strictness}] {name}: {verdict.code if verdict else 'no decision'} "
                      f"{'' if seconds is None else f'{seconds:.2f} s'} {verdict.reasons if verdict else ''}",
                      flush=True)  # fmt: skip
            for path, (kind, shown) in attacks.items():
                if not chosen(path):
                    continue
                expected = shown if shown is not None else str(path.relative_to(faces))
                camera = _with_lead_in(path, made / "lead_in.mp4")
                for _ in range(args.repeats):
                    verdict, seconds = _present(replace(spec, camera=str(camera)), gallery, strictness)
                    runs.append(Run(path.name, kind, expected, verdict, seconds))
                    print(f"  [{strictness}] attack {path.name}: {verdict.code if verdict else 'no decision'} "
                          f"{verdict.reasons if verdict else ''}", flush=True)  # fmt: skip
            _report(strictness, str(liveness.mode), runs)


if __name__ == "__main__":
    main()
