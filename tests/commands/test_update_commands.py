"""`main.py release-repo ...` and `main.py update ...` as real processes: head office publishes a small real release
into a real TUF repository; a kiosk's data folder is pointed at it; every bad input is refused with a message and
changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.services.update_repository import UpdateRepository
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings
from tests.support import make_world
from tests.update_support import ROOT, release_keys, serve, small_release


def main_py(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


@pytest.fixture
def head_office(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """A repository made by `release-repo init`, its keys, and the release key pair."""
    repository, keys = tmp_path / "site", tmp_path / "tuf-keys"
    done = main_py("release-repo", "init", "--repository", str(repository), "--keys", str(keys))
    assert done.returncode == 0, done.stderr
    assert "--update-root" in done.stdout
    release_key, release_pub = release_keys(tmp_path / "release-keys")
    return repository, keys, release_key, release_pub


def test_init_publish_status_refresh_and_rotate(tmp_path: Path, head_office: tuple[Path, Path, Path, Path]) -> None:
    repository, keys, release_key, release_pub = head_office
    assert {path.name for path in keys.iterdir()} == {"root.key", "targets.key", "snapshot.key", "timestamp.key"}
    assert all(path.stat().st_mode & 0o077 == 0 for path in keys.iterdir())
    archive = small_release(tmp_path / "build", "1.1.0", release_key)
    common = ["--repository", str(repository), "--keys", str(keys)]
    done = main_py("release-repo", "publish", *common, "--pub", str(release_pub), str(archive))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("published 1.1.0 (linux-x86_64): timeclock-kiosk-1.1.0-linux-x86_64.tar.gz")
    status = main_py("release-repo", "status", "--repository", str(repository))
    assert "release    1.1.0" in status.stdout
    assert "timestamp  version 2" in status.stdout
    assert main_py("release-repo", "refresh", *common).stdout.startswith("nothing expires soon")
    assert (
        "re-signed: root, targets, snapshot, timestamp" in main_py("release-repo", "refresh", *common, "--force").stdout
    )
    rotated = main_py("release-repo", "rotate-key", *common, "root")
    assert rotated.returncode == 0, rotated.stderr
    assert (keys / "retired").is_dir()
    assert UpdateRepository(repository).root().signed.version == 3


def test_bad_inputs_are_refused_and_change_nothing(tmp_path: Path, head_office: tuple[Path, Path, Path, Path]) -> None:
    repository, keys, _release_key, release_pub = head_office
    common = ["--repository", str(repository), "--keys", str(keys)]
    before = sorted(path.name for path in (repository / "metadata").iterdir())
    again = main_py("release-repo", "init", *common)
    assert again.returncode == 1
    assert "already holds an update repository" in again.stderr
    other_key, _other_pub = release_keys(tmp_path / "other")
    foreign = small_release(tmp_path / "foreign", "1.1.0", other_key)
    refused = main_py("release-repo", "publish", *common, "--pub", str(release_pub), str(foreign))
    assert refused.returncode == 1
    assert "not by the trusted release key" in refused.stderr
    missing = main_py("release-repo", "publish", *common, "--pub", str(release_pub), str(tmp_path / "none.tar.gz"))
    assert "does not exist" in missing.stderr
    not_a_repository = main_py("release-repo", "status", "--repository", str(tmp_path))
    assert "is not an update repository" in not_a_repository.stderr
    wrong_keys = main_py("release-repo", "refresh", "--repository", str(repository), "--keys", str(tmp_path / "x"))
    assert wrong_keys.returncode == 1
    assert sorted(path.name for path in (repository / "metadata").iterdir()) == before
    inside = main_py("release-repo", "init", "--repository", str(tmp_path / "r2"), "--keys", str(tmp_path / "r2" / "k"))
    assert "is inside the repository" in inside.stderr


def test_a_kiosk_is_pointed_at_the_repository_and_reports_its_status(
    tmp_path: Path, head_office: tuple[Path, Path, Path, Path]
) -> None:
    repository, _keys, _release_key, release_pub = head_office
    data = tmp_path / "data"
    make_world(data / "kiosk.db").close()
    env = {**os.environ, "TIMECLOCK_RELEASE_PUB": str(release_pub), "TIMECLOCK_UPDATE_ROOT": str(tmp_path / "none")}
    root = repository / "metadata" / "1.root.json"
    with serve(repository) as (url, _faults):
        done = main_py(
            "update", "source", url, "--window", "02:00-05:00", "--root", str(root), "--data-dir", str(data), env=env
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"update source: {url}; window 02:00-05:00\n"
        # A checkout is not an installed release: the check says so and exits 1.
        checked = main_py("update", "check", "--data-dir", str(data), env=env)
    assert checked.returncode == 1
    assert "runs from a checkout" in checked.stdout
    status = main_py("update", "status", "--data-dir", str(data), env=env)
    assert status.returncode == 0, status.stderr
    assert f"source:         {url}" in status.stdout
    assert "window:         02:00-05:00 site time" in status.stdout
    assert "runs from a checkout" in status.stdout
    trusted = json.loads((data / "updates" / "metadata" / "root.json").read_text())
    assert trusted["signed"]["_type"] == "root"
    database = Database(data / "kiosk.db")
    with database.read() as session:
        assert load_device_settings(session).update_source == url
    database.close()


def test_bad_kiosk_update_settings_are_refused(tmp_path: Path, head_office: tuple[Path, Path, Path, Path]) -> None:
    repository, *_ = head_office
    data = tmp_path / "data"
    make_world(data / "kiosk.db").close()
    for arguments, message in (
        (["ftp://example.com/x"], "neither an http(s):// URL nor a folder"),
        (["https://example.com", "--window", "4-1"], "is not HH:MM-HH:MM"),
        (["https://example.com", "--window", "03:00-03:00"], "has no length"),
        ([], "give the update source URL or FOLDER, or --off"),
        (
            ["https://example.com", "--root", str(repository / "metadata" / "timestamp.json")],
            "not the repository's root",
        ),
    ):
        done = main_py("update", "source", *arguments, "--data-dir", str(data))
        assert done.returncode == 1, arguments
        assert message in done.stderr, (arguments, done.stderr)
    database = Database(data / "kiosk.db")
    with database.read() as session:
        assert load_device_settings(session).update_source is None
    database.close()
    assert not (data / "updates" / "metadata" / "root.json").exists()
    no_database = main_py("update", "status", "--data-dir", str(tmp_path / "empty"))
    assert "no kiosk database" in no_database.stderr
