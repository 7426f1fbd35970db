"""The kiosk's updater: check the update source, download and verify a newer release, stage it, switch when idle.

Trust follows The Update Framework through python-tuf's client (`tuf.ngclient`): the kiosk holds the repository's
root metadata (pinned at installation, then rotated by the repository itself) and accepts a release only when the
timestamp, snapshot and targets metadata verify under it, have not expired, are not older than what it already saw,
and the archive's length and SHA-256 are the ones the targets metadata signs. On top, the archive's own manifest must
be signed by the pinned release key (the same check as `verify`), and the version it names must be the one the
targets metadata announces. Nothing is unpacked before all of that passed.

Installed releases lie side by side (`BASE/VERSION/`, with the links `BASE/current` and `BASE/previous`). A newer
release is unpacked beside the running one as `BASE/VERSION/` and checked file by file. The switch happens only when
the kiosk is idle and inside its update window (site time): the database is backed up, `updates/trial` is written,
the links move in one step each, and the kiosk exits with `SWITCH_EXIT_CODE`. The launcher then starts the new
version, which must pass its own `selftest` and reach and keep the idle screen for a few minutes (`confirm_trial`);
otherwise the launcher goes back to the previous version, which restores the backup if the new version migrated the
database (`settle_after_rollback`), and the failure is reported at the next sync.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import urllib3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root, Targets
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface
from tuf.ngclient.urllib3_fetcher import Urllib3Fetcher

from kiosk.domain.errors import RuleViolation, TimeclockError
from kiosk.domain.releases import UpdateWindow, normalise_update_source, release_version_key
from kiosk.services.release import (
    MANIFEST_NAME,
    Manifest,
    ReleaseProblem,
    current_platform,
    load_public_key,
    pinned_public_key_path,
    verify_archive,
    verify_folder,
    verify_signed_manifest,
)
from kiosk.store.database import backup_database, known_revisions, stored_revision
from kiosk.store.update_state import UpdateStateFiles, UpdateStatus, iso

log = logging.getLogger(__name__)

# The running kiosk exits with this code after switching; the launcher then starts the new version at once.
SWITCH_EXIT_CODE = 75
# How long a new version must keep the idle screen before it counts as good.
SETTLE_SECONDS = 180
DATABASE_NAME = "kiosk.db"
_CHUNK = 1 << 16


class UpdateProblem(TimeclockError):
    """An update was refused or could not be made; the message says why, and the running version is untouched."""


@dataclass(frozen=True, slots=True)
class RunningRelease:
    """The release this program runs from: its version and the folder of side-by-side versions it lies in."""

    version: str
    installation: Installation | None


class Installation:
    """Releases side by side in `base`: `base/VERSION/` folders and the links `current` and `previous`."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def folder(self, version: str) -> Path:
        return self.base / version

    def _link(self, name: str) -> str | None:
        try:
            return os.readlink(self.base / name)
        except OSError:
            return None

    def current_version(self) -> str | None:
        return self._link("current")

    def previous_version(self) -> str | None:
        return self._link("previous")

    def prune(self) -> list[str]:
        """Remove the versions that are neither current nor previous (each release takes hundreds of megabytes);
        returns those removed. Versions root installed stay: the folder's sticky bit keeps them from the kiosk."""
        keep = {self.current_version(), self.previous_version()}
        removed = []
        for folder in sorted(self.base.iterdir()):
            if folder.name in keep or folder.is_symlink() or not (folder / MANIFEST_NAME).is_file():
                continue
            try:
                shutil.rmtree(folder)
            except OSError as error:
                log.info("keeping %s (%s)", folder, error.strerror)
                continue
            removed.append(folder.name)
        return removed

    def switch_to(self, version: str) -> str | None:
        """Make `version` current and the current one previous, each link replaced in one step."""
        current = self.current_version()
        if current is not None and current != version:
            _relink(self.base, "previous", current)
        _relink(self.base, "current", version)
        return current


def _relink(base: Path, name: str, target: str) -> None:
    partial = base / f".{name}-new"
    partial.unlink(missing_ok=True)
    partial.symlink_to(target)
    os.replace(partial, base / name)


