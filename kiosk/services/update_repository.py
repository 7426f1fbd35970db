"""Head office's update repository: releases published as The Update Framework's signed targets.

The repository is a folder that a web server or a file share serves to the kiosks as it is:

    REPOSITORY/metadata/   1.root.json, 2.root.json ..., N.targets.json, N.snapshot.json, timestamp.json
    REPOSITORY/targets/    SHA256.timeclock-kiosk-VERSION-PLATFORM.tar.gz

The four top-level roles each have their own Ed25519 key, kept in a separate keys folder that never goes to the web
server (`KEYS/root.key`, `targets.key`, `snapshot.key`, `timestamp.key`, readable by their owner only). Consistent
snapshots are on: every file a kiosk fetches is named by its version or hash, and `timestamp.json` is written last,
so a kiosk polling during a publish sees the old release or the new one, never a mixture.

Each metadata file expires (root after a year, targets after 90 days, snapshot after 14 days, timestamp after a day);
`refresh` re-signs what is near its end and must run at least daily (a cron job or a systemd timer), so that a kiosk
held on old metadata by an attacker (a freeze) notices within a day. `rotate-key` replaces a role's key: a new root
version, signed by the old root key and the new, lets every kiosk move to the new keys by itself.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from securesystemslib.signer import CryptoSigner, SSlibKey
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Signed,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from kiosk.domain.releases import release_version_key
from kiosk.services.release import ReleaseProblem, archive_name, verify_archive

ROLES = (Root.type, Targets.type, Snapshot.type, Timestamp.type)
LIFETIMES = {
    Root.type: timedelta(days=365),
    Targets.type: timedelta(days=90),
    Snapshot.type: timedelta(days=14),
    Timestamp.type: timedelta(days=1),
}
# `refresh` re-signs a role whose metadata would expire within this share of its lifetime.
RENEW_WHEN_LEFT = 0.5
_VERSIONED = re.compile(r"(?P<version>[1-9][0-9]*)\.(?P<role>root|targets|snapshot)\.json")
_SERIALIZER = JSONSerializer(compact=False)


class UpdateRepositoryProblem(ReleaseProblem):
    """The repository, its keys or a release to publish are not what they must be; the message says what."""


@dataclass(frozen=True, slots=True)
class PublishedRelease:
    """A release in the repository's signed targets."""

    name: str
    version: str
    platform: str
    length: int
    sha256: str


@dataclass(frozen=True, slots=True)
class RoleState:
    """One role's current metadata: its version, when it expires, and its key ids."""

    role: str
    version: int
    expires: datetime
    key_ids: tuple[str, ...]


