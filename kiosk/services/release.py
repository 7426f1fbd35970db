"""Signed releases: the manifest of a built folder, its Ed25519 signature, and checking an archive or an installed
folder against them.

A release is one folder, `timeclock-kiosk-VERSION/`, packed as a `.tar.gz`. At its top lie `MANIFEST` (the version,
the build time, the platform, then the SHA-256 of every file and the target of every symbolic link) and
`MANIFEST.sig` (the Ed25519 signature of the manifest's bytes). A folder or an archive is genuine only when the
signature is by the key the checker trusts **and** the files are exactly those the manifest lists, with the same
content: one changed byte, an added or a missing file, a changed link all fail, with the paths named.

The file lines are in the format of `sha256sum` (`HASH  PATH`), so the Linux install script can check an unpacked
folder with `sha256sum -c` and the signature with `openssl pkeyutl`, trusting nothing inside the archive.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import stat
import sys
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.domain.errors import TimeclockError

APP_NAME = "timeclock-kiosk"
MANIFEST_NAME = "MANIFEST"
SIGNATURE_NAME = "MANIFEST.sig"
MANIFEST_TITLE = "timeclock-kiosk release manifest 1"
PRIVATE_KEY_NAME = "release.key"
PUBLIC_KEY_NAME = "release.pub"
PINNED_KEY_VARIABLE = "TIMECLOCK_RELEASE_PUB"
LINUX_PINNED_KEY = Path("/etc/timeclock-kiosk/release.pub")
_HASH_LINE = re.compile(r"(?P<hash>[0-9a-f]{64})  (?P<path>.+)")
_CHUNK = 1 << 20
# platform.machine()'s names (Windows says AMD64) as archive names spell them.
_MACHINES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}
# Names the manifest's line format and the install script's shell can carry unambiguously.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\\]")


class ReleaseProblem(TimeclockError):
    """A key, a manifest, a signature or a release's files are not what they must be; the message says what."""