def running_release(program: Path | None = None) -> RunningRelease:
    """The release this program belongs to.

    An installed release (the frozen app, or `program` inside a release folder) is named by the signed manifest
    beside it, and lies in an installation when its folder's parent has a `current` link. A checkout runs the version
    in pyproject.toml and is not updated (it has no installation).
    """
    if program is None and getattr(sys, "frozen", False):
        program = Path(sys.executable)
    if program is not None:
        folder = program.resolve().parent
        manifest_path = folder / MANIFEST_NAME
        if manifest_path.is_file():
            manifest = Manifest.parse(manifest_path.read_bytes(), str(manifest_path))
            base = folder.parent
            installed = (base / "current").is_symlink()
            return RunningRelease(manifest.version, Installation(base) if installed else None)
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        with pyproject.open("rb") as handle:
            version = str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "unknown"
    return RunningRelease(version, None)


class FolderFetcher(FetcherInterface):
    """Reads the repository from a folder (a mounted file share), as the HTTP fetcher reads it from a server."""

    def __init__(self) -> None:
        self.bytes_read = 0

    def _fetch(self, url: str) -> Iterator[bytes]:
        path = Path(url2pathname(unquote(urlparse(url).path)))
        try:
            handle = path.open("rb")
        except FileNotFoundError as error:
            # A missing file answers like HTTP's 404, which is how the client learns there is no newer root.
            raise tuf_errors.DownloadHTTPError(f"{path} does not exist", 404) from error
        with handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                self.bytes_read += len(chunk)
                yield chunk


class HttpFetcher(Urllib3Fetcher):
    """python-tuf's HTTP fetcher, counting what it reads, and saying a connection that broke mid-file in TUF's terms.

    WORKAROUND: python-tuf 7.0.1's Urllib3Fetcher lets urllib3's ProtocolError (a connection closed before the
    promised length) escape from the download's chunks instead of a DownloadError.
    """

    def __init__(self) -> None:
        super().__init__()
        self.bytes_read = 0

    def _fetch(self, url: str) -> Iterator[bytes]:
        chunks = super()._fetch(url)

        def counted() -> Iterator[bytes]:
            try:
                for chunk in chunks:
                    self.bytes_read += len(chunk)
                    yield chunk
            except urllib3.exceptions.HTTPError as error:
                raise tuf_errors.DownloadError(f"the connection broke during {url}: {error}") from error

        return counted()


@dataclass(frozen=True)
class UpdaterSpec:
    """The facts an updater is built from, as plain values a spawned process can be handed."""

    data_dir: Path
    running: RunningRelease
    release_key: bytes  # raw Ed25519 public key
    source: str | None
    pinned_root: Path | None
    platform: str

    def build(self) -> KioskUpdater:
        return KioskUpdater(
            data_dir=self.data_dir,
            running=self.running,
            release_key=Ed25519PublicKey.from_public_bytes(self.release_key),
            source=self.source,
            pinned_root=self.pinned_root,
            platform=self.platform,
        )