class UpdateRepository:
    """A TUF repository on disk with its keys (see the module's docstring)."""

    def __init__(self, folder: Path, keys: Path | None = None) -> None:
        self.folder = folder
        self.keys = keys
        self.metadata_dir = folder / "metadata"
        self.targets_dir = folder / "targets"
        if not (self.metadata_dir / "timestamp.json").is_file():
            raise UpdateRepositoryProblem(
                f"{folder} is not an update repository (no metadata/timestamp.json): create it with "
                "`main.py release-repo init`"
            )
        if keys is not None:
            for role in ROLES:  # a keys folder that does not belong to this repository is refused before any work
                self._signer(role)

    # --- creating ---------------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path, keys: Path, *, now: datetime) -> UpdateRepository:
        """A new repository with no release yet, and a new key for each role.

        Raises:
            UpdateRepositoryProblem: the folder already holds a repository, or the keys folder holds keys.
        """
        if (folder / "metadata").exists():
            raise UpdateRepositoryProblem(f"{folder} already holds an update repository; it is never replaced")
        existing = [str(keys / f"{role}.key") for role in ROLES if (keys / f"{role}.key").exists()]
        if existing:
            raise UpdateRepositoryProblem(f"{', '.join(existing)} already exist; keys are never replaced")
        if keys.resolve().is_relative_to(folder.resolve()):
            raise UpdateRepositoryProblem(
                f"the keys folder {keys} is inside the repository {folder}, which is served to every kiosk: "
                "keep the keys elsewhere"
            )
        keys.mkdir(parents=True, exist_ok=True)
        os.chmod(keys, 0o700)
        (folder / "metadata").mkdir(parents=True)
        (folder / "targets").mkdir(parents=True, exist_ok=True)
        signers = {role: _new_key(keys / f"{role}.key") for role in ROLES}
        root = Root(expires=now + LIFETIMES[Root.type], consistent_snapshot=True)
        for role, signer in signers.items():
            root.add_key(signer.public_key, role)
        root_md = Metadata(root)
        root_md.sign(signers[Root.type])
        targets_md = Metadata(Targets(expires=now + LIFETIMES[Targets.type]))
        snapshot_md = Metadata(Snapshot(expires=now + LIFETIMES[Snapshot.type]))
        timestamp_md = Metadata(Timestamp(expires=now + LIFETIMES[Timestamp.type]))
        targets_md.sign(signers[Targets.type])
        snapshot_md.signed.meta["targets.json"] = MetaFile(version=targets_md.signed.version)
        snapshot_md.sign(signers[Snapshot.type])
        timestamp_md.signed.snapshot_meta = MetaFile(version=snapshot_md.signed.version)
        timestamp_md.sign(signers[Timestamp.type])
        repository_metadata = folder / "metadata"
        _write(repository_metadata / "1.root.json", root_md.to_bytes(_SERIALIZER))
        _write(repository_metadata / "1.targets.json", targets_md.to_bytes(_SERIALIZER))
        _write(repository_metadata / "1.snapshot.json", snapshot_md.to_bytes(_SERIALIZER))
        _write(repository_metadata / "timestamp.json", timestamp_md.to_bytes(_SERIALIZER))
        return cls(folder, keys)

    # --- reading ----------------------------------------------------------------------------------------------------

    def root(self) -> Metadata[Root]:
        return self._load(self._latest(Root.type), Root)

    def root_bytes(self) -> bytes:
        """The newest root metadata: what a kiosk is given to trust at installation (`--update-root`)."""
        return self._latest(Root.type).read_bytes()

    def targets(self) -> Metadata[Targets]:
        return self._load(self._latest(Targets.type), Targets)

    def snapshot(self) -> Metadata[Snapshot]:
        return self._load(self._latest(Snapshot.type), Snapshot)

    def timestamp(self) -> Metadata[Timestamp]:
        return self._load(self.metadata_dir / "timestamp.json", Timestamp)

    def releases(self) -> list[PublishedRelease]:
        """Every release in the signed targets, oldest first."""
        found = [_published(name, target) for name, target in self.targets().signed.targets.items()]
        return sorted(found, key=lambda release: (release.platform, release_version_key(release.version)))

    def roles(self) -> list[RoleState]:
        """Each top-level role's version, expiry and keys."""
        root = self.root().signed
        states = []
        for role, md in (
            (Root.type, self.root()),
            (Targets.type, self.targets()),
            (Snapshot.type, self.snapshot()),
            (Timestamp.type, self.timestamp()),
        ):
            states.append(RoleState(role, md.signed.version, md.signed.expires, tuple(root.roles[role].keyids)))
        return states

    # --- publishing -------------------------------------------------------------------------------------------------

    def publish(self, archive: Path, release_key: Ed25519PublicKey, *, now: datetime) -> PublishedRelease:
        """Add a release archive made by `run.py build` to the signed targets.

        The archive must be signed by the release key (its files and manifest verified), its version newer than every
        version published for its platform, and its name the one the build gives it.

        Raises:
            UpdateRepositoryProblem, ReleaseProblem: the archive is refused; nothing is published.
        """
        verified = verify_archive(archive, release_key)
        manifest = verified.manifest
        version_key = release_version_key(manifest.version)
        name = archive_name(manifest.version, manifest.platform)
        for release in self.releases():
            if release.platform == manifest.platform and release_version_key(release.version) >= version_key:
                raise UpdateRepositoryProblem(
                    f"{archive.name}: version {manifest.version} is not newer than {release.version}, already "
                    f"published for {manifest.platform}; kiosks never go back to an older version by an update"
                )
        digest = _sha256_file(archive)
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        stored = self.targets_dir / f"{digest}.{name}"
        partial = stored.with_name(f".{stored.name}.partial")
        shutil.copyfile(archive, partial)
        os.replace(partial, stored)
        target = TargetFile.from_file(name, str(stored), ["sha256"])
        target.unrecognized_fields["custom"] = {"version": manifest.version, "platform": manifest.platform}
        targets = self.targets()
        targets.signed.targets[name] = target
        self._sign_chain(targets, now=now)
        return _published(name, target)

    def refresh(self, *, now: datetime, force: bool = False) -> list[str]:
        """Re-sign the metadata that would expire soon (all of it with `force`); returns the roles re-signed.

        Run it at least daily: the timestamp lives one day.
        """
        renewed: list[str] = []

        def near_end(role: str, md: Metadata[Any]) -> bool:
            return force or md.signed.expires - now < LIFETIMES[role] * RENEW_WHEN_LEFT

        root = self.root()
        if near_end(Root.type, root):
            root.signed.version += 1
            root.signed.expires = now + LIFETIMES[Root.type]
            self._sign_root(root, extra=[])
            renewed.append(Root.type)
        targets = self.targets()
        if near_end(Targets.type, targets):
            renewed += self._sign_chain(targets, now=now)
            return renewed
        snapshot = self.snapshot()
        if near_end(Snapshot.type, snapshot):
            renewed += self._sign_chain(None, now=now, snapshot=snapshot)
            return renewed
        timestamp = self.timestamp()
        if near_end(Timestamp.type, timestamp):
            renewed += self._sign_timestamp(snapshot.signed.version, now=now)
        return renewed

    def rotate_key(self, role: str, *, now: datetime) -> str:
        """Give `role` a new key; returns the new key's id.

        A new root version lists the new key in place of the old one. For the root role itself that version is signed
        by the old key and the new, so a kiosk that trusts the old root accepts it and from then on trusts only the
        new key. For the other roles their metadata is signed again with the new key. The old private key is kept as
        `KEYS/retired/ROLE-KEYID.key`.

        Raises:
            UpdateRepositoryProblem: the role is not one of root, targets, snapshot, timestamp.
        """
        if role not in ROLES:
            raise UpdateRepositoryProblem(f"no role {role!r}: it must be one of {', '.join(ROLES)}")
        old_signer = self._signer(role)
        old_id = old_signer.public_key.keyid
        assert self.keys is not None  # _signer needed it
        retired = self.keys / "retired"
        retired.mkdir(mode=0o700, exist_ok=True)
        os.replace(self.keys / f"{role}.key", retired / f"{role}-{old_id}.key")
        new_signer = _new_key(self.keys / f"{role}.key")
        root = self.root()
        root.signed.revoke_key(old_id, role)
        root.signed.add_key(new_signer.public_key, role)
        root.signed.version += 1
        root.signed.expires = max(root.signed.expires, now + timedelta(days=1))
        # The old root key signs too, so kiosks that trust it accept the new root (TUF's rotation).
        self._sign_root(root, extra=[old_signer] if role == Root.type else [])
        if role == Targets.type:
            self._sign_chain(self.targets(), now=now)
        elif role == Snapshot.type:
            self._sign_chain(None, now=now, snapshot=self.snapshot())
        elif role == Timestamp.type:
            self._sign_timestamp(self.snapshot().signed.version, now=now)
        return str(new_signer.public_key.keyid)

    # --- internals --------------------------------------------------------------------------------------------------

    def _sign_root(self, root: Metadata[Root], extra: list[CryptoSigner]) -> None:
        root.signatures.clear()
        root.sign(self._signer(Root.type, root.signed), append=True)
        for signer in extra:
            root.sign(signer, append=True)
        _write(self.metadata_dir / f"{root.signed.version}.root.json", root.to_bytes(_SERIALIZER))

    def _sign_chain(
        self, targets: Metadata[Targets] | None, *, now: datetime, snapshot: Metadata[Snapshot] | None = None
    ) -> list[str]:
        """Sign new targets (when given), then a new snapshot and timestamp over them."""
        renewed = []
        snapshot = snapshot or self.snapshot()
        if targets is not None:
            targets.signed.version += 1
            targets.signed.expires = now + LIFETIMES[Targets.type]
            targets.signatures.clear()
            targets.sign(self._signer(Targets.type))
            _write(self.metadata_dir / f"{targets.signed.version}.targets.json", targets.to_bytes(_SERIALIZER))
            snapshot.signed.meta["targets.json"] = MetaFile(version=targets.signed.version)
            renewed.append(Targets.type)
        snapshot.signed.version += 1
        snapshot.signed.expires = now + LIFETIMES[Snapshot.type]
        snapshot.signatures.clear()
        snapshot.sign(self._signer(Snapshot.type))
        _write(self.metadata_dir / f"{snapshot.signed.version}.snapshot.json", snapshot.to_bytes(_SERIALIZER))
        renewed.append(Snapshot.type)
        return renewed + self._sign_timestamp(snapshot.signed.version, now=now)

    def _sign_timestamp(self, snapshot_version: int, *, now: datetime) -> list[str]:
        timestamp = self.timestamp()
        timestamp.signed.version += 1
        timestamp.signed.expires = now + LIFETIMES[Timestamp.type]
        timestamp.signed.snapshot_meta = MetaFile(version=snapshot_version)
        timestamp.signatures.clear()
        timestamp.sign(self._signer(Timestamp.type))
        _write(self.metadata_dir / "timestamp.json", timestamp.to_bytes(_SERIALIZER))
        return [Timestamp.type]

    def _signer(self, role: str, root: Root | None = None) -> CryptoSigner:
        if self.keys is None:
            raise UpdateRepositoryProblem("signing needs the keys folder (--keys DIR)")
        path = self.keys / f"{role}.key"
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError as error:
            raise UpdateRepositoryProblem(f"the {role} key {path} does not exist") from error
        except (OSError, ValueError, TypeError) as error:
            raise UpdateRepositoryProblem(f"the {role} key {path} cannot be read as a PEM private key") from error
        if not isinstance(private, Ed25519PrivateKey):
            raise UpdateRepositoryProblem(f"the {role} key {path} is not an Ed25519 key")
        public = SSlibKey.from_crypto(private.public_key())
        listed = (root or self.root().signed).roles[role].keyids
        if public.keyid not in listed:
            raise UpdateRepositoryProblem(
                f"the {role} key {path} is not the one the repository's root lists for {role} (keys folder and "
                "repository do not belong together)"
            )
        return CryptoSigner(private, public)

    def _latest(self, role: str) -> Path:
        best: tuple[int, Path] | None = None
        for path in self.metadata_dir.iterdir():
            matched = _VERSIONED.fullmatch(path.name)
            if matched and matched["role"] == role:
                version = int(matched["version"])
                if best is None or version > best[0]:
                    best = (version, path)
        if best is None:
            raise UpdateRepositoryProblem(f"{self.metadata_dir} has no {role} metadata")
        return best[1]

    @staticmethod
    def _load(path: Path, kind: type[Signed]) -> Metadata[Any]:
        md: Metadata[Any] = Metadata.from_file(str(path))
        if not isinstance(md.signed, kind):
            raise UpdateRepositoryProblem(f"{path} is not {kind.type} metadata")
        return md


def _new_key(path: Path) -> CryptoSigner:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return CryptoSigner(private, SSlibKey.from_crypto(private.public_key()))


def _published(name: str, target: TargetFile) -> PublishedRelease:
    custom = target.custom
    return PublishedRelease(
        name=name,
        version=str(custom.get("version", "")),
        platform=str(custom.get("platform", "")),
        length=target.length,
        sha256=target.hashes.get("sha256", ""),
    )


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