@dataclass(frozen=True)
class Manifest:
    """What a signed release holds.

    Attributes:
        version: the kiosk's version, as in pyproject.toml.
        built: when the build was made (UTC, whole seconds).
        platform: what it runs on, for example `linux-x86_64`.
        files: each regular file's path (relative to the release folder, with `/`) and SHA-256.
        links: each symbolic link's path and target.
    """

    version: str
    built: datetime
    platform: str
    files: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)

    def render(self) -> bytes:
        """The manifest's bytes, the same for the same content (sorted, LF line ends)."""
        lines = [
            MANIFEST_TITLE,
            f"version {self.version}",
            f"built {self.built.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
            f"platform {self.platform}",
            "",
        ]
        lines += [f"{digest}  {path}" for path, digest in sorted(self.files.items())]
        lines += [f"link\t{path}\t{target}" for path, target in sorted(self.links.items())]
        return ("\n".join(lines) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, data: bytes, where: str) -> Manifest:
        """Read a manifest's bytes; `where` names it in messages.

        Raises:
            ReleaseProblem: the bytes are not a manifest of this format.
        """
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ReleaseProblem(f"{where} is not a release manifest (not UTF-8 text)") from error
        head, separator, body = text.partition("\n\n")
        header = head.split("\n")
        if not separator or header[0] != MANIFEST_TITLE:
            raise ReleaseProblem(f"{where} is not a release manifest (it must begin with '{MANIFEST_TITLE}')")
        fields: dict[str, str] = {}
        for line in header[1:]:
            name, _, value = line.partition(" ")
            fields[name] = value
        missing = [name for name in ("version", "built", "platform") if not fields.get(name)]
        if missing:
            raise ReleaseProblem(f"{where} lacks its {', '.join(missing)}")
        try:
            built = datetime.strptime(fields["built"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError as error:
            raise ReleaseProblem(f"{where}: the build time {fields['built']!r} is not YYYY-MM-DDTHH:MM:SSZ") from error
        files: dict[str, str] = {}
        links: dict[str, str] = {}
        for number, line in enumerate(body.split("\n")[:-1], start=len(header) + 2):
            matched = _HASH_LINE.fullmatch(line)
            parts = line.split("\t")
            if matched:
                files[matched["path"]] = matched["hash"]
            elif len(parts) == 3 and parts[0] == "link":
                links[parts[1]] = parts[2]
            else:
                raise ReleaseProblem(f"{where}, line {number}: not a file or link line: {line[:80]!r}")
        return cls(fields["version"], built, fields["platform"], files, links)


# --- keys ---------------------------------------------------------------------------------------------------------


def make_key_pair(out_dir: Path) -> tuple[Path, Path]:
    """Make an Ed25519 key pair: `out_dir/release.key` (private, readable by its owner only) and `release.pub`.

    Raises:
        ReleaseProblem: either file already exists (a release key is never replaced by accident).
    """
    private_path, public_path = out_dir / PRIVATE_KEY_NAME, out_dir / PUBLIC_KEY_NAME
    existing = [str(path) for path in (private_path, public_path) if path.exists() or path.is_symlink()]
    if existing:
        raise ReleaseProblem(
            f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; a release key is not "
            "replaced (builds signed with it would no longer verify). Choose another folder."
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise ReleaseProblem(f"{out_dir} is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # O_EXCL: never write through a file or link that appeared in the meantime; 0600 from the first byte.
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    descriptor = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(public_pem)
    return private_path, public_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key in `path` (PEM, PKCS#8, unencrypted), as `release-key` writes it.

    Raises:
        ReleaseProblem: the file is missing, unreadable or not an Ed25519 private key.
    """
    key = serialization.load_pem_private_key(_read_key_file(path, "private"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ReleaseProblem(f"{path} is a {type(key).__name__}, not an Ed25519 release key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The release public key in `path` (PEM), as `release-key` writes it.

    Raises:
        ReleaseProblem: the file is missing, unreadable or not an Ed25519 public key.
    """
    try:
        key = serialization.load_pem_public_key(_read_key_file(path, "public"))
    except ValueError as error:
        raise ReleaseProblem(f"{path} is not a PEM public key ({error})") from error
    if not isinstance(key, Ed25519PublicKey):
        raise ReleaseProblem(f"{path} is a {type(key).__name__}, not an Ed25519 release public key")
    return key


def _read_key_file(path: Path, kind: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise ReleaseProblem(f"the {kind} key file {path} does not exist") from error
    except OSError as error:
        raise ReleaseProblem(f"the {kind} key file {path} cannot be read: {error.strerror}") from error
    if kind == "private":
        try:
            serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as error:
            raise ReleaseProblem(f"{path} is not an unencrypted PEM private key ({error})") from error
    return data


def fingerprint(key: Ed25519PublicKey) -> str:
    """A short name of a public key for messages: the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def pinned_public_key_path() -> Path:
    """The release key an installed kiosk trusts: `$TIMECLOCK_RELEASE_PUB`, else where the installer pinned it."""
    override = os.environ.get(PINNED_KEY_VARIABLE)
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / APP_NAME / PUBLIC_KEY_NAME
    return LINUX_PINNED_KEY


# --- signing ------------------------------------------------------------------------------------------------------


def current_platform() -> str:
    """The platform name used in archive names and manifests, for example `linux-x86_64` or `windows-x86_64`."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    return f"{system}-{_MACHINES.get(machine, machine)}"


def manifest_of_folder(folder: Path, *, version: str, built: datetime, platform: str) -> Manifest:
    """The manifest of everything in `folder` except the manifest and its signature.

    Raises:
        ReleaseProblem: the folder holds something other than files, folders and links, or a name the manifest
            cannot carry.
    """
    files: dict[str, str] = {}
    links: dict[str, str] = {}
    for path, relative in _walk(folder):
        if _UNSAFE_NAME.search(relative):
            raise ReleaseProblem(f"{path}: a file name with a control character or backslash cannot be released")
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            links[relative] = os.readlink(path)
        elif stat.S_ISREG(mode):
            with path.open("rb") as handle:
                files[relative] = _sha256(handle)
        else:
            raise ReleaseProblem(f"{path} is neither a file, a folder nor a link; it cannot be released")
    return Manifest(version, built.replace(microsecond=0), platform, files, links)


def sign_folder(folder: Path, key: Ed25519PrivateKey, *, version: str, platform: str, built: datetime) -> Manifest:
    """Write `MANIFEST` and `MANIFEST.sig` into `folder`, covering every other file in it."""
    for name in (MANIFEST_NAME, SIGNATURE_NAME):
        (folder / name).unlink(missing_ok=True)
    manifest = manifest_of_folder(folder, version=version, built=built, platform=platform)
    data = manifest.render()
    (folder / MANIFEST_NAME).write_bytes(data)
    (folder / SIGNATURE_NAME).write_bytes(key.sign(data))
    return manifest


def archive_name(version: str, platform: str) -> str:
    """`timeclock-kiosk-VERSION-PLATFORM.tar.gz`."""
    return f"{APP_NAME}-{version}-{platform}.tar.gz"


def release_folder_name(version: str) -> str:
    """The one folder at the top of a release archive, and the versioned folder it is installed as."""
    return f"{APP_NAME}-{version}"


def pack(folder: Path, archive: Path) -> None:
    """Pack `folder` into a gzip tar `archive` whose one top folder is the folder's name; owners are root's.

    The archive is written beside its final name and moved there whole, so a half-written archive never appears.
    """
    partial = archive.with_name(f".{archive.name}.partial")

    def as_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    try:
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.add(folder, arcname=folder.name, recursive=False, filter=as_root)
            for path, relative in _walk(folder):
                tar.add(path, arcname=f"{folder.name}/{relative}", recursive=False, filter=as_root)
        os.replace(partial, archive)
    finally:
        partial.unlink(missing_ok=True)


# --- verifying ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """A release that passed: its manifest and the fingerprint of the key that signed it."""

    manifest: Manifest
    key_fingerprint: str


def verify_folder(folder: Path, public_key: Ed25519PublicKey) -> Verified:
    """Check an unpacked or installed release folder against its signed manifest.

    Raises:
        ReleaseProblem: the signature is not by `public_key`, or the files differ (named in the message).
    """
    manifest = verify_signed_manifest(folder, public_key)
    found_files: dict[str, str] = {}
    found_links: dict[str, str] = {}
    odd: list[str] = []
    for path, relative in _walk(folder):
        if relative in (MANIFEST_NAME, SIGNATURE_NAME):
            continue
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            found_links[relative] = os.readlink(path)
        elif stat.S_ISREG(mode):
            with path.open("rb") as handle:
                found_files[relative] = _sha256(handle)
        else:
            odd.append(relative)
    _compare(manifest, found_files, found_links, odd, str(folder))
    return Verified(manifest, fingerprint(public_key))


def verify_signed_manifest(folder: Path, public_key: Ed25519PublicKey) -> Manifest:
    """The manifest of a release folder, checked against its signature only (its files are not read).

    Raises:
        ReleaseProblem: the folder, its manifest or its signature is missing, or the signature is not by `public_key`.
    """
    if not folder.is_dir():
        raise ReleaseProblem(f"{folder} is not a folder")
    manifest_data = _read_member_file(folder / MANIFEST_NAME, folder)
    signature = _read_member_file(folder / SIGNATURE_NAME, folder)
    return _check_signature(manifest_data, signature, public_key, str(folder))


def verify_archive(archive: Path, public_key: Ed25519PublicKey) -> Verified:
    """Check a release archive against the signed manifest it carries, without unpacking it to disk.

    Raises:
        ReleaseProblem: the archive cannot be read, has entries outside its one top folder, its signature is not
            by `public_key`, or its files differ from the manifest (named in the message).
    """
    contents = _read_archive(archive)
    if contents.manifest is None or contents.signature is None:
        lacking = [
            name
            for name, got in ((MANIFEST_NAME, contents.manifest), (SIGNATURE_NAME, contents.signature))
            if got is None
        ]
        raise ReleaseProblem(f"{archive} is not a signed release: it has no {' and '.join(lacking)}")
    manifest = _check_signature(contents.manifest, contents.signature, public_key, str(archive))
    if contents.top != release_folder_name(manifest.version):
        raise ReleaseProblem(
            f"{archive}: its folder is {contents.top}, but the signed manifest is of version {manifest.version} "
            f"({release_folder_name(manifest.version)})"
        )
    _compare(manifest, contents.files, contents.links, contents.odd, str(archive))
    return Verified(manifest, fingerprint(public_key))


@dataclass
class _ArchiveContents:
    top: str | None = None
    manifest: bytes | None = None
    signature: bytes | None = None
    files: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    odd: list[str] = field(default_factory=list)


def _read_archive(archive: Path) -> _ArchiveContents:
    """Hash every file of a release archive, keeping the manifest and signature themselves."""
    contents = _ArchiveContents()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                relative = _member_path(archive, member, contents)
                if not relative or member.isdir():
                    continue
                if member.issym():
                    contents.links[relative] = member.linkname
                elif not member.isfile():
                    contents.odd.append(relative)
                else:
                    handle = tar.extractfile(member)
                    assert handle is not None  # a regular file always has content to read
                    if relative == MANIFEST_NAME:
                        contents.manifest = handle.read()
                    elif relative == SIGNATURE_NAME:
                        contents.signature = handle.read()
                    else:
                        contents.files[relative] = _sha256(handle)
    except FileNotFoundError as error:
        raise ReleaseProblem(f"{archive} does not exist") from error
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ReleaseProblem(f"{archive} is not a readable .tar.gz archive ({error})") from error
    return contents


def _member_path(archive: Path, member: tarfile.TarInfo, contents: _ArchiveContents) -> str:
    """The member's path inside the one top folder; an entry outside it is refused."""
    parts = PurePosixPath(member.name).parts
    if not parts or member.name.startswith("/") or ".." in parts:
        raise ReleaseProblem(f"{archive} has an entry outside its folder: {member.name!r}")
    if contents.top is None:
        contents.top = parts[0]
    if parts[0] != contents.top:
        raise ReleaseProblem(f"{archive} has more than one top folder ({contents.top}, {parts[0]})")
    return "/".join(parts[1:])


def _read_member_file(path: Path, folder: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise ReleaseProblem(f"{folder} is not a signed release: it has no {path.name}") from error
    except OSError as error:
        raise ReleaseProblem(f"{path} cannot be read: {error.strerror}") from error


def _check_signature(data: bytes, signature: bytes, public_key: Ed25519PublicKey, where: str) -> Manifest:
    try:
        public_key.verify(signature, data)
    except InvalidSignature as error:
        raise ReleaseProblem(
            f"{where}: the manifest's signature is not by the trusted release key {fingerprint(public_key)} "
            "(signed by another key, or the manifest or its signature was changed)"
        ) from error
    return Manifest.parse(data, f"{where}: {MANIFEST_NAME}")


def _compare(manifest: Manifest, files: dict[str, str], links: dict[str, str], odd: list[str], where: str) -> None:
    problems: list[str] = []
    expected_paths = set(manifest.files) | set(manifest.links)
    found_paths = set(files) | set(links) | set(odd)
    if missing := sorted(expected_paths - found_paths):
        problems.append(f"missing: {_names(missing)}")
    if added := sorted(found_paths - expected_paths):
        problems.append(f"not in the manifest: {_names(added)}")
    changed = sorted(
        path for path, digest in files.items() if path in manifest.files and manifest.files[path] != digest
    )
    changed += sorted(
        path for path, target in links.items() if path in manifest.links and manifest.links[path] != target
    )
    # A file where a link was signed, or the other way round, is a change too.
    changed += sorted(path for path in files if path in manifest.links)
    changed += sorted(path for path in links if path in manifest.files)
    if changed:
        problems.append(f"changed: {_names(sorted(set(changed)))}")
    if odd:
        problems.append(f"neither file nor link: {_names(sorted(odd))}")
    if problems:
        raise ReleaseProblem(f"{where} does not match its signed manifest; " + "; ".join(problems))


def _names(paths: list[str], shown: int = 10) -> str:
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more


def _walk(folder: Path) -> Iterator[tuple[Path, str]]:
    """Every entry below `folder` but folders themselves (links to folders are not followed), sorted."""
    for current, dirnames, filenames in os.walk(folder):
        base = Path(current)
        dirnames.sort()
        entries: Iterable[str] = sorted([*filenames, *(name for name in dirnames if (base / name).is_symlink())])
        for name in entries:
            path = base / name
            yield path, path.relative_to(folder).as_posix()


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def build_time() -> datetime:
    """Now, in UTC, to the second: the build time a manifest records."""
    return datetime.now(UTC).replace(microsecond=0)
