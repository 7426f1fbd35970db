"""Enrolment on a real database with real photos: consent first, sealed templates, identify, delete, bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from keyring.backends import fail

from kiosk.commands import main
from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.services.enrolment import (
    CONSENT_TEXT_VERSION,
    BiometricEnrolment,
    EnrolmentSample,
    EnrolmentSession,
)
from kiosk.services.roster import Roster
from kiosk.store import repository
from kiosk.store.schema import FaceTemplate
from kiosk.store.secrets import TEMPLATE_KEY, SecretStore
from kiosk.vision.encodings import FaceEncoder
from kiosk.vision.landmarks import FaceLandmarkDetector, RunningMode, pick_user_face
from kiosk.vision.matcher import DEFAULT_THRESHOLD, MatchReason
from kiosk.vision.models import default_model_path
from kiosk.vision.templates import SEALED_BYTES
from tests.conftest import MemoryKeyring
from tests.support import KioskWorld

OBAMA = ["barack_obama/fr_obama.jpg", "barack_obama/fr_obama2.jpg", "barack_obama/fr_obama1_knn_test.jpg"]
JOLIE = ["deepface_id01_angelina_jolie/img1.jpg", "deepface_id01_angelina_jolie/img2.jpg"]


@pytest.fixture(scope="module")
def faces(face_data: Path) -> Path:
    return face_data / "people"


def _run(*arguments: str) -> int:
    """Run a command in this process (so it uses the test's isolated keyring); its exit code."""
    try:
        return main(list(arguments))
    except SystemExit as stopped:
        return int(stopped.code or 0)


def _paths(faces: Path, names: list[str]) -> list[Path]:
    return [faces / name for name in names]


def _template_rows(world: KioskWorld) -> list[FaceTemplate]:
    with world.database.read() as session:
        return list(session.query(FaceTemplate).order_by(FaceTemplate.employee_id, FaceTemplate.id))


def _audit_actions(world: KioskWorld) -> list[str]:
    with world.database.read() as session:
        return [entry.action for entry in repository.audit_entries(session) if entry.action.startswith("biometrics")]


def test_enrol_then_identify_round_trip(
    world: KioskWorld, enrolment: BiometricEnrolment, encoder: FaceEncoder, faces: Path, tmp_path: Path
) -> None:
    obama = enrolment.samples_from_files(_paths(faces, OBAMA), encoder)
    jolie = enrolment.samples_from_files(_paths(faces, JOLIE), encoder)
    assert {sample.pose for sample in obama} == {"frontal", "slight_left", "slight_right"}

    first = enrolment.enrol("E1", obama, enrolled_by="Supervisor Lim", consent_recorded_by="Supervisor Lim")
    enrolment.enrol("E2", jolie, enrolled_by="Supervisor Lim", consent_recorded_by="Supervisor Lim")

    assert first.templates == 3
    assert first.consent.text_version == CONSENT_TEXT_VERSION
    assert first.consent.recorded_by == "Supervisor Lim"
    for probe, expected in [
        ("barack_obama/fr_obama3.jpg", "E1"),
        ("barack_obama/fr_obama-720p.jpg", "E1"),
        ("deepface_id01_angelina_jolie/img5.jpg", "E2"),
        ("deepface_id07_jeff_bezos/img20.jpg", None),
        ("joe_biden/fr_biden.jpg", None),
    ]:
        result = enrolment.identify(encoder.sample_from_file(faces / probe).encoding)
        assert result.employee == expected, f"{probe}: {result}"
        if expected is not None:
            assert result.margin > enrolment.policy.margin

    rows = _template_rows(world)
    assert [row.employee_id for row in rows] == ["E1", "E1", "E1", "E2", "E2"]
    plain = {sample.encoding.astype("<f4").tobytes() for sample in obama + jolie}
    assert all(len(row.sealed) == SEALED_BYTES for row in rows)
    assert not any(values in row.sealed for values in plain for row in rows)
    # Nothing but the database lives in the data folder: no picture, no plaintext template.
    assert {path.name for path in tmp_path.iterdir()} <= {"kiosk.db", "kiosk.db-wal", "kiosk.db-shm"}
    assert _audit_actions(world) == [
        "biometrics.consent",
        "biometrics.enrolled",
        "biometrics.consent",
        "biometrics.enrolled",
    ]


def test_no_consent_no_templates(
    world: KioskWorld, enrolment: BiometricEnrolment, encoder: FaceEncoder, faces: Path
) -> None:
    samples = enrolment.samples_from_files(_paths(faces, OBAMA[:1]), encoder)

    with pytest.raises(RuleViolation) as caught:
        enrolment.enrol("E1", samples, enrolled_by="Supervisor Lim")

    assert caught.value.code == "no_consent"
    assert _template_rows(world) == []
    assert _audit_actions(world) == []
    # With consent recorded first (its own step), the same enrolment goes through.
    enrolment.record_consent("E1", recorded_by="Supervisor Lim")
    assert enrolment.enrol("E1", samples, enrolled_by="Supervisor Lim").templates == 1


def test_bad_photos_unknown_employees_and_mixed_faces_change_nothing(
    world: KioskWorld, enrolment: BiometricEnrolment, encoder: FaceEncoder, faces: Path, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not a picture")
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((480, 640, 3), 90, dtype=np.uint8))
    tiny = faces / "barack_obama/fr_obama-240p.jpg"

    with pytest.raises(RuleViolation) as bad_files:
        enrolment.samples_from_files([faces / OBAMA[0], garbage, blank, tiny, tmp_path / "absent.jpg"], encoder)
    message = bad_files.value.message
    assert "garbage.jpg" in message
    assert "no face found" in message
    assert "face_size" in message
    assert "absent.jpg" in message

    obama = enrolment.samples_from_files(_paths(faces, OBAMA[:1]), encoder)
    jolie = enrolment.samples_from_files(_paths(faces, JOLIE[:1]), encoder)
    with pytest.raises(RuleViolation) as unknown:
        enrolment.enrol("E404", obama, enrolled_by="Lim", consent_recorded_by="Lim")
    assert unknown.value.code == "unknown_employee"
    with pytest.raises(RuleViolation) as mixed:
        enrolment.enrol("E1", obama + jolie, enrolled_by="Lim", consent_recorded_by="Lim")
    assert mixed.value.code == "mixed_faces"
    with pytest.raises(RuleViolation) as turned_only:
        enrolment.enrol(
            "E1", [EnrolmentSample("slight_left", obama[0].encoding)], enrolled_by="Lim", consent_recorded_by="Lim"
        )
    assert turned_only.value.code == "no_frontal_sample"
    with pytest.raises(RuleViolation) as nobody:
        enrolment.enrol("E1", obama, enrolled_by="Lim", consent_recorded_by="  ")
    assert nobody.value.code == "consent_recorder_missing"

    assert _template_rows(world) == []
    assert enrolment.consent_of("E1") is None
    assert _audit_actions(world) == []


def test_a_face_already_enrolled_as_someone_else_is_refused(
    world: KioskWorld, enrolment: BiometricEnrolment, encoder: FaceEncoder, faces: Path
) -> None:
    enrolment.enrol(
        "E1",
        enrolment.samples_from_files(_paths(faces, OBAMA[:2]), encoder),
        enrolled_by="Lim",
        consent_recorded_by="Lim",
    )
    again = enrolment.samples_from_files([faces / "barack_obama/fr_obama3.jpg"], encoder)

    with pytest.raises(RuleViolation) as caught:
        enrolment.enrol(
            "E2", [EnrolmentSample("frontal", again[0].encoding)], enrolled_by="Lim", consent_recorded_by="Lim"
        )

    assert caught.value.code == "face_enrolled_elsewhere"
    assert "'E1'" in caught.value.message
    assert [row.employee_id for row in _template_rows(world)] == ["E1", "E1"]
    assert enrolment.consent_of("E2") is None


def test_re_enrolling_replaces_and_deleting_removes_every_template(
    world: KioskWorld, enrolment: BiometricEnrolment, encoder: FaceEncoder, faces: Path
) -> None:
    samples = enrolment.samples_from_files(_paths(faces, OBAMA), encoder)
    enrolment.enrol("E1", samples, enrolled_by="Lim", consent_recorded_by="Lim")
    second = enrolment.enrol("E1", samples[:2], enrolled_by="Lim")
    assert second.replaced == 3
    assert len(_template_rows(world)) == 2

    removed = enrolment.delete_biometrics("E1", deleted_by="Lim")

    assert removed == 2
    assert _template_rows(world) == []
    assert enrolment.consent_of("E1") is None
    result = enrolment.identify(samples[0].encoding)
    assert result.employee is None
    assert result.reason is MatchReason.NO_TEMPLATES
    with pytest.raises(RuleViolation, match="no employee"):
        enrolment.delete_biometrics("E404", deleted_by="Lim")
    # Enrolling again needs a new consent: deletion withdrew the old one.
    with pytest.raises(RuleViolation) as caught:
        enrolment.enrol("E1", samples, enrolled_by="Lim")
    assert caught.value.code == "no_consent"


def test_a_tampered_template_is_left_out_and_reported(
    world: KioskWorld, enrolment: BiometricEnrolment, encoder: FaceEncoder, faces: Path
) -> None:
    enrolment.enrol(
        "E1", enrolment.samples_from_files(_paths(faces, OBAMA), encoder), enrolled_by="Lim", consent_recorded_by="Lim"
    )
    enrolment.enrol(
        "E2", enrolment.samples_from_files(_paths(faces, JOLIE), encoder), enrolled_by="Lim", consent_recorded_by="Lim"
    )
    with world.database.write() as session:
        row = session.query(FaceTemplate).filter_by(employee_id="E2").first()
        assert row is not None
        damaged = bytearray(row.sealed)
        damaged[40] ^= 0xFF
        row.sealed = bytes(damaged)
        tampered = row.id

    loaded = enrolment.load_gallery()

    assert loaded.unreadable == (tampered,)
    assert loaded.gallery.template_count == 4
    probe = encoder.sample_from_file(faces / "barack_obama/fr_obama3.jpg").encoding
    assert enrolment.identify(probe).employee == "E1"


def test_without_a_keyring_nothing_is_kept(world: KioskWorld, encoder: FaceEncoder, faces: Path) -> None:
    enrolment = BiometricEnrolment(world.database, SecretStore(fail.Keyring()), world.time)  # type: ignore[no-untyped-call]
    samples = enrolment.samples_from_files(_paths(faces, OBAMA[:1]), encoder)

    with pytest.raises(EnvironmentProblem, match="keyring"):
        enrolment.enrol("E1", samples, enrolled_by="Lim", consent_recorded_by="Lim")

    assert _template_rows(world) == []
    assert enrolment.consent_of("E1") is None


def test_a_broken_key_in_the_keyring_is_a_clear_error(
    world: KioskWorld, enrolment: BiometricEnrolment, encoder: FaceEncoder, faces: Path, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password("timeclock-kiosk", TEMPLATE_KEY, "not-hex")
    samples = enrolment.samples_from_files(_paths(faces, OBAMA[:1]), encoder)

    with pytest.raises(EnvironmentProblem, match="face-template key"):
        enrolment.enrol("E1", samples, enrolled_by="Lim", consent_recorded_by="Lim")
    assert _template_rows(world) == []


def test_camera_enrolment_collects_frontal_left_and_right_from_a_head_turn_clip(
    world: KioskWorld, enrolment: BiometricEnrolment, encoder: FaceEncoder, faces: Path
) -> None:
    clip = faces.parent / "video/headturn_live_tranvanluyt_real.mp4"
    capture = cv2.VideoCapture(str(clip))
    assert capture.isOpened(), f"cannot open {clip}"
    session = EnrolmentSession(encoder)
    wanted_log: list[str] = []
    kept_at: list[float] = []
    with FaceLandmarkDetector(RunningMode.VIDEO, model_path=default_model_path()) as detector:
        index = 0
        while not session.complete:
            ok, frame = capture.read()
            if not ok:
                break
            index += 1
            if index % 3:
                continue  # every third frame is plenty and keeps the test quick
            rgb = np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), dtype=np.uint8)
            at = index / 30
            face = pick_user_face(detector.detect_for_video(rgb, int(at * 1000)))
            step = session.offer(rgb, face, at)
            if step.accepted:
                wanted_log.append(session.samples[-1].pose)
                kept_at.append(at)
    capture.release()

    assert session.complete, f"collected only {wanted_log}"
    assert wanted_log == ["frontal", "frontal", "slight_left", "slight_right"]
    # Two samples of one pose are not two copies of one instant.
    assert kept_at[1] - kept_at[0] >= 0.3
    result = enrolment.enrol("E3", list(session.samples), enrolled_by="Lim", consent_recorded_by="Lim")
    assert result.poses == ("frontal", "frontal", "slight_left", "slight_right")


