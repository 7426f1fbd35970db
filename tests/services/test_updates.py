"""Signed updates on real parts: a real TUF repository served over HTTP on the loopback address, small real release
archives installed side by side, the real launcher script, and a real kiosk database that keeps taking punches."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, Snapshot, Timestamp
from tuf.api.serialization.json import JSONSerializer

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.domain.releases import UpdateWindow, normalise_update_source
from kiosk.services.release import load_public_key
from kiosk.services.update_repository import UpdateRepository, UpdateRepositoryProblem
from kiosk.services.update_service import UpdateService
from kiosk.services.updates import (
    Installation,
    KioskUpdater,
    UpdateProblem,
    running_release,
    settle_after_rollback,
)
from kiosk.store.database import Database, NewerDatabase
from kiosk.store.device_settings import load_device_settings, save_device_settings
from kiosk.store.update_state import UpdateStateFiles
from tests.support import make_world, open_world
from tests.system import require_programs
from tests.update_support import PLATFORM, ROOT, Faults, install, release_keys, serve, small_release

LAUNCHER = ROOT / "packaging" / "linux" / "timeclock-kiosk-launch"
SERIALIZER = JSONSerializer(compact=False)


@dataclass
class Site:
    """Head office's repository and release key, and one installed kiosk running version 1.0.0."""

    tmp: Path
    repository: UpdateRepository
    release_key: Path
    release_pub: Path
    base: Path
    data: Path

    def archive(self, version: str, *, selftest: str = "pass", run: str = "normal") -> Path:
        return small_release(self.tmp / "builds" / version, version, self.release_key, selftest=selftest, run=run)

    def publish(self, version: str, *, selftest: str = "pass", run: str = "normal") -> Path:
        archive = self.archive(version, selftest=selftest, run=run)
        self.repository.publish(archive, load_public_key(self.release_pub), now=datetime.now(UTC))
        return archive

    def updater(self, source: str, *, program_version: str = "1.0.0") -> KioskUpdater:
        return KioskUpdater(
            data_dir=self.data,
            running=running_release(self.base / program_version / "timeclock-kiosk"),
            release_key=load_public_key(self.release_pub),
            source=source,
            pinned_root=self.tmp / "update-root.json",
            platform=PLATFORM,
        )

    def current(self) -> str | None:
        return Installation(self.base).current_version()

    def launch(self, source: str) -> subprocess.CompletedProcess[str]:
        require_programs("timeout", "sed", "paste", packages="coreutils sed")
        env = {
            "PATH": os.environ["PATH"],
            "TIMECLOCK_INSTALL_BASE": str(self.base),
            "TIMECLOCK_DATA_DIR": str(self.data),
            "TIMECLOCK_RELEASE_PUB": str(self.release_pub),
            "TIMECLOCK_UPDATE_ROOT": str(self.tmp / "update-root.json"),
            "TIMECLOCK_UPDATE_SOURCE": source,
        }
        return subprocess.run(
            ["bash", str(LAUNCHER)], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    def runs(self) -> list[str]:
        path = self.data / "runs.log"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@pytest.fixture
def site(tmp_path: Path) -> Site:
    release_key, release_pub = release_keys(tmp_path / "release-keys")
    repository = UpdateRepository.create(tmp_path / "repository", tmp_path / "tuf-keys", now=datetime.now(UTC))
    (tmp_path / "update-root.json").write_bytes(repository.root_bytes())
    site = Site(tmp_path, repository, release_key, release_pub, tmp_path / "opt", tmp_path / "data")
    install(site.base, site.archive("1.0.0"), "1.0.0")
    world = make_world(site.data / "kiosk.db")
    world.close()
    return site


def punch_still_works(site: Site) -> None:
    """Version 1.0.0's database still takes a punch: the refused update changed nothing the kiosk needs."""
    database = Database(site.data / "kiosk.db")
    try:
        world = open_world(database)
        outcome = world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
        assert outcome.punch is not None
    finally:
        database.close()


def assert_refused_and_untouched(site: Site, updater: KioskUpdater, *reason: str) -> UpdateProblem:
    with pytest.raises(UpdateProblem) as refused:
        updater.check()
    message = str(refused.value)
    for fragment in reason:
        assert fragment in message, message
    assert site.current() == "1.0.0"
    assert sorted(path.name for path in site.base.iterdir()) == ["1.0.0", "current"]
    status = updater.status()
    assert status.error == message
    assert status.staged_version is None
    assert status.running_version == "1.0.0"
    punch_still_works(site)
    return refused.value


# --- from publish to the new version running ------------------------------------------------------------------------


def test_version_n_to_n_plus_1_is_verified_staged_switched_and_runs_through_the_launcher(site: Site) -> None:
    site.publish("1.1.0")
    with serve(site.repository.folder) as (url, faults):
        done = site.launch(url)
    assert done.returncode == 0, done.stderr
    assert site.runs() == ["1.0.0 started", "1.1.0 started"]
    installation = Installation(site.base)
    assert installation.current_version() == "1.1.0"
    assert installation.previous_version() == "1.0.0"
    state = UpdateStateFiles(site.data)
    assert state.read_trial() is None  # confirmed
    assert state.read_failed() is None
    assert (state.backups_dir / "kiosk-before-1.1.0.db").is_file()
    status = state.read_status()
    assert status.running_version == "1.1.0"
    assert status.error is None
    # The archive went over the wire once, with the metadata; nothing else.
    assert sum(path.endswith(".tar.gz") for path in faults.requests) == 1
    assert not any(path.name.startswith(".incoming") for path in site.base.iterdir())


def test_a_confirmed_version_keeps_itself_and_the_previous_one_only(site: Site) -> None:
    for version in ("1.1.0", "1.2.0"):
        site.publish(version)
        with serve(site.repository.folder) as (url, _faults):
            assert site.launch(url).returncode == 0
    assert Installation(site.base).current_version() == "1.2.0"
    assert sorted(path.name for path in site.base.iterdir()) == ["1.1.0", "1.2.0", "current", "previous"]


def test_a_folder_share_serves_as_well_as_https(site: Site) -> None:
    site.publish("1.1.0")
    updater = site.updater(str(site.repository.folder))
    outcome = updater.check()
    assert outcome.staged == "1.1.0"
    assert (site.base / "1.1.0" / "MANIFEST").is_file()
    assert site.current() == "1.0.0"  # staged beside, not switched


def test_nothing_newer_leaves_the_kiosk_as_it_is(site: Site) -> None:
    with serve(site.repository.folder) as (url, _faults):
        assert site.updater(url).check().staged is None
    assert site.current() == "1.0.0"


# --- refusals: each with its reason, version N still current and punching ------------------------------------------


def test_a_tampered_target_is_refused(site: Site) -> None:
    site.publish("1.1.0")
    stored = next((site.repository.folder / "targets").glob("*1.1.0*"))
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    with serve(site.repository.folder) as (url, _faults):
        assert_refused_and_untouched(site, site.updater(url), "not the file head office signed", "SHA-256")


def test_a_truncated_download_is_refused(site: Site) -> None:
    site.publish("1.1.0")
    with serve(site.repository.folder, Faults(cut_after={".tar.gz": 50_000})) as (url, _faults):
        assert_refused_and_untouched(site, site.updater(url), "1.1.0")
    # The next poll, with the whole file, succeeds.
    with serve(site.repository.folder) as (url, _faults):
        assert site.updater(url).check().staged == "1.1.0"


def test_an_expired_timestamp_is_refused_and_the_age_of_the_newest_metadata_is_said(site: Site) -> None:
    with serve(site.repository.folder) as (url, _faults):
        site.updater(url).check()  # the kiosk has verified metadata once
    past = datetime.now(UTC) - timedelta(days=3)
    site.repository.publish(site.archive("1.1.0"), load_public_key(site.release_pub), now=past)
    with serve(site.repository.folder) as (url, _faults):
        problem = assert_refused_and_untouched(site, site.updater(url), "expired", "freeze", "newest verified metadata")
    assert "ago" in str(problem)


def test_metadata_replayed_from_before_is_refused_as_a_rollback(site: Site) -> None:
    site.publish("1.1.0")
    old_timestamp = (site.repository.folder / "metadata" / "timestamp.json").read_bytes()
    site.publish("1.2.0")
    with serve(site.repository.folder) as (url, _faults):
        assert site.updater(url).check().staged == "1.2.0"
    shutil.rmtree(site.base / "1.2.0")
    UpdateStateFiles(site.data).write_status(UpdateStateFiles(site.data).read_status().replace(staged_version=None))
    # An attacker serves the timestamp of the 1.1.0 release again.
    (site.repository.folder / "metadata" / "timestamp.json").write_bytes(old_timestamp)
    with serve(site.repository.folder) as (url, _faults):
        assert_refused_and_untouched(site, site.updater(url), "rollback")


def test_an_older_release_offered_as_newest_is_refused(site: Site, tmp_path: Path) -> None:
    # A correctly signed repository whose newest release is 0.9.0, older than the running 1.0.0.
    other = UpdateRepository(site.repository.folder, site.repository.keys)
    other.publish(site.archive("0.9.0"), load_public_key(site.release_pub), now=datetime.now(UTC))
    with serve(site.repository.folder) as (url, _faults):
        assert_refused_and_untouched(site, site.updater(url), "0.9.0", "older than the running 1.0.0")


def test_the_repository_refuses_to_publish_a_version_not_newer(site: Site) -> None:
    site.publish("1.1.0")
    with pytest.raises(UpdateRepositoryProblem, match=r"not newer than 1\.1\.0"):
        site.publish("1.0.5")


def test_targets_signed_by_an_unknown_key_are_refused(site: Site) -> None:
    site.publish("1.1.0")
    metadata = site.repository.metadata_dir
    targets = site.repository.targets()
    targets.signatures.clear()
    targets.sign(CryptoSigner.generate_ed25519())  # not the key root lists for targets
    (metadata / f"{targets.signed.version}.targets.json").write_bytes(targets.to_bytes(SERIALIZER))
    with serve(site.repository.folder) as (url, _faults):
        assert_refused_and_untouched(site, site.updater(url), "not signed by a trusted key")


def test_an_archive_whose_manifest_is_not_by_the_release_key_is_refused(site: Site) -> None:
    # Head office's TUF keys sign it, but the archive was built with another release key: the pinned key refuses it.
    other_key, other_pub = release_keys(site.tmp / "other-release-keys")
    archive = small_release(site.tmp / "builds" / "rogue", "1.1.0", other_key)
    site.repository.publish(archive, load_public_key(other_pub), now=datetime.now(UTC))
    with serve(site.repository.folder) as (url, _faults):
        assert_refused_and_untouched(site, site.updater(url), "release key")


def test_no_trusted_root_and_no_source_are_said_plainly(site: Site) -> None:
    (site.tmp / "update-root.json").unlink()
    with pytest.raises(UpdateProblem, match="trusts no update repository yet"):
        site.updater("http://127.0.0.1:9").check()
    updater = KioskUpdater(
        data_dir=site.data,
        running=running_release(site.base / "1.0.0" / "timeclock-kiosk"),
        release_key=load_public_key(site.release_pub),
        source=None,
        pinned_root=None,
    )
    with pytest.raises(UpdateProblem, match="no update source"):
        updater.check()


def test_an_unreachable_source_is_reported(site: Site) -> None:
    with serve(site.repository.folder) as (url, _faults):
        pass  # the port is closed again
    assert_refused_and_untouched(site, site.updater(url), "cannot be read")


# --- root key rotation ---------------------------------------------------------------------------------------------


def test_a_rotated_root_key_is_followed_without_reinstalling(site: Site) -> None:
    with serve(site.repository.folder) as (url, _faults):
        site.updater(url).check()
    site.repository.rotate_key("root", now=datetime.now(UTC))
    site.repository.rotate_key("timestamp", now=datetime.now(UTC))
    site.publish("1.1.0")
    with serve(site.repository.folder) as (url, _faults):
        assert site.updater(url).check().staged == "1.1.0"
    trusted = json.loads((site.data / "updates" / "metadata" / "root.json").read_text())
    assert trusted["signed"]["version"] == 3


def test_refresh_keeps_a_published_timestamp_alive(site: Site) -> None:
    site.publish("1.1.0")
    later = datetime.now(UTC) + timedelta(hours=20)
    renewed = site.repository.refresh(now=later)
    assert renewed == ["timestamp"]
    assert site.repository.timestamp().signed.expires > later + timedelta(hours=20)
    assert site.repository.refresh(now=later) == []


# --- rollback of a version that fails ------------------------------------------------------------------------------


def test_a_version_that_fails_its_selftest_is_rolled_back_and_reported(site: Site) -> None:
    site.publish("1.1.0", selftest="fail")
    with serve(site.repository.folder) as (url, _faults):
        done = site.launch(url)
    assert done.returncode == 0, done.stderr
    assert "rolled back to 1.0.0" in done.stderr
    assert site.current() == "1.0.0"
    # 1.0.0 ran, switched, 1.1.0 failed its selftest and never ran, 1.0.0 ran again (and found 1.1.0 already there).
    assert site.runs()[:2] == ["1.0.0 started", "1.0.0 started"]
    failed = UpdateStateFiles(site.data).read_failed()
    assert failed is not None
    assert failed["version"] == "1.1.0"
    assert "selftest failed" in failed["reason"]
    assert "built to fail" in failed["reason"]
    status = site.updater("http://127.0.0.1:9").status()
    assert status.error is not None
    assert status.error.startswith("version 1.1.0 was rolled back to 1.0.0: its selftest failed")
    punch_still_works(site)


def test_a_version_that_crashes_before_it_is_confirmed_is_rolled_back(site: Site) -> None:
    site.publish("1.1.0", run="crash")
    with serve(site.repository.folder) as (url, _faults):
        done = site.launch(url)
    assert site.current() == "1.0.0"
    assert "1.1.0 started" in site.runs()
    failed = UpdateStateFiles(site.data).read_failed()
    assert failed is not None
    assert "exited with status 3" in failed["reason"], done.stderr


def test_a_power_cut_during_the_trial_rolls_back_at_the_next_start(site: Site) -> None:
    site.publish("1.1.0")
    with serve(site.repository.folder) as (url, _faults):
        updater = site.updater(url)
        assert updater.check().staged == "1.1.0"
    updater.switch()
    state = UpdateStateFiles(site.data)
    trial = state.read_trial()
    assert trial is not None
    # The launcher had started 1.1.0 when the power went.
    state.write_trial(trial | {"run_started": "2026-11-03T01:10:00+00:00"})
    done = site.launch("http://127.0.0.1:9")
    assert site.current() == "1.0.0"
    failed = state.read_failed()
    assert failed is not None
    assert "stopped during its trial" in failed["reason"], done.stderr


# --- the database across versions ----------------------------------------------------------------------------------


def test_an_older_version_never_opens_a_database_a_newer_one_migrated_and_takes_the_backup(site: Site) -> None:
    site.publish("1.1.0")
    with serve(site.repository.folder) as (url, _faults):
        updater = site.updater(url)
        updater.check()
    updater.switch()
    backup = UpdateStateFiles(site.data).read_trial()
    assert backup is not None
    # Version 1.1.0 migrates the database to a schema 1.0.0 does not know, records a punch, then fails.
    database_path = site.data / "kiosk.db"
    with sqlite3.connect(database_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'from_a_newer_version'")
    with pytest.raises(NewerDatabase, match="migrated by a newer version"):
        Database(database_path)
    state = UpdateStateFiles(site.data)
    (state.folder / "failed").write_text(
        f"version=1.1.0\nreason=test\nat=2026-11-03T01:00:00+00:00\nbackup={backup['backup']}\n", encoding="utf-8"
    )
    done = settle_after_rollback(site.data)
    assert done is not None
    assert (state.backups_dir / "kiosk-migrated-by-1.1.0.db").is_file()  # kept, never deleted
    punch_still_works(site)  # 1.0.0 opens its backup
    assert settle_after_rollback(site.data) is None  # once


# --- when a switch may happen ----------------------------------------------------------------------------------------


def test_the_switch_waits_for_an_idle_kiosk_inside_the_window(site: Site) -> None:
    site.publish("1.1.0")
    with serve(site.repository.folder) as (url, _faults):
        updater = site.updater(url)
        updater.check()
    window = UpdateWindow.parse("01:00-04:00")
    assert updater.switch_refusal(idle=False, site_time=time(2, 0), window=window) == "the kiosk is in use"
    assert "outside the update window 01:00-04:00" in (
        updater.switch_refusal(idle=True, site_time=time(4, 0), window=window) or ""
    )
    assert updater.switch_refusal(idle=True, site_time=time(1, 0), window=window) is None
    assert site.current() == "1.0.0"


def test_update_windows_and_sources_are_checked() -> None:
    assert UpdateWindow.parse("23:30-02:00").contains(time(0, 15))
    assert not UpdateWindow.parse("23:30-02:00").contains(time(12, 0))
    for bad in ("1-4", "01:00", "04:00-04:00", "25:00-01:00"):
        with pytest.raises(RuleViolation):
            UpdateWindow.parse(bad)
    assert normalise_update_source("https://updates.example.com/kiosk/") == "https://updates.example.com/kiosk"
    assert normalise_update_source("/mnt/share/releases").startswith("file:///")
    for bad in ("", "ftp://host/x"):
        with pytest.raises(RuleViolation):
            normalise_update_source(bad)


def test_a_timestamp_signed_with_a_retired_key_is_refused(site: Site) -> None:
    with serve(site.repository.folder) as (url, _faults):
        site.updater(url).check()
    retired_signer = site.repository._signer("timestamp")
    site.repository.rotate_key("timestamp", now=datetime.now(UTC))
    # An attacker holding the retired timestamp key signs a newer timestamp over an old snapshot.
    forged: Metadata[Timestamp] = Metadata.from_file(str(site.repository.metadata_dir / "timestamp.json"))
    forged.signed.version += 5
    forged.signatures.clear()
    forged.sign(retired_signer)
    (site.repository.metadata_dir / "timestamp.json").write_bytes(forged.to_bytes(SERIALIZER))
    assert isinstance(site.repository.snapshot().signed, Snapshot)
    with serve(site.repository.folder) as (url, _faults):
        assert_refused_and_untouched(site, site.updater(url), "not signed by a trusted key")


def test_the_background_check_runs_in_a_process_of_its_own_with_the_source_of_the_device_settings(
    site: Site,
) -> None:
    site.publish("1.1.0")
    database = Database(site.data / "kiosk.db")
    try:
        with serve(site.repository.folder) as (url, faults):
            with database.write() as session:
                save_device_settings(
                    session, load_device_settings(session).replace(update_source=url), datetime.now(UTC)
                )
            service = UpdateService(site.updater("http://127.0.0.1:9"), database, first_check=(0.0, 0.0))
            service.start()
            assert service.wait_for_check(120)
            service.close()
        assert sum(path.endswith(".tar.gz") for path in faults.requests) == 1
    finally:
        database.close()
    status = UpdateStateFiles(site.data).read_status()
    assert status.staged_version == "1.1.0", status
    assert (site.base / "1.1.0" / "MANIFEST").is_file()
    assert site.current() == "1.0.0"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE and ionice are Linux's")
def test_the_check_process_downloads_at_the_lowest_cpu_and_disk_priority(site: Site) -> None:
    # Looked at while the real spawned check process waits for the archive, as the camera screen would see it.
    require_programs("ionice", packages="util-linux")
    site.publish("1.1.0")
    database = Database(site.data / "kiosk.db")
    faults = Faults(hold_back=".tar.gz")
    try:
        with serve(site.repository.folder, faults) as (url, _faults):
            with database.write() as session:
                save_device_settings(
                    session, load_device_settings(session).replace(update_source=url), datetime.now(UTC)
                )
            service = UpdateService(site.updater(url), database, first_check=(0.0, 0.0))
            service.start()
            try:
                assert faults.asked.wait(120), "the check never asked for the archive"
                checks = [child for child in multiprocessing.active_children() if child.name == "update-check"]
                assert len(checks) == 1, checks
                pid = checks[0].pid
                assert pid is not None
                niceness = os.getpriority(os.PRIO_PROCESS, pid)
                io_class = subprocess.run(
                    ["ionice", "-p", str(pid)], capture_output=True, text=True, check=True
                ).stdout.strip()
            finally:
                faults.release.set()
            assert service.wait_for_check(120)
            service.close()
    finally:
        database.close()
    assert niceness == 19
    assert io_class == "idle"
    assert UpdateStateFiles(site.data).read_status().staged_version == "1.1.0"


def test_a_staged_version_changed_after_staging_is_not_switched_to(site: Site) -> None:
    site.publish("1.1.0")
    with serve(site.repository.folder) as (url, _faults):
        updater = site.updater(url)
        assert updater.check().staged == "1.1.0"
    manifest = site.base / "1.1.0" / "MANIFEST"
    manifest.write_bytes(manifest.read_bytes().replace(b"version 1.1.0", b"version 1.1.1"))
    with pytest.raises(UpdateProblem, match="no longer verifies"):
        updater.switch()
    assert site.current() == "1.0.0"
    assert UpdateStateFiles(site.data).read_trial() is None
    assert updater.status().staged_version is None
