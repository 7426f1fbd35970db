"""Face verification on LFW-format pair lists: the evaluation protocol, and how the kiosk's match limits were chosen.

Pair lists
    View 1 files (`pairsDevTrain.txt`, `pairsDevTest.txt`) start with one number N, then N same-person lines
    (``name  n1  n2``) and N different-person lines (``name1  n1  name2  n2``). The View 2 file (`pairs.txt`) starts
    with ``F N`` and holds F folds of N same then N different lines. Image ``name n`` is
    ``<images>/<name>/<name>_<nnnn>.jpg``.

Protocol
    A pair is "same" when the distance between its two encodings is under the threshold. A pair where either face
    cannot be found (or the image cannot be read) counts as an error whatever the threshold: it is never right.
    With folds, each fold is scored with the threshold that is best on the other folds together (threshold chosen
    on 9, measured on the held-out 1), and the accuracy is the mean over folds. Without folds, the fixed threshold
    chosen on `pairsDevTrain.txt` is used. TAR is the share of same pairs accepted, FAR the share of different
    pairs accepted (a pair with a missing face is never accepted, so it lowers TAR and leaves FAR).

How the limits were chosen (all on `pairsDevTrain.txt`; the test lists were only measured, never tuned on)
    * Pair verification threshold (`VERIFICATION_THRESHOLD`, used by `vision verify-pairs` on a list without
      folds): the distance that maximises accuracy on the 2,200 training pairs (`best_threshold`: the middle of the
      best gap between sorted distances) is 0.6307, rounded to 0.63: 98.55 % of the training pairs right (TAR 98.7 %,
      FAR 1.5 %, 4 pairs with a face MediaPipe did not find).
    * Kiosk threshold and margin (`kiosk.vision.matcher`): pair lists say nothing about a runner-up, so the training
      pairs are replayed as an open-set 1:N search (`identification_trial`): the first photo of each same-person
      pair is enrolled (one employee per person: 786 of them), the second photo is a genuine visitor, and each of the
      1,359 photos in different-person pairs of people not enrolled is an impostor. A wrong person or an impostor let
      through costs `FALSE_ACCEPT_COST` (10) refused genuine visitors (a refusal costs one more look at the camera, a
      false accept a wrong timesheet). Over thresholds 0.40-0.64 and margins 0.00-0.20 (steps of 0.01) the lowest
      cost is at threshold 0.49, margin 0.08: 543 of 786 genuine visitors recognised, none taken for someone else,
      6 of 1,359 impostors accepted (cost 303; 0.50 / 0.09 is next at 307). At the pair-verification threshold 0.63
      with no margin, 1,318 of the 1,359 impostors would find someone: among hundreds of people a stranger nearly
      always lies within 0.63 of somebody, which is why the kiosk uses the stricter threshold and the margin. At the
      kiosk, enrolment and punches come from the same camera, several templates per employee and a vote over
      frames, so genuine distances are smaller than between LFW's photos taken years apart.

Results (MediaPipe box, dlib ResNet encodings, deep-funneled LFW)
    * pairsDevTest at 0.63: 98.0 % (TAR 98.2 %, FAR 2.2 %, no face missing).
    * pairs.txt, 10 folds: 98.60 % +- 0.47 (fold thresholds 0.617-0.622; 4 pairs with a face not found count as
      errors). face_recognition publishes 99.38 % on the original images with dlib's own detector and alignment.
    `benchmarks/vision_recognition.py` prints all of these again from the current code.

Fused with OpenCV's SFace (`Recogniser.FUSED`, `kiosk.vision.encodings.fuse`)
    SFace aligned on YuNet's five points, its unit features scaled so that its published LFW threshold (L2 1.128)
    weighs as much as face_recognition's 0.6, after the dlib encoding: one Euclidean distance of both. The scale was
    set from the two published thresholds, not tuned on any LFW list. pairs.txt, 10 folds (`vision verify-pairs
    --recogniser fused`): 99.48 % +- 0.29 (folds 99.0-100 %, mean fold threshold 0.885; the same 4 pairs with a face
    not found count as errors), against 98.60 % for dlib alone and 99.22 % for SFace alone on the same encodings.
    On 655 pairs of the first two folds SFace aligned on MediaPipe's five points instead of YuNet's gave 98.93 %
    against 99.54 %. The kiosk's templates and its 1:N limits are still the dlib ones above: the open-set trial has
    not been run on fused encodings of pairsDevTrain yet.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kiosk.domain.errors import RuleViolation
from kiosk.vision.encodings import FUSED_SIZE
from kiosk.vision.matcher import ENCODING_SIZE, MatchPolicy, TemplateGallery

log = logging.getLogger(__name__)


class Recogniser(StrEnum):
    """Which encodings a pair's distance is measured on."""

    DLIB = "dlib"
    """face_recognition's 128 values (dlib ResNet) on MediaPipe's face box: what the kiosk's templates hold."""
    FUSED = "fused"
    """The dlib encoding and OpenCV's SFace features on MediaPipe's five points (`kiosk.vision.encodings.fuse`)."""


