"""1:N face identification against every enrolled template, and the vote that confirms a match over frames.

All templates of all employees sit in one C-contiguous float32 matrix, grouped by employee. A probe is compared
with the whole matrix in one vectorised matrix-vector product through the expansion
``|t - p|^2 = |t|^2 + |p|^2 - 2 t.p`` (the template norms are computed once, when the gallery is built), the
smallest of each employee comes out of one ``numpy.minimum.reduceat`` over the employees' row ranges, and only the
per-employee values get the probe's norm added; only the two best are square-rooted.

From `PREFILTER_MIN_TEMPLATES` templates on, that pass is preceded by a cheaper one that is exact too: a lower bound
of every template's distance from a (32, N) summary of the gallery (its principal axes and the norm of what they leave
out, see `_Prefilter`), then exact distances only for the few rows whose bound is under the second-best employee's
distance. The search then reads about a quarter of the memory, and returns the very same result.

A match needs both:

* the best employee's distance under ``threshold``: the face is close enough to someone enrolled;
* a ``margin`` between the best and the second-best *employee* (not template: one person's several templates must
  not crowd out the runner-up): a face that is almost as close to two people is not trusted to either.

The default threshold and margin were chosen together on LFW View 1 training pairs replayed as an open-set 1:N
search; `kiosk.evaluation.lfw` holds the procedure and the figures. The threshold is stricter than the one that is best
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


PREFILTER_MIN_TEMPLATES = 16384
"""Galleries with fewer templates are searched by the plain pass (measured: at 10k templates, with the caches emptied
by other work between searches, the two-pass search was no faster; at 20k it took 0.38 against 0.54 ms)."""

PREFILTER_COLUMNS = 32
"""Columns of the bound matrix: the gallery's leading principal components and the norm of what they leave out."""

_BOUND_SLACK = 1e-4
"""Allowance for float32 rounding in a bound and in an exact distance, relative to the squared norms involved.

A float32 dot product of n terms is off by at most about n * 6e-8 of the product of the norms (n = 128: 8e-6),
so a bound is only trusted to exclude a template when it is this far above the limit.
"""


_GATHER_SHARE = 4
"""When the bounds keep more than one row in this many, the exact distances are taken by the plain pass instead."""

_BUILD_BLOCK = 8192
"""Rows summarised at a time when a prefilter is built."""


