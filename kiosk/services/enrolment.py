"""Enrolling employees' faces, identifying them, and the biometric privacy rules around both.

* **Consent first.** A template is kept only for an employee with a standing consent (who recorded it, when, and the
  version of the text they agreed to). Consent and templates are written in one transaction, consent first; a
  failed enrolment leaves neither.
* **Several samples across poses.** From the camera, `EnrolmentSession` asks for two frontal samples, then the head
  turned slightly to the person's left, then to their right; every sample passes the quality gates for the pose
  asked. From photo files, each photo must pass the gates and show a frontal or slightly turned head, and at least
  one must be frontal. All samples must show the same person, and a face that is already enrolled under another
  employee is refused (one person, one identity on the clock).
* **Encrypted at rest.** Templates are sealed with AES-256-GCM (`kiosk.vision.templates`): under the kiosk's own key
  from its secret store, or, once the kiosk is provisioned, under its company's key (`kiosk.services.company_keys`),
  so that every kiosk of the company recognises the person. The database holds only the sealed bytes. No picture and
  no plaintext template is ever written to disk. Templates sealed under a key the company has moved on from (the
  kiosk's own before provisioning, a rotated company key) are sealed again under the newest before they go up.
* **Deletion.** `delete_biometrics` removes every template of the employee and withdraws the consent; at a
  provisioned kiosk it also goes up to head office, which revokes the templates everywhere, and every other kiosk
  deletes its copies and withdraws its consent at its next sync. The audit log records that it happened, never any
  biometric value.

Re-enrolling replaces the employee's templates in the same transaction, so an employee never has a mix of old and new
samples, and never none when the new enrolment fails.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.errors import RuleViolation
from kiosk.domain.roster import parse_code
from kiosk.services.clock import TimeSource, trusted_now
from kiosk.services.company_keys import CompanyKeys
from kiosk.store import repository
from kiosk.store.adoption import REBIND_KEY
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings
from kiosk.store.repository import ConsentRecord, EmployeeRecord, StoredTemplate
from kiosk.store.schema import BiometricErasure, FaceTemplate, SyncState
from kiosk.store.secrets import SecretStore
from kiosk.vision.matcher import MatchPolicy, MatchResult, TemplateGallery
from kiosk.vision.quality import PoseRange, QualityReport, check_quality
from kiosk.vision.templates import TemplateCipher, TemplateIntegrityError
from wire.templates import key_version_of

if TYPE_CHECKING:
    from kiosk.vision.encodings import FaceEncoder, FaceSample, ImageArray
    from kiosk.vision.landmarks import FaceObservation

log = logging.getLogger(__name__)

CONSENT_TEXT_VERSION = "face-consent-1"
CONSENT_TEXT = (
    "I agree that this time clock keeps encrypted templates of my face, computed from the pictures taken now, and "
    "compares them with my face when I punch in or out. No picture of my face is kept. I can withdraw this consent "
    "at any time; my face templates are then deleted, and I punch with my PIN or with a supervisor."
)

# Yaw > 0 is a head turned to the person's own left (kiosk.vision.landmarks). The ranges do not overlap, so every
# photo gets exactly one pose name.
FRONTAL_POSE = PoseRange("frontal", (-10.0, 10.0), (-20.0, 20.0), "Look straight at the camera.")
SLIGHT_LEFT_POSE = PoseRange("slight_left", (10.0, 35.0), (-20.0, 20.0), "Turn your head a little to your left.")
SLIGHT_RIGHT_POSE = PoseRange("slight_right", (-35.0, -10.0), (-20.0, 20.0), "Turn your head a little to your right.")
ENROLMENT_POSES = (FRONTAL_POSE, SLIGHT_LEFT_POSE, SLIGHT_RIGHT_POSE)
CAMERA_PLAN: tuple[tuple[PoseRange, int], ...] = ((FRONTAL_POSE, 2), (SLIGHT_LEFT_POSE, 1), (SLIGHT_RIGHT_POSE, 1))
MAX_TEMPLATES = 12
SAMPLE_INTERVAL_S = 0.3


@dataclass(frozen=True, eq=False)
class EnrolmentSample:
    """One accepted sample: the pose it shows and its encoding (kept in memory only until sealed)."""

    pose: str
    encoding: npt.NDArray[np.float32]


@dataclass(frozen=True)
class EnrolmentStep:
    """What the camera enrolment made of one frame, for the screen.

    Attributes:
        accepted: the frame gave a sample.
        wanted: the pose asked for next (None when the session is complete).
        advice: what to tell the person (the failed gate's advice, the next pose's, or an empty string).
        quality: the gates' verdict on the frame's face, when there was one.
    """

    accepted: bool
    wanted: PoseRange | None
    advice: str
    quality: QualityReport | None = None


class EnrolmentSession:
    """Collects quality-gated samples across poses from camera frames, following `plan`.

    Feed it each frame with the face the landmark pass observed; it asks for the poses in turn and refuses frames
    whose face fails a gate for the pose asked or is not the person of the earlier samples.
    """

    def __init__(
        self,
        encoder: FaceEncoder,
        plan: Sequence[tuple[PoseRange, int]] = CAMERA_PLAN,
        policy: MatchPolicy | None = None,
        min_interval_s: float = SAMPLE_INTERVAL_S,
    ) -> None:
        """Args:
        encoder: computes the encodings (its quality limits apply).
        plan: the poses to collect, in order, and how many samples of each.
        policy: its threshold decides whether two samples show the same person.
        min_interval_s: shortest time between two kept samples, so that two samples of one pose are not two
            copies of the same instant.
        """
        if not plan or any(count < 1 for _, count in plan):
            raise RuleViolation("enrolment_plan", "an enrolment plan needs at least one sample of each pose it lists")
        self._encoder = encoder
        self._queue = [pose for pose, count in plan for _ in range(count)]
        self._policy = policy or MatchPolicy()
        self._samples: list[EnrolmentSample] = []
        self._min_interval_s = min_interval_s
        self._last_kept: float | None = None

    @property
    def wanted(self) -> PoseRange | None:
        """The pose asked for next, None once every sample is collected."""
        return self._queue[len(self._samples)] if len(self._samples) < len(self._queue) else None

    @property
    def complete(self) -> bool:
        """True when every sample of the plan is collected."""
        return self.wanted is None

    @property
    def samples(self) -> tuple[EnrolmentSample, ...]:
        """The samples collected so far."""
        return tuple(self._samples)

    def offer(self, frame_rgb: ImageArray, face: FaceObservation | None, at: float | None = None) -> EnrolmentStep:
        """Judge one frame (and the user's face the landmark pass found in it, if any).

        `at` is the frame's monotonic time in seconds; when given, samples closer than `min_interval_s` to the last
        kept one are skipped.
        """
        wanted = self.wanted
        if wanted is None:
            return EnrolmentStep(False, None, "")
        if face is None:
            return EnrolmentStep(False, wanted, "Step in front of the camera.")
        if at is not None and self._last_kept is not None and at - self._last_kept < self._min_interval_s:
            return EnrolmentStep(False, wanted, wanted.advice)
        sample = self._encoder.sample_from_observation(frame_rgb, face, pose=wanted)
        if not sample.quality.passed:
            return EnrolmentStep(False, wanted, sample.quality.advice, sample.quality)
        if self._samples:
            distance = float(np.linalg.norm(self._samples[0].encoding - sample.encoding))
            if distance >= self._policy.threshold:
                log.info("enrolment frame refused: face %.3f away from the first sample", distance)
                return EnrolmentStep(
                    False, wanted, "Only the person being enrolled should face the camera.", sample.quality
                )
        self._samples.append(EnrolmentSample(wanted.name, sample.encoding))
        self._last_kept = at
        following = self.wanted
        return EnrolmentStep(True, following, following.advice if following else "", sample.quality)


def pose_of(sample: FaceSample) -> PoseRange | None:
    """The enrolment pose a sample's head pose falls in, or None when it is turned too far."""
    observation = sample.observation
    for pose in ENROLMENT_POSES:
        if pose.contains(observation.yaw, observation.pitch):
            return pose
    return None


@dataclass(frozen=True)
class EnrolmentResult:
    """An enrolment that was kept: how many templates of which poses, and the consent it rests on."""

    employee_id: str
    templates: int
    poses: tuple[str, ...]
    consent: ConsentRecord
    replaced: int


@dataclass(frozen=True)
class LoadedGallery:
    """Every usable template in one gallery; `unreadable` lists the ids of templates that failed authentication."""

    gallery: TemplateGallery[str]
    unreadable: tuple[str, ...]


class BiometricEnrolment:
    """Consent, enrolment, identification and deletion of face templates on the local database."""

    def __init__(
        self,
        database: Database,
        secrets: SecretStore,
        time_source: TimeSource,
        *,
        policy: MatchPolicy | None = None,
    ) -> None:
        """Args:
        database: the local store.
        secrets: the secret store; the template key is made there on first use.
        time_source: when consents, templates and audit entries happen.
        policy: the match threshold and margin.
        """
        self._db = database
        self._keys = CompanyKeys(database, secrets)
        self._time = time_source
        self.policy = policy or MatchPolicy()

    def _now(self) -> datetime:
        return trusted_now(self._time.clock_facts())

    def _cipher(self) -> TemplateCipher:
        return self._keys.template_cipher()

    def _active_employee(self, employee_id: str) -> EmployeeRecord:
        with self._db.read() as session:
            employee = repository.get_employee(session, employee_id)
        if employee is None:
            raise RuleViolation("unknown_employee", f"there is no employee {employee_id!r} on this kiosk")
        if not employee.active:
            raise RuleViolation(
                "inactive_employee", f"{employee.full_name} (employee {employee.number}) is no longer active"
            )
        return employee

    def employee_numbered(self, number: str) -> EmployeeRecord:
        """The employee of this kiosk's company with this employee number (what people type), active or not.

        Raises:
            RuleViolation: `employee_number_invalid`, `not_set_up`, or `unknown_employee` naming the number.
        """
        number = parse_code(number, "employee number")
        with self._db.read() as session:
            company_id = load_device_settings(session).company_id
            if company_id is None:
                raise RuleViolation("not_set_up", "this kiosk is not set up yet")
            found = repository.employee_by_number(session, company_id, number)
        if found is None:
            raise RuleViolation("unknown_employee", f"there is no employee with the number {number!r} on this kiosk")
        return found

    def employee(self, employee_id: str) -> EmployeeRecord | None:
        """The employee with this internal id (as a match names them), or None."""
        with self._db.read() as session:
            return repository.get_employee(session, employee_id)

    def consent_of(self, employee_id: str) -> ConsentRecord | None:
        """The employee's standing consent, if any."""
        with self._db.read() as session:
            return repository.current_consent(session, employee_id)

    def record_consent(
        self, employee_id: str, *, recorded_by: str, text_version: str = CONSENT_TEXT_VERSION
    ) -> ConsentRecord:
        """Record that the employee consented to face templates, as witnessed by `recorded_by`."""
        self._active_employee(employee_id)
        recorder, version = _check_consent_fields(recorded_by, text_version)
        now = self._now()
        with self._db.write() as session:
            consent = repository.add_consent(
                session, employee_id=employee_id, text_version=version, consented_at=now, recorded_by=recorder
            )
            repository.audit(
                session, at=now, actor=recorder, action="biometrics.consent", subject=employee_id, text_version=version
            )
        return consent

    def enrol(
        self,
        employee_id: str,
        samples: Sequence[EnrolmentSample],
        *,
        enrolled_by: str,
        consent_recorded_by: str | None = None,
        consent_text_version: str = CONSENT_TEXT_VERSION,
    ) -> EnrolmentResult:
        """Seal and keep the samples as the employee's templates, replacing any earlier ones.

        Args:
            employee_id: the employee enrolled.
            samples: at least one frontal sample, all of the same person, at most `MAX_TEMPLATES`.
            enrolled_by: who ran the enrolment (audit log).
            consent_recorded_by: when given, the employee's consent is recorded (by this person) in the same
                transaction, before the templates; when None, a standing consent must already be on record.
            consent_text_version: the version of the consent text the employee agreed to.

        Raises:
            RuleViolation: unknown or inactive employee, no consent, bad samples, or a face enrolled as someone else.
        """
        employee = self._active_employee(employee_id)
        who = f"{employee.full_name} (employee {employee.number})"
        if not enrolled_by.strip():
            raise RuleViolation("enrolled_by_missing", "say who runs the enrolment")
        consent_fields = None
        if consent_recorded_by is not None:
            consent_fields = _check_consent_fields(consent_recorded_by, consent_text_version)
        elif self.consent_of(employee_id) is None:
            raise RuleViolation(
                "no_consent",
                f"{who} has not consented to face templates; record the consent first",
            )
        self._check_samples(employee_id, samples)
        cipher = self._cipher()
        now = self._now()
        # A microsecond after `now`: an earlier enrolment replaced here is erased everywhere as of `now` (below), and
        # head office revokes what was made up to an erasure, not after it.
        made = now + timedelta(microseconds=1)
        sealed = [
            StoredTemplate(str(uuid.uuid4()), employee_id, cipher.seal(sample.encoding, employee_id), sample.pose, made)
            for sample in samples
        ]
        with self._db.write() as session:
            if consent_fields is not None:
                recorder, version = consent_fields
                repository.add_consent(
                    session, employee_id=employee_id, text_version=version, consented_at=now, recorded_by=recorder
                )
                repository.audit(
                    session,
                    at=now,
                    actor=recorder,
                    action="biometrics.consent",
                    subject=employee_id,
                    text_version=version,
                )
            consent = repository.current_consent(session, employee_id)
            if consent is None:  # withdrawn between the check above and this transaction
                raise RuleViolation("no_consent", f"{who} has withdrawn consent")
            replaced = repository.delete_face_templates(session, employee_id)
            if replaced and load_device_settings(session).roster_from_head_office:
                # The earlier enrolment may have come from another kiosk: it is replaced at every kiosk, not only here.
                self._add_erasure(session, employee_id, enrolled_by.strip(), now)
            for template in sealed:
                repository.add_face_template(session, template)
            poses = tuple(sample.pose for sample in samples)
            repository.audit(
                session,
                at=now,
                actor=enrolled_by.strip(),
                action="biometrics.enrolled",
                subject=employee_id,
                templates=len(sealed),
                poses=list(poses),
                replaced=replaced,
                consent=consent.id,
            )
        log.info("enrolled employee %s: %d templates (%d replaced)", employee_id, len(sealed), replaced)
        return EnrolmentResult(employee_id, len(sealed), poses, consent, replaced)

    def _check_samples(self, employee_id: str, samples: Sequence[EnrolmentSample]) -> None:
        if not samples:
            raise RuleViolation("no_samples", "an enrolment needs at least one face sample")
        if len(samples) > MAX_TEMPLATES:
            raise RuleViolation("too_many_samples", f"an enrolment keeps at most {MAX_TEMPLATES} samples")
        if not any(sample.pose == FRONTAL_POSE.name for sample in samples):
            raise RuleViolation("no_frontal_sample", "an enrolment needs at least one sample looking straight ahead")
        first = samples[0].encoding
        for index, sample in enumerate(samples[1:], start=2):
            distance = float(np.linalg.norm(first - sample.encoding))
            if distance >= self.policy.threshold:
                raise RuleViolation(
                    "mixed_faces", f"sample {index} does not show the same person as sample 1 (distance {distance:.2f})"
                )
        others = self.load_gallery().gallery
        for sample in samples:
            found = others.identify(sample.encoding, MatchPolicy(self.policy.threshold, 0.0))
            if found.employee is not None and found.employee != employee_id:
                raise RuleViolation(
                    "face_enrolled_elsewhere",
                    f"this face is already enrolled as employee {found.employee!r} (distance {found.distance:.2f}); "
                    "delete that enrolment first if it is wrong",
                )

    def samples_from_files(self, paths: Sequence[Path], encoder: FaceEncoder) -> list[EnrolmentSample]:
        """Quality-gated samples from photo files; every file must pass, or nothing is returned.

        Raises:
            RuleViolation: listing every file that is unreadable, has no face, fails a gate or is turned too far.
        """
        if not paths:
            raise RuleViolation("no_samples", "give at least one photo to enrol from")
        samples: list[EnrolmentSample] = []
        problems: list[str] = []
        for path in paths:
            try:
                sample = encoder.sample_from_file(path, pose=None)
            except RuleViolation as error:
                problems.append(error.message)
                continue
            pose = pose_of(sample)
            if pose is None:
                problems.append(f"{path}: the head is turned too far; use photos looking at or near the camera")
                continue
            quality = check_quality(sample.quality.measurements, encoder.limits, pose)
            if not quality.passed:
                gates = ", ".join(str(gate) for gate in quality.failed_gates)
                problems.append(f"{path}: failed the {gates} check ({quality.advice})")
                continue
            samples.append(EnrolmentSample(pose.name, sample.encoding))
        if problems:
            raise RuleViolation("bad_samples", "cannot enrol from these photos: " + "; ".join(problems))
        return samples

    def delete_biometrics(self, employee_id: str, *, deleted_by: str) -> int:
        """Remove every face template of the employee and withdraw their consent; returns how many were removed."""
        if not deleted_by.strip():
            raise RuleViolation("deleted_by_missing", "say who deletes the biometric data")
        with self._db.read() as session:
            if repository.get_employee(session, employee_id) is None:
                raise RuleViolation("unknown_employee", f"there is no employee {employee_id!r} on this kiosk")
        now = self._now()
        with self._db.write() as session:
            removed = repository.delete_face_templates(session, employee_id)
            withdrawn = repository.withdraw_consents(session, employee_id, now)
            if load_device_settings(session).roster_from_head_office:
                # Goes up to head office, which revokes the templates at the centre and so on every kiosk.
                self._add_erasure(session, employee_id, deleted_by.strip(), now)
            repository.audit(
                session,
                at=now,
                actor=deleted_by.strip(),
                action="biometrics.deleted",
                subject=employee_id,
                templates=removed,
                consents_withdrawn=withdrawn,
            )
        log.info("deleted %d face templates of employee %s", removed, employee_id)
        return removed

    @staticmethod
    def _add_erasure(session: Session, employee_id: str, by: str, at: datetime) -> None:
        session.add(
            BiometricErasure(
                id=str(uuid.uuid4()),
                employee_id=employee_id,
                made_at=at,
                made_by=by[:100],
                sync_state=SyncState.PENDING,
            )
        )

    def load_gallery(self) -> LoadedGallery:
        """All templates of active employees, opened, in one gallery.

        A template that fails authentication (altered, or sealed under another key) is left out and listed, so one
        bad row does not stop the kiosk from recognising everyone else; it is logged as an error.
        """
        self.seal_for_sync()
        with self._db.read() as session:
            stored = repository.face_templates(session)
        if not stored:
            return LoadedGallery(TemplateGallery([]), ())
        cipher = self._cipher()
        opened: list[tuple[str, npt.NDArray[np.float32]]] = []
        unreadable: list[str] = []
        for template in stored:
            try:
                opened.append((template.employee_id, cipher.open(template.sealed, template.employee_id)))
            except TemplateIntegrityError as error:
                log.error("face template %s left out: %s", template.id, error)
                unreadable.append(template.id)
        return LoadedGallery(TemplateGallery(opened), tuple(unreadable))

    def _reseal_moved_templates(self) -> int:
        """Seal again, to their central id, the templates of employees a provisioning matched to head office's
        record (see `kiosk.store.adoption`): a template is bound to its employee's id."""
        with self._db.read() as session:
            moved: dict[str, str] = dict(repository.device_values(session).get(REBIND_KEY) or {})
        if not moved:
            return 0
        cipher = self._cipher()
        resealed = 0
        with self._db.write() as session:
            for old_id, new_id in moved.items():
                for template in repository.face_templates(session, new_id, active_only=False):
                    try:
                        encoding = cipher.open(template.sealed, old_id)
                    except TemplateIntegrityError:
                        continue  # sealed to the new id already, or unreadable: load_gallery reports it
                    repository.reseal_face_template(session, template.id, cipher.seal(encoding, new_id))
                    resealed += 1
            repository.put_device_values(session, {REBIND_KEY: {}}, self._now())
        log.info("face templates of %d employees sealed to their central ids", len(moved))
        return resealed

    def seal_for_sync(self) -> int:
        """Seal again what cannot go up as it is: templates of employees a provisioning matched to head office's
        record, and templates under a key other than the company's newest; returns how many. Sync runs this before
        each push."""
        return self._reseal_moved_templates() + self.reseal_to_newest_key()

    def reseal_to_newest_key(self) -> int:
        """Seal again under the company's newest key the templates of this kiosk still waiting to go up that are
        sealed under another (the kiosk's own before it was provisioned, or a company key since rotated), so every
        kiosk of the company can open them; returns how many. Nothing happens before the kiosk holds a company key.
        """
        cipher = self._cipher()
        newest = cipher.current_version
        if newest is None:
            return 0
        with self._db.read() as session:
            waiting = [
                (row.id, row.employee_id, row.sealed)
                for row in session.scalars(select(FaceTemplate).where(FaceTemplate.sync_state == SyncState.PENDING))
                if key_version_of(row.sealed) != newest
            ]
        if not waiting:
            return 0
        resealed = 0
        with self._db.write() as session:
            for template_id, employee_id, sealed in waiting:
                try:
                    encoding = cipher.open(sealed, employee_id)
                except TemplateIntegrityError as error:
                    log.error("face template %s not sealed again: %s", template_id, error)
                    continue
                repository.reseal_face_template(session, template_id, cipher.seal(encoding, employee_id))
                resealed += 1
        log.info("%d face templates sealed under company key version %d", resealed, newest)
        return resealed

    def identify(self, encoding: npt.ArrayLike) -> MatchResult[str]:
        """Match one encoding against every enrolled employee under the policy."""
        return self.load_gallery().gallery.identify(encoding, self.policy)


def _check_consent_fields(recorded_by: str, text_version: str) -> tuple[str, str]:
    recorder, version = recorded_by.strip(), text_version.strip()
    if not recorder:
        raise RuleViolation("consent_recorder_missing", "say who recorded the employee's consent")
    if len(recorder) > 100:
        raise RuleViolation("consent_recorder_too_long", "the name of who recorded the consent is too long")
    if not version or len(version) > 40:
        raise RuleViolation("consent_version", "the consent text version must be 1 to 40 characters")
    return recorder, version