def test_enroll_and_identify_commands(
    world: KioskWorld, faces: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    images = [str(path) for path in _paths(faces, OBAMA)]
    # People type the employee number, which need not be the internal id.
    Roster(world.database, world.clock, SecretStore()).update_employee(
        "E1", number="E001", first_name="Maria", last_name="Santos", department=None, daily_rate=800, changed_by="Lim"
    )

    refused = _run("vision", "enroll", "--employee", "E001", "--images", *images, *data)
    refused_output = capsys.readouterr()
    enrolled = _run("vision", "enroll", "--employee", "E001", "--images", *images, "--consent-by", "Lim", *data)
    enrolled_output = json.loads(capsys.readouterr().out)
    found = _run("vision", "identify", "--image", str(faces / "barack_obama/fr_obama3.jpg"), *data)
    found_output = json.loads(capsys.readouterr().out)
    stranger = _run("vision", "identify", "--image", str(faces / "joe_biden/fr_biden.jpg"), *data)
    stranger_output = json.loads(capsys.readouterr().out)
    forgotten = _run("vision", "forget", "--employee", "E001", "--by", "Lim", *data)
    forgotten_output = json.loads(capsys.readouterr().out)

    assert refused == 1
    assert "Maria Santos (employee E001) has not consented" in refused_output.err
    assert refused_output.out == ""
    assert enrolled == 0
    assert (enrolled_output["employee"], enrolled_output["name"]) == ("E001", "Maria Santos")
    assert enrolled_output["templates"] == 3
    assert enrolled_output["consent"]["recorded_by"] == "Lim"
    assert enrolled_output["consent"]["text_version"] == CONSENT_TEXT_VERSION
    assert found == 0
    assert (found_output["employee"], found_output["name"]) == ("E001", "Maria Santos")
    assert found_output["distance"] < DEFAULT_THRESHOLD
    assert found_output["margin"] is None  # one employee enrolled: nobody to compare against
    assert stranger == 0
    assert stranger_output["employee"] is None
    assert stranger_output["reason"] == "too_far"
    assert forgotten == 0
    assert forgotten_output == {"employee": "E001", "name": "Maria Santos", "templates_removed": 3}


def test_commands_refuse_a_missing_database_or_an_unknown_employee(
    world: KioskWorld, faces: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = str(faces / OBAMA[0])
    empty = tmp_path / "elsewhere"

    no_database = _run("vision", "identify", "--image", photo, "--data-dir", str(empty))
    no_database_error = capsys.readouterr().err
    unknown = _run(
        "vision", "enroll", "--employee", "E404", "--images", photo, "--consent-by", "Lim", "--data-dir", str(tmp_path)
    )
    unknown_error = capsys.readouterr().err

    assert no_database == 1
    assert "no kiosk database" in no_database_error
    assert not empty.exists()
    assert unknown == 1
    assert "there is no employee with the number 'E404' on this kiosk" in unknown_error