class _Prefilter:
    """A lower bound on every template's distance to a probe, from a quarter of the gallery's data.

    With an orthonormal basis Q and x' = x - mean, every t - p splits into its part in Q's span and the rest, and
    ``|t - p|^2 = |Qt' - Qp'|^2 + |rest(t') - rest(p')|^2 >= |Qt' - Qp'|^2 + (|rest(t')| - |rest(p')|)^2``.
    The right side is a squared distance between the 32-value summaries [Qx', |rest(x')|], so it comes out of the same
    norm expansion as the exact search, from 32 values per template: a pass over a quarter of the memory. With Q the
    gallery's leading principal axes most of each template's spread is inside the span and the bound is tight.
    """

    def __init__(self, matrix: FloatArray) -> None:
        count = len(matrix)
        self.mean = matrix.mean(axis=0, dtype=np.float64)
        # The axes only decide how tight the bounds are, not whether they hold, so a float32 Gram matrix does.
        gram = (matrix.T @ matrix).astype(np.float64)
        covariance = gram / count - np.outer(self.mean, self.mean)
        # eigh sorts the eigenvalues ascending: the last columns are the leading axes.
        _, axes = np.linalg.eigh(covariance)
        self.basis = np.ascontiguousarray(axes[:, :-PREFILTER_COLUMNS:-1])
        self.summary: FloatArray = np.empty((PREFILTER_COLUMNS, count), dtype=np.float32)
        self.half_norms: FloatArray = np.empty(count, dtype=np.float32)
        largest_centred = 0.0
        # The summaries must be accurate (the bounds rely on them): float64, a block of rows at a time so that the
        # intermediates stay in cache.
        for start in range(0, count, _BUILD_BLOCK):
            centred = matrix[start : start + _BUILD_BLOCK].astype(np.float64) - self.mean
            projected = centred @ self.basis
            residual = np.linalg.norm(centred - projected @ self.basis.T, axis=1)
            stop = start + len(centred)
            # Stored one column per template: einsum then sweeps 32 long rows, which runs several times faster
            # than 100,000 dot products of 32 values (measured 0.28 against 0.57 ms at 100k).
            self.summary[:-1, start:stop] = projected.T
            self.summary[-1, start:stop] = residual
            squared = np.einsum("ij,ij->i", centred, centred)
            self.half_norms[start:stop] = 0.5 * squared
            largest_centred = max(largest_centred, float(squared.max()))
        self.largest_squared = largest_centred + float(np.einsum("ij,ij->i", matrix, matrix).max())

    def bounds(self, vector: FloatArray) -> tuple[FloatArray, float, float]:
        """Per-template values ``b`` and the shift and rounding allowance for `vector`.

        Every template's exact half gap (see `TemplateGallery._half_gaps`) is at least ``b + shift``, up to float32
        rounding of at most the allowance.
        """
        probe = vector.astype(np.float64)
        centred = probe - self.mean
        projected = self.basis.T @ centred
        residual = float(np.linalg.norm(centred - self.basis @ projected))
        summary = np.append(projected, residual).astype(np.float32)
        values: FloatArray = np.empty(self.summary.shape[1], dtype=np.float32)
        # Single-threaded einsum for the same reason as the exact pass (see `TemplateGallery._half_gaps`).
        np.einsum("ji,j->i", self.summary, summary, out=values)
        np.subtract(self.half_norms, values, out=values)
        probe_squared = float(probe @ probe)
        centred_squared = float(centred @ centred)
        shift = 0.5 * (centred_squared - probe_squared)
        allowance = _BOUND_SLACK * (self.largest_squared + probe_squared + centred_squared)
        return values, shift, allowance


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

    The gallery is immutable: after an enrolment or a deletion, build a new one (building 100,000 templates, prefilter
    included, took about half a second on a 2-core machine) and swap it in, so a search never sees a half-updated
    gallery.
    """

    def __init__(
        self, templates: Iterable[tuple[K, npt.ArrayLike]], *, prefilter_from: int = PREFILTER_MIN_TEMPLATES
    ) -> None:
        """Build the gallery from (employee, encoding) pairs; an employee may have any number of templates.

        Args:
            templates: (employee, encoding) pairs.
            prefilter_from: from this many templates on, `identify` searches in two passes (see `_Prefilter`);
                smaller galleries are searched by the plain pass. Either way the results are the same.
        """
        if prefilter_from < 0:
            raise RuleViolation("prefilter_from", f"the prefilter size must not be negative, got {prefilter_from}")
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
        # Index of each row's employee, to group the rows a pruned search keeps.
        self._row_owner = np.repeat(np.arange(len(counts), dtype=np.intp), counts)
        self._prefilter = (
            _Prefilter(self._matrix) if len(self._matrix) >= prefilter_from and len(self._employees) >= 2 else None
        )

    @classmethod
    def from_matrix(
        cls, owners: Sequence[K], matrix: npt.ArrayLike, *, prefilter_from: int = PREFILTER_MIN_TEMPLATES
    ) -> TemplateGallery[K]:
        """Build a gallery from a (N, 128) matrix and the owner of each row (`prefilter_from` as in the constructor)."""
        rows = np.asarray(matrix, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != ENCODING_SIZE or rows.shape[0] != len(owners):
            raise RuleViolation(
                "gallery_shape", f"expected ({len(owners)}, {ENCODING_SIZE}) encodings, got {rows.shape}"
            )
        return cls(zip(owners, rows, strict=True), prefilter_from=prefilter_from)

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

    def _row_range(self, employee: int) -> tuple[int, int]:
        start = int(self._starts[employee])
        stop = int(self._starts[employee + 1]) if employee + 1 < len(self._starts) else len(self._matrix)
        return start, stop

    def _pruned_employee_half_gaps(self, vector: FloatArray) -> tuple[FloatArray, npt.NDArray[np.intp]] | None:
        """The nearest half gap of every employee that can be best or second best, and those employees' indices.

        The values are bit for bit those of the plain pass: the kept rows go through the same einsum and subtraction.
        Returns None, and the caller then runs the plain pass, when the bounds keep more than one row in
        `_GATHER_SHARE` or leave fewer than two employees (only possible through rounding beyond the allowance).
        """
        assert self._prefilter is not None
        bounds, shift, allowance = self._prefilter.bounds(vector)
        # An upper limit for the second-best employee's half gap: the larger of the exact values of two employees
        # (any two bound the second best from above), taken where the bounds are lowest: the owner of the lowest
        # bound, then the owner of the lowest bound outside the first one's rows.
        limit = -math.inf
        hidden: tuple[int, int, FloatArray] | None = None
        for _ in range(2):
            owner = int(self._row_owner[int(np.argmin(bounds))])
            start, stop = self._row_range(owner)
            exact = self._half_norms[start:stop] - np.einsum("ij,j->i", self._matrix[start:stop], vector)
            limit = max(limit, float(exact.min()))
            if hidden is None:
                hidden = (start, stop, bounds[start:stop].copy())
                bounds[start:stop] = np.inf
        assert hidden is not None
        bounds[hidden[0] : hidden[1]] = hidden[2]
        # A row whose bound exceeds the limit cannot be the nearest of the best or second-best employee.
        kept = np.flatnonzero(bounds <= np.float32(limit - shift + allowance))
        if len(kept) * _GATHER_SHARE > len(bounds):
            # Loose bounds (typically a stranger, far from everybody): gathering that many scattered rows costs more
            # than the plain pass over all of them.
            return None
        gaps: FloatArray = np.empty(len(kept), dtype=np.float32)
        np.einsum("ij,j->i", self._matrix[kept], vector, out=gaps)
        np.subtract(self._half_norms[kept], gaps, out=gaps)
        owners = self._row_owner[kept]
        # `kept` is ascending and rows are grouped by employee, so each employee's kept rows are one run.
        runs = np.flatnonzero(np.diff(owners)) + 1
        starts = np.concatenate((np.zeros(1, dtype=np.intp), runs)) if len(owners) else runs
        if len(starts) < 2:
            return None
        nearest: FloatArray = np.minimum.reduceat(gaps, starts)
        return nearest, owners[starts]

    def identify(self, probe: npt.ArrayLike, policy: MatchPolicy | None = None) -> MatchResult[K]:
        """Attribute `probe` to one employee under `policy`, or explain why not.

        Large galleries are searched in two passes: lower bounds from the prefilter's small matrix, then exact
        distances only for the rows whose bound leaves them a chance to be the best or the second-best employee's
        nearest template. The result is the same as the plain pass's in every field, to the bit; of employees at
        exactly the same distance, the one first in gallery order is taken.
        """
        rule = policy or MatchPolicy()
        if not self._employees:
            return MatchResult(None, math.inf, math.inf, MatchReason.NO_TEMPLATES)
        vector = as_encoding(probe)
        pruned = self._pruned_employee_half_gaps(vector) if self._prefilter is not None else None
        if pruned is None:
            nearest = np.minimum.reduceat(self._half_gaps(vector), self._starts)
            indices = None
        else:
            nearest, indices = pruned
        squared = self._squared_from_half_gaps(nearest, vector)
        first = int(np.argmin(squared))
        best = math.sqrt(float(squared[first]))
        if len(squared) == 1:
            second = math.inf
        else:
            squared[first] = np.inf
            second = math.sqrt(float(squared.min()))
        candidate = self._employees[first if indices is None else int(indices[first])]
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
