"""1:N face identification against every enrolled template, and the vote that confirms a match over frames.

All templates of all employees sit in one C-contiguous float32 matrix, grouped by employee. A probe is compared
with the whole matrix in one vectorised matrix-vector product through the expansion
``|t - p|^2 = |t|^2 + |p|^2 - 2 t.p`` (the template norms are computed once, when the gallery is built), the
smallest of each employee comes out of one ``numpy.minimum.reduceat`` over the employees' row ranges, and only the
per-employee values get the probe's norm added; only the two best are square-rooted.

A match needs both:

* the best employee's distance under ``threshold``: the face is close enough to someone enrolled;
* a ``margin`` between the best and the second-best *employee* (not template: one person's several templates must
  not crowd out the runner-up): a face that is almost as close to two people is not trusted to either.

The default threshold and margin were chosen together on LFW View 1 training pairs replayed as an open-set 1:N
search; `kiosk.vision.lfw` holds the procedure and the figures. The threshold is stricter than the one that is best
for telling two photos apart (0.63): among hundreds of enrolled people, a stranger is almost always within 0.63 of
somebody.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from kiosk.domain.errors import RuleViolation

log = logging.getLogger(__name__)

ENCODING_SIZE = 128
"""Length of a face_recognition (dlib ResNet) face encoding."""

DEFAULT_THRESHOLD = 0.49
"""Largest accepted distance between a probe and an employee's nearest template (1:N, chosen on LFW pairsDevTrain)."""

DEFAULT_MARGIN = 0.08
"""Smallest accepted gap between the best and the second-best employee's distances (chosen with the threshold)."""

K = TypeVar("K", bound=Hashable)

FloatArray = npt.NDArray[np.float32]


class MatchReason(StrEnum):
    """Why a probe was or was not matched; stable strings for the audit log and the screens."""

    MATCH = "match"
    NO_TEMPLATES = "no_templates"
    TOO_FAR = "too_far"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class MatchPolicy:
    """The decision rule: distance under `threshold` and at least `margin` to the second-best employee.

    Attributes:
        threshold: largest accepted Euclidean distance to the best employee's nearest template.
        margin: smallest accepted difference between the second-best and the best employee's distances.
    """

    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN

    def __post_init__(self) -> None:
        if not (0.0 < self.threshold < 2.0):
            raise RuleViolation("match_threshold", f"match threshold must lie in (0, 2), got {self.threshold}")
        if not (0.0 <= self.margin < 2.0):
            raise RuleViolation("match_margin", f"match margin must lie in [0, 2), got {self.margin}")


@dataclass(frozen=True)
class MatchResult(Generic[K]):
    """Outcome of one probe against the gallery.

    Attributes:
        employee: the matched employee, or None.
        distance: distance to the best employee's nearest template (infinity when nothing is enrolled).
        margin: second-best employee's distance minus the best one's (infinity when fewer than two employees).
        reason: why the probe was or was not matched.
        candidate: the best employee even when not matched (None when nothing is enrolled), for logs.
    """

    employee: K | None
    distance: float
    margin: float
    reason: MatchReason
    candidate: K | None = None

    @property
    def matched(self) -> bool:
        """True when the probe was attributed to an employee."""
        return self.employee is not None


def as_encoding(values: npt.ArrayLike) -> FloatArray:
    """Return `values` as one float32 encoding vector of the right length, or raise a RuleViolation."""
    vector = np.asarray(values, dtype=np.float32).reshape(-1)
    if vector.shape != (ENCODING_SIZE,):
        raise RuleViolation("encoding_shape", f"a face encoding has {ENCODING_SIZE} values, got {vector.size}")
    if not np.all(np.isfinite(vector)):
        raise RuleViolation("encoding_values", "a face encoding contains values that are not finite numbers")
    return vector