ENCODER_IDS = {
    Recogniser.DLIB: "mediapipe-box/dlib-resnet/5-point/jitters-1",
    Recogniser.FUSED: "mediapipe-box/dlib-resnet/5-point/jitters-1+mediapipe-5-points/sface-2021dec",
}
"""Names how cached encodings were made; a cache made differently is ignored."""
ENCODER_ID = ENCODER_IDS[Recogniser.DLIB]

VERIFICATION_THRESHOLD = 0.63
"""Pairs closer than this are the same person (1:1), for lists without folds; see the module docstring."""

FALSE_ACCEPT_COST = 10.0
"""How many genuine refusals one false accept is worth when the margin is chosen."""

MARGIN_CANDIDATES = tuple(round(0.01 * step, 2) for step in range(0, 21))
THRESHOLD_CANDIDATES = tuple(round(0.40 + 0.01 * step, 2) for step in range(0, 25))


@dataclass(frozen=True, order=True)
class ImageRef:
    """One LFW image: a person's name and the photo's number (from 1)."""

    person: str
    number: int

    @property
    def relative_path(self) -> Path:
        """Where the image lies under the images folder."""
        return Path(self.person) / f"{self.person}_{self.number:04d}.jpg"


@dataclass(frozen=True)
class Pair:
    """Two images and whether they show the same person; `fold` is None in lists without folds."""

    first: ImageRef
    second: ImageRef
    same: bool
    fold: int | None = None


@dataclass(frozen=True)
class PairList:
    """A parsed pair list: its pairs in file order and its number of folds (0 for a View 1 list)."""

    pairs: tuple[Pair, ...]
    fold_count: int

    @property
    def images(self) -> tuple[ImageRef, ...]:
        """Every distinct image the pairs use, sorted."""
        return tuple(sorted({ref for pair in self.pairs for ref in (pair.first, pair.second)}))

    @property
    def labels(self) -> npt.NDArray[np.bool_]:
        """True for each same-person pair, in file order."""
        return np.fromiter((pair.same for pair in self.pairs), dtype=np.bool_, count=len(self.pairs))


