"""`python main.py selftest` as IT runs it: a real process, a real database, the real models, a video as the camera
and a real photo as the recorded frame."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.services.kiosk_setup import KioskSetup
from kiosk.store.database import Database
from kiosk.store.location import DATABASE_FILE
from kiosk.store.secrets import SecretStore, default_key_file
from tests.file_keyring import FILE_VARIABLE, FileKeyring, process_environment
from tests.support import ManualTimeSource

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def faces() -> Path:
    """The shared face data ($TIMECLOCK_FACES, else ../shared/faces); the test fails when it is missing."""
    override = os.environ.get("TIMECLOCK_FACES")
    root = Path(override) if override else ROOT.parent / "shared" / "faces"
    if not (root / "README.md").is_file():
        pytest.fail(f"face test data not found at {root} (set TIMECLOCK_FACES to its folder)")
    return root


def selftest(*options: str, keyring_file: Path | None) -> subprocess.CompletedProcess[str]:
    environment = process_environment(keyring_file)
    command = [sys.executable, str(ROOT / "main.py"), "selftest", *options]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False, timeout=300)


def lines(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Each check's line by name: 'ok' or 'FAIL' and the detail."""
    found = {}
    for line in result.stdout.splitlines()[:-1]:
        verdict, rest = line.split(maxsplit=1)
        name, detail = rest.split(": ", 1)
        found[name] = f"{verdict} {detail}"
    return found


def test_every_check_passes_on_a_set_up_kiosk(
    faces: Path, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring_file = tmp_path / "keyring.json"
    monkeypatch.setenv(FILE_VARIABLE, str(keyring_file))
    database = Database(data_dir / DATABASE_FILE)
    secrets = SecretStore(FileKeyring())  # type: ignore[no-untyped-call]
    KioskSetup(database, secrets, ManualTimeSource()).set_up(
        company_name="Giovanni Construction", site_name="North yard", timezone="Asia/Manila", admin_pin="482915"
    )
    database.close()
    assert keyring_file.is_file()  # the PIN pepper went to the file the kiosk process will read
    video = faces / "video" / "dinoman_example_2blinks.mp4"
    photo = faces / "people" / "barack_obama" / "fr_obama-240p.jpg"
    result = selftest(
        "--data-dir", str(data_dir), "--camera", str(video), "--frame", str(photo), keyring_file=keyring_file
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "selftest passed: 9 checks"
    checks = lines(result)
    assert list(checks) == [
        "data folder",
        "database",
        "secrets",
        "landmark model",
        "face landmarks",
        "face encoding",
        "presentation-attack model",
        "camera",
        "recorded frame",
    ]
    assert all(line.startswith("ok ") for line in checks.values())
    assert (
        "revision" in checks["database"] and "set up for Giovanni Construction, site North yard" in checks["database"]
    )
    assert checks["secrets"] == "ok the OS keyring (tests.file_keyring.FileKeyring) (pin-pepper)"
    assert "no face, as expected" in checks["face landmarks"]
    assert "128 values" in checks["face encoding"]
    assert "(SHA-256 verified) load and run" in checks["presentation-attack model"]
    assert "non-commercial research only" in checks["presentation-attack model"]
    assert "5 frames of 96x128" in checks["camera"]
    assert "1 face(s)" in checks["recorded frame"] and "encoded into 128 values" in checks["recorded frame"]


def test_failures_are_reported_and_nothing_is_created(tmp_path: Path, faces: Path) -> None:
    empty_folder = tmp_path / "no-kiosk-here"
    broken_model = tmp_path / "face_landmarker.task"
    broken_model.write_bytes(b"not a model")
    no_face = tmp_path / "wall.png"
    cv2.imwrite(str(no_face), np.full((240, 320, 3), 128, dtype=np.uint8))
    result = selftest(
        "--data-dir", str(empty_folder), "--model-file", str(broken_model), "--camera", str(tmp_path / "none.mp4"),
        "--frame", str(no_face), keyring_file=None,
    )  # fmt: skip
    assert result.returncode == 1
    checks = lines(result)
    assert checks["data folder"] == f"ok {empty_folder} does not exist yet; the kiosk can create it"
    assert checks["database"].startswith("ok no database yet at")
    assert not empty_folder.exists()
    # No keyring: the last resort is named, with what protects it; nothing is made before a secret is stored.
    assert checks["secrets"] == (
        f"ok an encrypted file readable only by the user {getpass.getuser()}: {empty_folder / 'secrets.vault'}, "
        f"its key in {default_key_file()}; secrets are protected by file permissions only (no secrets yet)"
    )
    assert not default_key_file().exists()
    assert checks["landmark model"].startswith("FAIL")
    assert str(broken_model) in checks["landmark model"]
    assert checks["face landmarks"].startswith("FAIL")
    assert checks["face encoding"].startswith("ok")
    assert checks["camera"].startswith("FAIL 0 of 5 frames")
    assert checks["recorded frame"].startswith("FAIL")
    assert result.stdout.splitlines()[-1].startswith("selftest FAILED: 4 of 9 checks (landmark model")
    assert "Traceback" not in result.stdout + result.stderr


def test_a_picture_without_a_face_or_no_picture_at_all(tmp_path: Path, faces: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    wall = tmp_path / "wall.png"
    cv2.imwrite(str(wall), np.full((240, 320, 3), 128, dtype=np.uint8))
    no_face = selftest("--frame", str(wall), keyring_file=keyring_file)
    assert no_face.returncode == 1
    assert lines(no_face)["recorded frame"] == f"FAIL no face found in {wall}"
    missing = selftest("--frame", str(tmp_path / "missing.jpg"), keyring_file=keyring_file)
    assert missing.returncode == 1
    assert lines(missing)["recorded frame"] == f"FAIL no such image file: {tmp_path / 'missing.jpg'}"