class TemplateGallery(Generic[K]):
    """Every enrolled template in one float32 matrix, searchable by one vectorised pass.

    The gallery is immutable: after an enrolment or a deletion, build a new one (building 100,000 templates takes a
    few tens of milliseconds) and swap it in, so a search never sees a half-updated gallery.
    """

    def __init__(self, templates: Iterable[tuple[K, npt.ArrayLike]]) -> None:
        """Build the gallery from (employee, encoding) pairs; an employee may have any number of templates."""
        grouped: dict[K, list[FloatArray]] = {}
        for employee, encoding in templates:
            grouped.setdefault(employee, []).append(as_encoding(encoding))
        self._employees: list[K] = list(grouped)
        counts = np.fromiter((len(rows) for rows in grouped.values()), dtype=np.intp, count=len(grouped))
        # Row ranges per employee: reduceat takes the start of each range.
        self._starts = np.zeros(len(counts), dtype=np.intp)
        if len(counts) > 1:
            np.cumsum(counts[:-1], out=self._starts[1:])
        if grouped:
            self._matrix: FloatArray = np.ascontiguousarray(
                np.vstack([row for rows in grouped.values() for row in rows]), dtype=np.float32
            )
        else:
            self._matrix = np.empty((0, ENCODING_SIZE), dtype=np.float32)
        self._half_norms: FloatArray = 0.5 * np.einsum("ij,ij->i", self._matrix, self._matrix)

    @classmethod
    def from_matrix(cls, owners: Sequence[K], matrix: npt.ArrayLike) -> TemplateGallery[K]:
        """Build a gallery from a (N, 128) matrix and the owner of each row."""
        rows = np.asarray(matrix, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != ENCODING_SIZE or rows.shape[0] != len(owners):
            raise RuleViolation(
                "gallery_shape", f"expected ({len(owners)}, {ENCODING_SIZE}) encodings, got {rows.shape}"
            )
        return cls(zip(owners, rows, strict=True))

    def export(self) -> tuple[list[K], FloatArray]:
        """The owner of each row and a copy of the (N, 128) matrix, e.g. to send the gallery to another process
        (`from_matrix` rebuilds it)."""
        counts = np.diff(np.append(self._starts, len(self._matrix)))
        owners = [employee for employee, count in zip(self._employees, counts, strict=True) for _ in range(count)]
        return owners, self._matrix.copy()

    @property
    def employees(self) -> tuple[K, ...]:
        """The employees with at least one template, in gallery order."""
        return tuple(self._employees)

    @property
    def template_count(self) -> int:
        """Number of templates over all employees."""
        return int(self._matrix.shape[0])

    def __len__(self) -> int:
        return self.template_count

    def _half_gaps(self, vector: FloatArray) -> FloatArray:
        """``|t|^2 / 2 - t.p`` for every template t: the squared distance to the probe p, halved, less ``|p|^2 / 2``.

        One pass over the matrix and one over the result; the constant and the factor are applied later to one value
        per employee instead of one per template.
        """
        gaps: FloatArray = np.empty(len(self._matrix), dtype=np.float32)
        # WORKAROUND: numpy's matmul hands a matrix-vector product this size to OpenBLAS's thread pool, whose threads
        # busy-wait against the camera, MediaPipe and dlib threads on a 2-core kiosk
        # (https://github.com/OpenMathLib/OpenBLAS/issues/5171): measured under such load, a 100k search took
        # 15-35 ms that way against 2-5 ms with einsum's own single-threaded SIMD loop, memory-bound either way.
        np.einsum("ij,j->i", self._matrix, vector, out=gaps)
        np.subtract(self._half_norms, gaps, out=gaps)
        return gaps

    @staticmethod
    def _squared_from_half_gaps(gaps: FloatArray, vector: FloatArray) -> FloatArray:
        squared: FloatArray = gaps * 2.0
        squared += float(vector @ vector)
        # float32 rounding can make an identical template come out slightly negative.
        np.maximum(squared, 0.0, out=squared)
        return squared

    def squared_distances(self, probe: npt.ArrayLike) -> FloatArray:
        """Squared Euclidean distance from `probe` to every template, in gallery row order (clamped at 0)."""
        vector = as_encoding(probe)
        return self._squared_from_half_gaps(self._half_gaps(vector), vector)

    def _employee_squared(self, vector: FloatArray) -> FloatArray:
        nearest: FloatArray = np.minimum.reduceat(self._half_gaps(vector), self._starts)
        return self._squared_from_half_gaps(nearest, vector)

    def employee_distances(self, probe: npt.ArrayLike) -> FloatArray:
        """Distance from `probe` to each employee's nearest template, in the order of `employees`."""
        if not self._employees:
            return np.empty(0, dtype=np.float32)
        nearest: FloatArray = np.sqrt(self._employee_squared(as_encoding(probe)))
        return nearest

    def identify(self, probe: npt.ArrayLike, policy: MatchPolicy | None = None) -> MatchResult[K]:
        """Attribute `probe` to one employee under `policy`, or explain why not."""
        rule = policy or MatchPolicy()
        if not self._employees:
            return MatchResult(None, math.inf, math.inf, MatchReason.NO_TEMPLATES)
        squared = self._employee_squared(as_encoding(probe))
        if len(squared) == 1:
            best_index, best, second = 0, math.sqrt(float(squared[0])), math.inf
        else:
            two = np.argpartition(squared, 1)[:2]
            first, runner_up = (two[0], two[1]) if squared[two[0]] <= squared[two[1]] else (two[1], two[0])
            best_index = int(first)
            best, second = math.sqrt(float(squared[first])), math.sqrt(float(squared[runner_up]))
        candidate = self._employees[best_index]
        margin = second - best
        if best >= rule.threshold:
            return MatchResult(None, best, margin, MatchReason.TOO_FAR, candidate)
        if margin < rule.margin:
            return MatchResult(None, best, margin, MatchReason.AMBIGUOUS, candidate)
        return MatchResult(candidate, best, margin, MatchReason.MATCH, candidate)


@dataclass(frozen=True)
class Vote(Generic[K]):
    """State of the vote after one frame.

    Attributes:
        employee: the confirmed employee once enough consecutive frames agreed, else None.
        agreeing: how many consecutive frames so far agree on `last.employee` (0 after a non-match).
        required: how many agreeing frames confirm.
        distance: the largest (worst) distance among the agreeing frames.
        margin: the smallest margin among the agreeing frames.
        last: the latest frame's result.
    """

    employee: K | None
    agreeing: int
    required: int
    distance: float
    margin: float
    last: MatchResult[K]

    @property
    def confirmed(self) -> bool:
        """True when enough consecutive frames agreed on one employee."""
        return self.employee is not None


class MatchVoter(Generic[K]):
    """Confirms an identity only when several consecutive frames match the same employee.

    One frame can match by chance (motion blur, a half-turned head); a different person or a non-match resets the
    count, and so does a gap between frames longer than `max_gap_s` (the person may have changed). The confirmed
    distance and margin are the worst of the agreeing frames, so the audit log never shows a better figure than the
    evidence.
    """

    def __init__(self, required: int = 3, max_gap_s: float = 1.0) -> None:
        """Args:
        required: consecutive agreeing frames needed to confirm (at least 1).
        max_gap_s: longest pause between two frames that still counts as consecutive.
        """
        if required < 1:
            raise RuleViolation("vote_frames", f"a vote needs at least one frame, got {required}")
        if max_gap_s <= 0:
            raise RuleViolation("vote_gap", f"the longest gap between frames must be positive, got {max_gap_s}")
        self.required = required
        self.max_gap_s = max_gap_s
        self._streak: list[MatchResult[K]] = []
        self._last_time: float | None = None

    def reset(self) -> None:
        """Forget every frame seen so far (a new person steps up, or a punch was just recorded)."""
        self._streak.clear()
        self._last_time = None

    def add(self, result: MatchResult[K], timestamp: float) -> Vote[K]:
        """Count one frame's result, seen at `timestamp` (seconds, monotonic), and return the vote so far."""
        if self._last_time is not None and (
            timestamp - self._last_time > self.max_gap_s or timestamp < self._last_time
        ):
            self._streak.clear()
        self._last_time = timestamp
        if result.employee is None:
            self._streak.clear()
        else:
            if self._streak and self._streak[-1].employee != result.employee:
                self._streak.clear()
            self._streak.append(result)
            # Only the latest `required` frames matter for the decision.
            del self._streak[: -self.required]
        agreeing = len(self._streak)
        if agreeing == 0:
            return Vote(None, 0, self.required, result.distance, result.margin, result)
        distance = max(frame.distance for frame in self._streak)
        margin = min(frame.margin for frame in self._streak)
        confirmed = result.employee if agreeing >= self.required else None
        return Vote(confirmed, agreeing, self.required, distance, margin, result)