def _parse_int(text: str, where: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise RuleViolation("pairs_format", f"{where}: expected a number, got {text!r}") from None
    if value < 1:
        raise RuleViolation("pairs_format", f"{where}: expected a positive number, got {value}")
    return value


def parse_pairs(text: str, source: str = "pair list") -> PairList:
    """Parse an LFW pair list (View 1 or View 2 format).

    Raises:
        RuleViolation: the header or a line is malformed, or the counts disagree with the header.
    """
    lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise RuleViolation("pairs_format", f"{source} is empty")
    header = lines[0][1]
    if len(header) == 1:
        fold_count, per_half = 0, _parse_int(header[0], f"{source} line 1")
        block = 2 * per_half
    elif len(header) == 2:
        fold_count = _parse_int(header[0], f"{source} line 1")
        per_half = _parse_int(header[1], f"{source} line 1")
        block = 2 * per_half
    else:
        raise RuleViolation("pairs_format", f"{source} line 1: expected 'N' or 'FOLDS N', got {' '.join(header)!r}")
    expected = block * max(fold_count, 1)
    body = lines[1:]
    if len(body) != expected:
        raise RuleViolation(
            "pairs_format", f"{source}: the header announces {expected} pairs, the file has {len(body)}"
        )
    pairs: list[Pair] = []
    for index, (number, fields) in enumerate(body):
        where = f"{source} line {number}"
        position = index % block
        if len(fields) == 3:
            name, first, second = fields
            pair = Pair(ImageRef(name, _parse_int(first, where)), ImageRef(name, _parse_int(second, where)), True)
        elif len(fields) == 4:
            pair = Pair(
                ImageRef(fields[0], _parse_int(fields[1], where)),
                ImageRef(fields[2], _parse_int(fields[3], where)),
                False,
            )
        else:
            raise RuleViolation("pairs_format", f"{where}: expected 3 or 4 fields, got {len(fields)}")
        if pair.same != (position < per_half):
            kind = "same-person" if position < per_half else "different-person"
            raise RuleViolation("pairs_format", f"{where}: expected a {kind} pair at this position")
        fold = index // block if fold_count else None
        pairs.append(Pair(pair.first, pair.second, pair.same, fold))
    return PairList(tuple(pairs), fold_count)


def read_pairs(path: Path) -> PairList:
    """Read and parse a pair list file (see `parse_pairs`)."""
    if not path.is_file():
        raise RuleViolation("pairs_missing", f"no such pair list: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleViolation("pairs_unreadable", f"cannot read the pair list {path}: {error}") from error
    return parse_pairs(text, str(path))


# ----------------------------------------------------------------------------------------------------------------
# Encodings of many images, each computed once, optionally cached in a file between runs.


class EncodingCache:
    """Encodings of image files by absolute path; None marks a picture where no face was found.

    Stored as one `.npz` file (paths, a found flag, the encodings, and the encoder's id, `ENCODER_IDS`); a file made
    by another encoder, or one that cannot be read, is ignored and rewritten.
    """

    def __init__(self, path: Path | None, recogniser: Recogniser = Recogniser.DLIB) -> None:
        """Args:
        path: the cache file; None keeps encodings in memory only.
        recogniser: which encodings it holds.
        """
        self.path = path
        self.recogniser = recogniser
        self.encoder_id = ENCODER_IDS[recogniser]
        self.size = FUSED_SIZE if recogniser is Recogniser.FUSED else ENCODING_SIZE
        self.entries: dict[str, npt.NDArray[np.float32] | None] = {}
        if path is not None and path.is_file():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["encoder"]) != self.encoder_id:
                    log.info("ignoring %s: made by encoder %s", path, data["encoder"])
                    return
                paths, found, rows = data["paths"], data["found"], data["encodings"]
                for name, ok, row in zip(paths, found, rows, strict=True):
                    self.entries[str(name)] = row.astype(np.float32) if ok else None
        except (OSError, KeyError, ValueError) as error:
            log.warning("ignoring unreadable encoding cache %s: %s", path, error)

    def save(self) -> None:
        """Write the cache file (atomically: a crash leaves the previous one)."""
        if self.path is None:
            return
        names = sorted(self.entries)
        rows = np.zeros((len(names), self.size), dtype=np.float32)
        found = np.zeros(len(names), dtype=np.bool_)
        for index, name in enumerate(names):
            entry = self.entries[name]
            if entry is not None:
                rows[index] = entry
                found[index] = True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial.npz")
        np.savez(partial, paths=np.array(names, dtype=np.str_), found=found, encodings=rows, encoder=self.encoder_id)
        partial.replace(self.path)


def _encode_chunk(
    paths: Sequence[str], model_path: str | None, recogniser: Recogniser = Recogniser.DLIB
) -> list[tuple[str, npt.NDArray[np.float32] | None]]:
    """Encode the user's face in each picture (a worker process's share); None where there is no usable face."""
    # Worker processes import the models themselves.
    from kiosk.vision.encodings import FaceEncoder, SFaceRecogniser, fuse, load_still_image  # noqa: PLC0415

    sface = SFaceRecogniser() if recogniser is Recogniser.FUSED else None
    results: list[tuple[str, npt.NDArray[np.float32] | None]] = []
    with FaceEncoder(model_path=Path(model_path) if model_path else None) as encoder:
        for name in paths:
            try:
                picture = load_still_image(Path(name))
                sample = encoder.sample_from_image(picture, name, pose=None)
            except RuleViolation as error:
                log.info("no encoding for %s: %s", name, error)
                results.append((name, None))
                continue
            if sface is None:
                results.append((name, sample.encoding))
            else:
                results.append((name, fuse(sample.encoding, sface.features(picture, sample.observation))))
    return results


def _keep(cache: EncodingCache, done: list[tuple[str, npt.NDArray[np.float32] | None]], total: int) -> None:
    """Add one chunk's encodings and save, so an interrupted run keeps what it computed."""
    cache.entries.update(done)
    cache.save()
    log.info("encoded %d more pictures (%d in the cache, %d asked for)", len(done), len(cache.entries), total)


def encode_files(
    paths: Iterable[Path], cache: EncodingCache, *, workers: int | None = None, model_path: Path | None = None
) -> dict[str, npt.NDArray[np.float32] | None]:
    """Encodings of every file in `paths` (by absolute path), computing only those the cache lacks.

    Args:
        paths: the pictures.
        cache: where known encodings come from and new ones go (saved when anything was computed).
        workers: processes to encode with (the machine's CPU count when None).
        model_path: the landmark model (the project's fetched copy when None).

    The cache says which encodings are made (`EncodingCache.recogniser`).
    """
    names = sorted({str(path.resolve()) for path in paths})
    missing = [name for name in names if name not in cache.entries]
    if missing:
        count = max(1, min(workers or os.cpu_count() or 1, len(missing)))
        log.info("encoding %d pictures with %d processes", len(missing), count)
        # Chunks of a few hundred keep all processes busy while each loads the models only a few times.
        size = max(1, min(250, math.ceil(len(missing) / count)))
        chunks = [missing[start : start + size] for start in range(0, len(missing), size)]
        model = str(model_path) if model_path else None
        if count == 1:
            for chunk in chunks:
                _keep(cache, _encode_chunk(chunk, model, cache.recogniser), len(missing))
        else:
            import multiprocessing  # noqa: PLC0415

            # spawn: MediaPipe and OpenBLAS threads do not survive a fork.
            with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
                recognisers = [cache.recogniser] * len(chunks)
                for done in pool.map(_encode_chunk, chunks, [model] * len(chunks), recognisers):
                    _keep(cache, done, len(missing))
    return {name: cache.entries[name] for name in names}


def pair_distances(
    pair_list: PairList, images_dir: Path, encodings: Mapping[str, npt.NDArray[np.float32] | None]
) -> npt.NDArray[np.float64]:
    """Distance of each pair, NaN where either face is missing."""
    distances = np.full(len(pair_list.pairs), np.nan)
    for index, pair in enumerate(pair_list.pairs):
        first = encodings.get(str((images_dir / pair.first.relative_path).resolve()))
        second = encodings.get(str((images_dir / pair.second.relative_path).resolve()))
        if first is not None and second is not None:
            distances[index] = float(np.linalg.norm(first.astype(np.float64) - second))
    return distances


# ----------------------------------------------------------------------------------------------------------------
# Verification figures.


@dataclass(frozen=True)
class Verification:
    """Figures of a set of pairs at one threshold.

    Attributes:
        pairs: number of pairs.
        threshold: pairs with a distance under it are accepted as the same person.
        accuracy: share of pairs decided right (a pair with a missing face is always wrong).
        tar: share of same-person pairs accepted.
        far: share of different-person pairs accepted.
        failures: pairs where a face was missing.
    """

    pairs: int
    threshold: float
    accuracy: float
    tar: float
    far: float
    failures: int


def verify_at(distances: npt.NDArray[np.float64], same: npt.NDArray[np.bool_], threshold: float) -> Verification:
    """Score pairs with known labels at one threshold."""
    found = ~np.isnan(distances)
    accepted = np.zeros(len(distances), dtype=np.bool_)
    accepted[found] = distances[found] < threshold
    correct = found & (accepted == same)
    same_count, different_count = int(same.sum()), int((~same).sum())
    return Verification(
        pairs=len(distances),
        threshold=threshold,
        accuracy=float(correct.mean()) if len(distances) else 0.0,
        tar=float((accepted & same).sum() / same_count) if same_count else 0.0,
        far=float((accepted & ~same).sum() / different_count) if different_count else 0.0,
        failures=int((~found).sum()),
    )


def best_threshold(distances: npt.NDArray[np.float64], same: npt.NDArray[np.bool_]) -> float:
    """The threshold with the most pairs right: the middle of the widest-scoring gap between sorted distances.

    Pairs with a missing face are wrong at every threshold and do not move the choice.
    """
    found = ~np.isnan(distances)
    values, labels = distances[found], same[found]
    if len(values) == 0:
        raise RuleViolation("no_pairs", "no pair had both faces found, so no threshold can be chosen")
    order = np.argsort(values, kind="stable")
    values, labels = values[order], labels[order]
    # Accepting the first k sorted pairs (k = 0..n) gets right the accepted same pairs and the rejected others.
    accepted_same = np.concatenate(([0], np.cumsum(labels)))
    accepted_different = np.concatenate(([0], np.cumsum(~labels)))
    correct = accepted_same + (int((~labels).sum()) - accepted_different)
    best = np.flatnonzero(correct == correct.max())
    # Several k can tie; the middle one keeps the threshold away from both kinds of mistake.
    k = int(best[len(best) // 2])
    lower = values[k - 1] if k > 0 else values[0] - 1e-3
    upper = values[k] if k < len(values) else values[-1] + 1e-3
    return float((lower + upper) / 2.0)


@dataclass(frozen=True)
class FoldResult:
    """One held-out fold: the threshold chosen on the other folds and the figures on this one."""

    fold: int
    threshold: float
    accuracy: float
    tar: float
    far: float
    failures: int


@dataclass(frozen=True)
class PairEvaluation:
    """The result `vision verify-pairs` prints.

    Attributes:
        verification: figures over all pairs (with folds: at the mean of the per-fold thresholds; accuracy is then the
            mean of the folds' accuracies, the 10-fold figure).
        folds: per-fold results, empty for a list without folds.
        accuracy_std: standard deviation of the folds' accuracies (0 without folds).
    """

    verification: Verification
    folds: tuple[FoldResult, ...] = field(default_factory=tuple)
    accuracy_std: float = 0.0

    def as_json(self) -> dict[str, object]:
        """The figures as one JSON-ready object."""
        figures = self.verification
        return {
            "pairs": figures.pairs,
            "accuracy": round(figures.accuracy, 6),
            "threshold": round(figures.threshold, 6),
            "tar": round(figures.tar, 6),
            "far": round(figures.far, 6),
            "failures": figures.failures,
            "accuracy_std": round(self.accuracy_std, 6),
            "folds": [
                {
                    "fold": fold.fold + 1,
                    "threshold": round(fold.threshold, 6),
                    "accuracy": round(fold.accuracy, 6),
                    "tar": round(fold.tar, 6),
                    "far": round(fold.far, 6),
                    "failures": fold.failures,
                }
                for fold in self.folds
            ],
        }


def evaluate_pairs(pair_list: PairList, distances: npt.NDArray[np.float64], fixed_threshold: float) -> PairEvaluation:
    """Score a pair list: the k-fold protocol when it has folds, else `fixed_threshold`."""
    same = pair_list.labels
    if pair_list.fold_count == 0:
        return PairEvaluation(verify_at(distances, same, fixed_threshold))
    fold_of = np.fromiter((pair.fold for pair in pair_list.pairs), dtype=np.intp, count=len(pair_list.pairs))
    folds: list[FoldResult] = []
    for fold in range(pair_list.fold_count):
        held_out = fold_of == fold
        threshold = best_threshold(distances[~held_out], same[~held_out])
        figures = verify_at(distances[held_out], same[held_out], threshold)
        folds.append(FoldResult(fold, threshold, figures.accuracy, figures.tar, figures.far, figures.failures))
    mean_threshold = float(np.mean([fold.threshold for fold in folds]))
    overall = verify_at(distances, same, mean_threshold)
    accuracies = [fold.accuracy for fold in folds]
    summary = Verification(
        overall.pairs, mean_threshold, float(np.mean(accuracies)), overall.tar, overall.far, overall.failures
    )
    return PairEvaluation(summary, tuple(folds), float(np.std(accuracies)))


# ----------------------------------------------------------------------------------------------------------------
# Choosing the margin: the training pairs replayed as an open-set 1:N search.


@dataclass(frozen=True)
class IdentificationFigures:
    """Open-set 1:N outcomes at one (threshold, margin).

    Attributes:
        margin: the margin tried.
        genuine: visitors who are enrolled (under another photo).
        correct: genuine visitors matched to themselves.
        wrong: genuine visitors matched to someone else.
        impostors: visitors who are not enrolled.
        impostors_accepted: impostors matched to someone.
    """

    margin: float
    genuine: int
    correct: int
    wrong: int
    impostors: int
    impostors_accepted: int

    @property
    def cost(self) -> float:
        """Refused genuine visitors plus `FALSE_ACCEPT_COST` per false accept."""
        refused = self.genuine - self.correct - self.wrong
        return refused + FALSE_ACCEPT_COST * (self.wrong + self.impostors_accepted)


def identification_trial(
    pair_list: PairList,
    images_dir: Path,
    encodings: Mapping[str, npt.NDArray[np.float32] | None],
    threshold: float,
    margins: Sequence[float] = MARGIN_CANDIDATES,
) -> list[IdentificationFigures]:
    """Replay a pair list as an open-set 1:N search at `threshold`, for each margin (see the module's docstring)."""

    def encoding_of(ref: ImageRef) -> npt.NDArray[np.float32] | None:
        return encodings.get(str((images_dir / ref.relative_path).resolve()))

    enrolled: dict[str, npt.NDArray[np.float32]] = {}
    visitors: list[tuple[str, npt.NDArray[np.float32]]] = []
    for pair in pair_list.pairs:
        if not pair.same:
            continue
        first, second = encoding_of(pair.first), encoding_of(pair.second)
        if pair.first.person not in enrolled and first is not None:
            enrolled[pair.first.person] = first
            if second is not None:
                visitors.append((pair.first.person, second))
    impostors: dict[ImageRef, npt.NDArray[np.float32]] = {}
    for pair in pair_list.pairs:
        for ref in (pair.first, pair.second):
            found = encoding_of(ref)
            if not pair.same and ref.person not in enrolled and found is not None:
                impostors[ref] = found
    gallery = TemplateGallery(enrolled.items())
    results: list[IdentificationFigures] = []
    for margin in margins:
        policy = MatchPolicy(threshold, margin)
        correct = wrong = accepted = 0
        for person, probe in visitors:
            outcome = gallery.identify(probe, policy)
            correct += outcome.employee == person
            wrong += outcome.employee is not None and outcome.employee != person
        for probe in impostors.values():
            accepted += gallery.identify(probe, policy).employee is not None
        results.append(IdentificationFigures(margin, len(visitors), correct, wrong, len(impostors), accepted))
    return results


def choose_margin(trial: Sequence[IdentificationFigures]) -> float:
    """The margin with the lowest cost in an identification trial (the smallest among equal costs)."""
    if not trial:
        raise RuleViolation("no_trial", "no margin was tried")
    return min(trial, key=lambda figures: (figures.cost, figures.margin)).margin


def choose_threshold_and_margin(
    pair_list: PairList,
    images_dir: Path,
    encodings: Mapping[str, npt.NDArray[np.float32] | None],
    thresholds: Sequence[float] = THRESHOLD_CANDIDATES,
    margins: Sequence[float] = MARGIN_CANDIDATES,
) -> tuple[float, IdentificationFigures]:
    """The (threshold, margin) with the lowest identification cost over the grid; returns the threshold and the
    figures at the chosen margin (the smallest threshold and margin among equal costs)."""
    best: tuple[float, float, IdentificationFigures] | None = None
    for threshold in thresholds:
        trial = identification_trial(pair_list, images_dir, encodings, threshold, margins)
        margin = choose_margin(trial)
        figures = next(row for row in trial if row.margin == margin)
        if best is None or (figures.cost, threshold) < best[:2]:
            best = (figures.cost, threshold, figures)
    if best is None:
        raise RuleViolation("no_trial", "no threshold was tried")
    return best[1], best[2]