def check_at_low_priority(spec: UpdaterSpec) -> None:
    """A whole check in this process, made the machine's least urgent work first.

    The kiosk runs this in a process of its own: downloading, hashing and unpacking a release then never takes the
    camera screen's CPU, nor Python's interpreter lock from the kiosk's screen. The outcome is in the status file.
    """
    if hasattr(os, "nice"):
        os.nice(19)
    ionice = shutil.which("ionice")
    if ionice is not None:  # Linux: its disk work waits for everyone else's too
        subprocess.run([ionice, "-c", "3", "-p", str(os.getpid())], check=False, capture_output=True, timeout=10)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(UpdateProblem):  # recorded in the status
        spec.build().check()


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What a check found: `staged` names a version now ready to switch to; `message` says it in a sentence."""

    newest: str | None
    staged: str | None
    message: str


class KioskUpdater:
    """Checks, stages, switches to and confirms releases for one kiosk (see the module's docstring).

    Args:
        data_dir: the kiosk's data folder (its `updates/` folder holds the trusted metadata and the state).
        running: the running release and its installation.
        release_key: the pinned release key the archive's manifest must be signed by.
        source: where the repository is (`https://...`, `file://...`, or a folder); None: updates are off.
        pinned_root: the repository's root metadata trusted at installation, used until the kiosk holds its own.
        clock: now, in UTC.
        platform: the platform whose releases apply (default: this machine's).
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        running: RunningRelease,
        release_key: Ed25519PublicKey,
        source: str | None,
        pinned_root: Path | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        platform: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.running = running
        self.release_key = release_key
        self.source = normalise_update_source(source) if source else None
        self.pinned_root = pinned_root
        self.clock = clock
        self.platform = platform or current_platform()
        self.state = UpdateStateFiles(data_dir)
        self.fetcher: FolderFetcher | HttpFetcher | None = None  # the last check's, which counts the bytes read
        self._lock = threading.Lock()

    def spec(self) -> UpdaterSpec:
        """What another process needs to build this same updater (the background check runs in one)."""
        return UpdaterSpec(
            data_dir=self.data_dir,
            running=self.running,
            release_key=self.release_key.public_bytes(Encoding.Raw, PublicFormat.Raw),
            source=self.source,
            pinned_root=self.pinned_root,
            platform=self.platform,
        )

    def set_source(self, source: str | None) -> None:
        """Where updates come from from now on (head office may change it at a sync)."""
        self.source = normalise_update_source(source) if source else None

    # --- status -----------------------------------------------------------------------------------------------------

    def status(self) -> UpdateStatus:
        """What to report: the stored status, this version as running, and a rollback the launcher made."""
        return self.state.report(self.running.version)

    def _record(self, **changes: str | None) -> None:
        self.state.write_status(self.state.read_status().replace(running_version=self.running.version, **changes))

    # --- checking, downloading, staging -----------------------------------------------------------------------------

    def check(self) -> CheckOutcome:
        """Ask the source for the newest release; download, verify and stage it when it is newer than this one.

        Every refusal is recorded (`status().error`) and raised; the running version and the installation are
        untouched by a refusal.

        Raises:
            UpdateProblem: the reason, in words (tampered, expired, older, unknown key, incomplete download...).
        """
        with self._lock:
            now = self.clock()
            try:
                outcome = self._check()
            except UpdateProblem as problem:
                self._record(last_check_at=iso(now), error=str(problem), error_at=iso(now))
                log.warning("update check refused: %s", problem)
                raise
            self._record(last_check_at=iso(now), error=None, error_at=None, staged_version=outcome.staged)
            log.info("update check: %s", outcome.message)
            return outcome

    def _check(self) -> CheckOutcome:
        if self.source is None:
            raise UpdateProblem("no update source is configured (set one with `main.py update source URL`)")
        if self.running.installation is None:
            raise UpdateProblem(
                "this kiosk runs from a checkout, not an installed release: updates apply to installed releases"
            )
        updater = self._tuf_client()
        self._refresh(updater)
        self._record(last_verified_at=iso(self.clock()))
        newest = self._newest_target()
        running_key = release_version_key(self.running.version)
        if newest is None:
            return CheckOutcome(None, None, "no release is published for " + self.platform)
        name, version = newest
        if release_version_key(version) < running_key:
            raise UpdateProblem(
                f"refused: the newest release offered, {version}, is older than the running {self.running.version}; "
                "a kiosk never goes back to an older version by an update"
            )
        if release_version_key(version) == running_key:
            return CheckOutcome(version, None, f"up to date ({version})")
        failed = self.state.read_failed()
        if failed is not None and failed.get("version") == version:
            # Switching to it again would fail again, every night: wait for head office to publish a newer one.
            return CheckOutcome(version, None, f"version {version} was rolled back here; waiting for a newer release")
        installation = self.running.installation
        staged_folder = installation.folder(version)
        if staged_folder.is_dir() and self._folder_is_release(staged_folder, version):
            return CheckOutcome(version, version, f"version {version} is staged")
        archive = self._download(updater, name)
        try:
            self._stage(archive, version, installation)
        finally:
            archive.unlink(missing_ok=True)
        return CheckOutcome(version, version, f"version {version} downloaded, verified and staged")

    def _refresh(self, updater: Updater) -> None:
        """TUF's update of the trusted metadata, its refusals said in words."""
        try:
            updater.refresh()
        except tuf_errors.ExpiredMetadataError as error:
            raise UpdateProblem(
                f"refused: the update metadata has expired ({error}); the source may be held back (a freeze attack) "
                f"or head office has not refreshed it; newest verified metadata: {self._verified_age()}"
            ) from error
        except tuf_errors.BadVersionNumberError as error:
            raise UpdateProblem(
                f"refused: the source offered older metadata than this kiosk already trusts, a rollback ({error})"
            ) from error
        except tuf_errors.UnsignedMetadataError as error:
            raise UpdateProblem(f"refused: update metadata not signed by a trusted key ({error})") from error
        except tuf_errors.RepositoryError as error:
            raise UpdateProblem(f"refused: the update metadata does not verify ({error})") from error
        except tuf_errors.DownloadError as error:
            raise UpdateProblem(f"the update source {self.source} cannot be read: {error}") from error
        except OSError as error:
            raise UpdateProblem(f"the update metadata cannot be stored: {error}") from error

    def _tuf_client(self) -> Updater:
        assert self.source is not None
        metadata_dir = self.state.metadata_dir
        metadata_dir.mkdir(parents=True, exist_ok=True)
        bootstrap: bytes | None = None
        if not (metadata_dir / "root.json").is_file():
            if self.pinned_root is None or not self.pinned_root.is_file():
                raise UpdateProblem(
                    "this kiosk trusts no update repository yet: install its root metadata "
                    f"(install.sh --update-root ROOT.json, or `main.py update source URL --root ROOT.json`); "
                    f"looked for {self.pinned_root}"
                )
            bootstrap = self.pinned_root.read_bytes()
        self.fetcher = FolderFetcher() if self.source.startswith("file:") else HttpFetcher()
        fetcher = self.fetcher
        self.state.downloads_dir.mkdir(parents=True, exist_ok=True)
        try:
            return Updater(
                metadata_dir=str(metadata_dir),
                metadata_base_url=f"{self.source}/metadata/",
                target_dir=str(self.state.downloads_dir),
                target_base_url=f"{self.source}/targets/",
                fetcher=fetcher,
                bootstrap=bootstrap,
            )
        except (tuf_errors.RepositoryError, ValueError) as error:
            raise UpdateProblem(f"the trusted root metadata is not valid ({error})") from error

    def _newest_target(self) -> tuple[str, str] | None:
        """The newest release for this platform in the targets metadata that `refresh` just verified and stored."""
        targets = Metadata[Targets].from_file(str(self.state.metadata_dir / "targets.json")).signed
        best: tuple[tuple[int, ...], str, str] | None = None
        for name, target in targets.targets.items():
            custom = target.custom
            if custom.get("platform") != self.platform:
                continue
            version = str(custom.get("version", ""))
            try:
                key = release_version_key(version)
            except RuleViolation:
                log.warning("update target %s has no usable version (%r); passed over", name, version)
                continue
            if best is None or key > best[0]:
                best = (key, name, version)
        return None if best is None else (best[1], best[2])

    def _download(self, updater: Updater, name: str) -> Path:
        info = updater.get_targetinfo(name)
        if info is None:  # the name came from the same verified targets metadata
            raise UpdateProblem(f"refused: {name} is not in the signed targets")
        target = self.state.downloads_dir / name
        try:
            updater.download_target(info, str(target))
        except tuf_errors.LengthOrHashMismatchError as error:
            raise UpdateProblem(
                f"refused: the downloaded {name} is not the file head office signed (length or SHA-256 differs: "
                f"tampered or incomplete): {error}"
            ) from error
        except tuf_errors.DownloadLengthMismatchError as error:
            raise UpdateProblem(f"refused: the download of {name} is longer than signed ({error})") from error
        except tuf_errors.DownloadError as error:
            raise UpdateProblem(f"the download of {name} failed: {error}") from error
        except OSError as error:
            raise UpdateProblem(f"the download of {name} cannot be stored: {error}") from error
        return target

    def _stage(self, archive: Path, version: str, installation: Installation) -> None:
        """Check the archive's own signed manifest, unpack it beside the running version, and check every file."""
        try:
            manifest = verify_archive(archive, self.release_key).manifest
        except ReleaseProblem as error:
            raise UpdateProblem(
                f"refused: the archive's manifest does not verify with the release key: {error}"
            ) from error
        if manifest.version != version or manifest.platform != self.platform:
            raise UpdateProblem(
                f"refused: the signed targets announce {version} for {self.platform}, but the archive's manifest is "
                f"{manifest.version} for {manifest.platform}"
            )
        try:
            incoming = Path(tempfile.mkdtemp(prefix=".incoming-", dir=installation.base))
        except OSError as error:
            raise UpdateProblem(f"cannot stage beside the running version in {installation.base}: {error}") from error
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(incoming, filter="data")
            unpacked = incoming / f"timeclock-kiosk-{version}"
            verify_folder(unpacked, self.release_key)
            destination = installation.folder(version)
            if destination.exists():
                shutil.rmtree(destination)
            os.replace(unpacked, destination)
        except (tarfile.TarError, OSError, ReleaseProblem) as error:
            raise UpdateProblem(f"staging {version} failed: {error}") from error
        finally:
            shutil.rmtree(incoming, ignore_errors=True)

    def _folder_is_release(self, folder: Path, version: str) -> bool:
        try:
            return verify_folder(folder, self.release_key).manifest.version == version
        except ReleaseProblem as problem:
            log.warning("the staged %s does not verify (%s); downloading it again", folder, problem)
            return False

    def _verified_age(self) -> str:
        verified = self.state.read_status().last_verified_at
        if verified is None:
            return "never"
        age = self.clock() - datetime.fromisoformat(verified)
        return f"{verified} ({_duration(age)} ago)"

    # --- switching --------------------------------------------------------------------------------------------------

    def switch_refusal(self, *, idle: bool, site_time: time, window: UpdateWindow) -> str | None:
        """Why the staged version may not be switched to now, or None when it may."""
        staged = self.state.read_status().staged_version
        if staged is None or self.running.installation is None:
            return "no version is staged"
        if not idle:
            return "the kiosk is in use"
        if not window.contains(site_time):
            return f"outside the update window {window} (site time {site_time:%H:%M})"
        return None

    def switch(self) -> str:
        """Switch to the staged version: back up the database, write the trial, move the links.

        The caller then ends the kiosk with `SWITCH_EXIT_CODE`, and the launcher starts the new version.

        Raises:
            UpdateProblem: nothing is staged, the staged folder no longer verifies, or the installation's current
                version is not the running one; nothing is changed.
        """
        with self._lock:
            installation = self.running.installation
            staged = self.state.read_status().staged_version
            if installation is None or staged is None:
                raise UpdateProblem("no version is staged")
            current = installation.current_version()
            if current != self.running.version:
                raise UpdateProblem(
                    f"the installation's current version is {current}, not the running {self.running.version}"
                )
            folder = installation.folder(staged)
            try:
                # Every file was checked when it was staged; here the signed manifest and the program, which is
                # quick enough for the moment of the switch.
                _check_manifest(folder, self.release_key, staged)
            except ReleaseProblem as error:
                self._record(
                    staged_version=None, error=f"the staged {staged} changed: {error}", error_at=iso(self.clock())
                )
                raise UpdateProblem(f"refused: the staged {staged} no longer verifies: {error}") from error
            now = self.clock()
            backup = ""
            database = self.data_dir / DATABASE_NAME
            if database.is_file():
                self.state.backups_dir.mkdir(parents=True, exist_ok=True)
                target = self.state.backups_dir / f"kiosk-before-{staged}.db"
                backup_database(database, target)
                backup = str(target)
            self.state.write_trial(
                {"version": staged, "previous": self.running.version, "backup": backup, "started": iso(now)}
            )
            installation.switch_to(staged)
            self._record(staged_version=None)
            log.info("switched %s from %s to %s (database backup: %s)", installation.base, current, staged, backup)
            return staged

    def confirm_trial(self) -> bool:
        """Called by a new version that passed its self-test and kept the idle screen: it stays. True if it was on
        trial."""
        trial = self.state.read_trial()
        if trial is None or trial.get("version") != self.running.version:
            return False
        self.state.end_trial()
        self.state.clear_failed()
        self._record(error=None, error_at=None)
        log.info("version %s confirmed after its trial", self.running.version)
        if self.running.installation is not None:
            self.running.installation.prune()
        return True


def _check_manifest(folder: Path, release_key: Ed25519PublicKey, version: str) -> None:
    manifest = verify_signed_manifest(folder, release_key)
    program = next((path for path in manifest.files if path in ("timeclock-kiosk", "timeclock-kiosk.exe")), None)
    if manifest.version != version or program is None or not (folder / program).is_file():
        raise ReleaseProblem(f"{folder} is not release {version} with its program")


def settle_after_rollback(data_dir: Path) -> str | None:
    """After the launcher went back to this version: never open a database a newer version migrated.

    When the database's schema revision is one this version does not know and the backup made before the switch
    exists, the migrated database is moved aside (kept, `updates/backups/kiosk-migrated-by-VERSION.db`) and the
    backup put in its place. Returns what was done, or None.
    """
    state = UpdateStateFiles(data_dir)
    failed = state.read_failed()
    database = data_dir / DATABASE_NAME
    if failed is None or not database.is_file():
        return None
    revision = stored_revision(database)
    if revision is None or revision in known_revisions():
        return None
    backup = Path(failed.get("backup") or "")
    if not failed.get("backup") or not backup.is_file():
        return None
    state.backups_dir.mkdir(parents=True, exist_ok=True)
    aside = state.backups_dir / f"kiosk-migrated-by-{failed.get('version', 'newer')}.db"
    for suffix in ("", "-wal", "-shm"):
        source = database.with_name(database.name + suffix)
        if source.exists():
            os.replace(source, aside.with_name(aside.name + suffix))
    shutil.copyfile(backup, database)
    done = f"the database migrated by {failed.get('version')} was kept as {aside}; the backup {backup} restored"
    log.warning("%s", done)
    return done


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


UPDATE_ROOT_VARIABLE = "TIMECLOCK_UPDATE_ROOT"
UPDATE_ROOT_NAME = "update-root.json"


def pinned_update_root_path() -> Path:
    """The update repository's root metadata trusted at installation: `$TIMECLOCK_UPDATE_ROOT`, else beside the
    pinned release key (`/etc/timeclock-kiosk/update-root.json`; `%PROGRAMDATA%\\timeclock-kiosk` on Windows)."""
    override = os.environ.get(UPDATE_ROOT_VARIABLE)
    if override:
        return Path(override)
    return pinned_public_key_path().with_name(UPDATE_ROOT_NAME)


def kiosk_updater(data_dir: Path, source: str | None) -> KioskUpdater:
    """The updater of this installed kiosk: its running release, the pinned release key and root metadata.

    Raises:
        ReleaseProblem: the pinned release key is missing or unreadable.
    """
    return KioskUpdater(
        data_dir=data_dir,
        running=running_release(),
        release_key=load_public_key(pinned_public_key_path()),
        source=source,
        pinned_root=pinned_update_root_path(),
    )


def trust_update_root(data_dir: Path, root_file: Path) -> None:
    """Make `root_file` the update repository's root this kiosk trusts, when it trusts none yet.

    Raises:
        UpdateProblem: the file is not root metadata signed by its own root keys, or the kiosk already trusts a
            repository (its root changes only through the repository's own rotation).
    """
    state = UpdateStateFiles(data_dir)
    trusted = state.metadata_dir / "root.json"
    if trusted.exists():
        raise UpdateProblem(
            f"this kiosk already trusts an update repository ({trusted}); a new root reaches it through the "
            "repository's key rotation"
        )
    try:
        data = root_file.read_bytes()
        root: Metadata[Root] = Metadata.from_bytes(data)
        if not isinstance(root.signed, Root):
            raise UpdateProblem(f"{root_file} is {root.signed.type} metadata, not the repository's root")
        root.signed.verify_delegate(Root.type, root.signed_bytes, root.signatures)
    except OSError as error:
        raise UpdateProblem(f"{root_file} cannot be read: {error.strerror}") from error
    except (ValueError, tuf_errors.RepositoryError) as error:
        raise UpdateProblem(f"{root_file} is not valid root metadata signed by its own keys ({error})") from error
    state.metadata_dir.mkdir(parents=True, exist_ok=True)
    partial = trusted.with_name(".root.json.partial")
    partial.write_bytes(data)
    os.replace(partial, trusted)
