"""Signed releases on a small real folder and archive: the manifest, the Ed25519 signature, every kind of tampering."""

from __future__ import annotations

import gzip
import io
import os
import stat
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.services.release import (
    Manifest,
    ReleaseProblem,
    load_private_key,
    load_public_key,
    make_key_pair,
    pack,
    sign_folder,
    verify_archive,
    verify_folder,
)

ROOT = Path(__file__).resolve().parents[2]
VERSION = "1.2.3"
BUILT = datetime(2026, 11, 2, 8, 30, 15, tzinfo=UTC)


def make_release_folder(parent: Path, version: str = VERSION) -> Path:
    """A small one-folder release: an executable, a library with a versioned link, a model, nested data."""
    folder = parent / f"timeclock-kiosk-{version}"
    (folder / "_internal" / "resources" / "models").mkdir(parents=True)
    program = folder / "timeclock-kiosk"
    program.write_bytes(b"\x7fELF" + bytes(range(256)) * 8)
    program.chmod(0o755)
    (folder / "_internal" / "libQt6Core.so.6").write_bytes(os.urandom(4096))
    (folder / "_internal" / "libQt6Core.so").symlink_to("libQt6Core.so.6")
    (folder / "_internal" / "resources" / "models" / "face_landmarker.task").write_bytes(os.urandom(10000))
    (folder / "_internal" / "base_library.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    return folder


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return make_key_pair(tmp_path / "keys")


@pytest.fixture
def signed(tmp_path: Path, keys: tuple[Path, Path]) -> Path:
    folder = make_release_folder(tmp_path / "build")
    sign_folder(folder, load_private_key(keys[0]), version=VERSION, platform="linux-x86_64", built=BUILT)
    return folder


@pytest.fixture
def archive(tmp_path: Path, signed: Path) -> Path:
    target = tmp_path / "timeclock-kiosk-1.2.3-linux-x86_64.tar.gz"
    pack(signed, target)
    return target


def rewrite_archive(
    source: Path, target: Path, change: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> None:
    """Copy a release archive, replacing (bytes) or dropping (None) members by name and adding others."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            if member.name in change:
                content = change[member.name]
                if content is None:
                    continue
                member.size = len(content)
                new.addfile(member, io.BytesIO(content))
            else:
                new.addfile(member, old.extractfile(member) if member.isfile() else None)
        for name, content in (add or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            new.addfile(info, io.BytesIO(content))


def member_bytes(archive: Path, name: str) -> bytes:
    with tarfile.open(archive, "r:gz") as tar:
        handle = tar.extractfile(name)
        assert handle is not None
        return handle.read()


# --- keys ---------------------------------------------------------------------------------------------------------


def test_a_key_pair_is_made_with_the_private_key_readable_by_its_owner_only(tmp_path: Path) -> None:
    private, public = make_key_pair(tmp_path / "new" / "keys")
    assert (private.name, public.name) == ("release.key", "release.pub")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert load_private_key(private).public_key() == load_public_key(public)


def test_an_existing_key_is_never_replaced(keys: tuple[Path, Path]) -> None:
    before = keys[0].read_bytes()
    with pytest.raises(ReleaseProblem, match=r"release\.key and .*release\.pub already exist; a release key is not"):
        make_key_pair(keys[0].parent)
    assert keys[0].read_bytes() == before


def test_bad_key_files_are_named(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    with pytest.raises(ReleaseProblem, match=r"the public key file .*nowhere\.pub does not exist"):
        load_public_key(tmp_path / "nowhere.pub")
    with pytest.raises(ReleaseProblem, match=r"is not a PEM public key"):
        load_public_key(keys[0])
    with pytest.raises(ReleaseProblem, match=r"is not an unencrypted PEM private key"):
        load_private_key(keys[1])
    rsa = tmp_path / "rsa.pub"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", str(tmp_path / "rsa.key")], check=True)
    subprocess.run(["openssl", "pkey", "-in", str(tmp_path / "rsa.key"), "-pubout", "-out", str(rsa)], check=True)
    with pytest.raises(ReleaseProblem, match=r"rsa\.pub is a .*RSA.*, not an Ed25519 release public key"):
        load_public_key(rsa)


# --- the manifest -------------------------------------------------------------------------------------------------


def test_the_manifest_lists_every_file_and_link_in_sha256sum_format(signed: Path) -> None:
    text = (signed / "MANIFEST").read_text(encoding="utf-8")
    head, body = text.split("\n\n")
    assert head.splitlines() == [
        "timeclock-kiosk release manifest 1",
        "version 1.2.3",
        "built 2026-11-02T08:30:15Z",
        "platform linux-x86_64",
    ]
    lines = body.splitlines()
    assert [line.split("  ")[1] for line in lines[:-1]] == [
        "_internal/base_library.zip",
        "_internal/libQt6Core.so.6",
        "_internal/resources/models/face_landmarker.task",
        "timeclock-kiosk",
    ]
    assert lines[-1] == "link\t_internal/libQt6Core.so\tlibQt6Core.so.6"
    # sha256sum itself accepts the file lines: the install script relies on it.
    sums = "\n".join(lines[:-1]) + "\n"
    checked = subprocess.run(
        ["sha256sum", "--check", "--strict"], input=sums, cwd=signed, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert Manifest.parse(text.encode(), "MANIFEST").render() == text.encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "not UTF-8 text"),
        (b"some other file\n\n", "must begin with 'timeclock-kiosk release manifest 1'"),
        (b"timeclock-kiosk release manifest 1\nversion 1\n\n", "lacks its built, platform"),
        (b"timeclock-kiosk release manifest 1\nversion 1\nbuilt today\nplatform x\n\n", "'today' is not YYYY"),
        (
            b"timeclock-kiosk release manifest 1\nversion 1\nbuilt 2026-01-01T00:00:00Z\nplatform x\n\nabc  file\n",
            "line 6: not a file or link line",
        ),
    ],
)
def test_a_malformed_manifest_is_refused_with_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(ReleaseProblem, match=message):
        Manifest.parse(data, "MANIFEST")


def test_a_file_name_the_manifest_cannot_carry_is_refused_at_signing(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    folder = make_release_folder(tmp_path)
    (folder / "bad\nname").write_bytes(b"x")
    with pytest.raises(ReleaseProblem, match="control character or backslash cannot be released"):
        sign_folder(folder, load_private_key(keys[0]), version=VERSION, platform="linux-x86_64", built=BUILT)
    assert not (folder / "MANIFEST.sig").exists()


# --- verifying a folder ---------------------------------------------------------------------------------------------


def test_a_signed_folder_verifies(signed: Path, keys: tuple[Path, Path]) -> None:
    verified = verify_folder(signed, load_public_key(keys[1]))
    assert verified.manifest.version == VERSION
    assert len(verified.manifest.files) == 4
    assert verified.manifest.links == {"_internal/libQt6Core.so": "libQt6Core.so.6"}


def test_one_changed_byte_in_a_folder_is_named(signed: Path, keys: tuple[Path, Path]) -> None:
    model = signed / "_internal" / "resources" / "models" / "face_landmarker.task"
    data = bytearray(model.read_bytes())
    data[5000] ^= 1
    model.write_bytes(bytes(data))
    with pytest.raises(ReleaseProblem, match=r"changed: _internal/resources/models/face_landmarker\.task$"):
        verify_folder(signed, load_public_key(keys[1]))


def test_added_missing_and_relinked_files_in_a_folder_are_named(signed: Path, keys: tuple[Path, Path]) -> None:
    (signed / "_internal" / "extra.so").write_bytes(b"x")
    (signed / "_internal" / "base_library.zip").unlink()
    link = signed / "_internal" / "libQt6Core.so"
    link.unlink()
    link.symlink_to("/usr/lib/x86_64-linux-gnu/libQt6Core.so.6")
    with pytest.raises(ReleaseProblem) as raised:
        verify_folder(signed, load_public_key(keys[1]))
    assert str(raised.value) == (
        f"{signed} does not match its signed manifest; missing: _internal/base_library.zip; "
        "not in the manifest: _internal/extra.so; changed: _internal/libQt6Core.so"
    )


def test_a_folder_signed_by_another_key_fails(signed: Path, tmp_path: Path) -> None:
    _, other_public = make_key_pair(tmp_path / "other")
    with pytest.raises(
        ReleaseProblem, match=r"the manifest's signature is not by the trusted release key [0-9a-f]{16}"
    ):
        verify_folder(signed, load_public_key(other_public))


def test_a_changed_manifest_fails_its_signature(signed: Path, keys: tuple[Path, Path]) -> None:
    manifest = signed / "MANIFEST"
    manifest.write_bytes(manifest.read_bytes().replace(b"version 1.2.3", b"version 1.2.4"))
    with pytest.raises(ReleaseProblem, match="signature is not by the trusted release key"):
        verify_folder(signed, load_public_key(keys[1]))


def test_an_unsigned_folder_fails(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    folder = make_release_folder(tmp_path)
    with pytest.raises(ReleaseProblem, match="is not a signed release: it has no MANIFEST"):
        verify_folder(folder, load_public_key(keys[1]))


# --- verifying an archive -------------------------------------------------------------------------------------------


def test_a_packed_archive_verifies_and_carries_one_folder_owned_by_root(archive: Path, keys: tuple[Path, Path]) -> None:
    verified = verify_archive(archive, load_public_key(keys[1]))
    assert verified.manifest.built == BUILT
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
    assert {member.name.split("/")[0] for member in members} == {"timeclock-kiosk-1.2.3"}
    assert {(member.uid, member.gid, member.uname) for member in members} == {(0, 0, "root")}
    program = next(member for member in members if member.name.endswith("/timeclock-kiosk"))
    assert program.mode & 0o111


def test_one_changed_byte_anywhere_in_an_archive_fails(archive: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    name = "timeclock-kiosk-1.2.3/timeclock-kiosk"
    data = bytearray(member_bytes(archive, name))
    data[100] ^= 0x80
    tampered = tmp_path / "tampered.tar.gz"
    rewrite_archive(archive, tampered, {name: bytes(data)})
    with pytest.raises(
        ReleaseProblem, match=r"tampered\.tar\.gz does not match its signed manifest; changed: timeclock-kiosk$"
    ):
        verify_archive(tampered, load_public_key(keys[1]))


def test_a_changed_signature_byte_fails(archive: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    name = "timeclock-kiosk-1.2.3/MANIFEST.sig"
    signature = bytearray(member_bytes(archive, name))
    signature[0] ^= 1
    tampered = tmp_path / "tampered.tar.gz"
    rewrite_archive(archive, tampered, {name: bytes(signature)})
    with pytest.raises(ReleaseProblem, match="signature is not by the trusted release key"):
        verify_archive(tampered, load_public_key(keys[1]))


def test_added_and_missing_files_in_an_archive_are_named(
    archive: Path, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered.tar.gz"
    rewrite_archive(
        archive,
        tampered,
        {"timeclock-kiosk-1.2.3/_internal/base_library.zip": None},
        add={"timeclock-kiosk-1.2.3/_internal/sitecustomize.py": b"import os\n"},
    )
    with pytest.raises(ReleaseProblem) as raised:
        verify_archive(tampered, load_public_key(keys[1]))
    assert str(raised.value).endswith(
        "missing: _internal/base_library.zip; not in the manifest: _internal/sitecustomize.py"
    )


def test_an_archive_signed_by_another_key_fails(archive: Path, tmp_path: Path) -> None:
    _, other_public = make_key_pair(tmp_path / "other")
    with pytest.raises(ReleaseProblem, match="signature is not by the trusted release key"):
        verify_archive(archive, load_public_key(other_public))


def test_an_archive_re_signed_with_another_key_fails(tmp_path: Path, signed: Path, keys: tuple[Path, Path]) -> None:
    other_private, _ = make_key_pair(tmp_path / "other")
    sign_folder(signed, load_private_key(other_private), version=VERSION, platform="linux-x86_64", built=BUILT)
    forged = tmp_path / "forged.tar.gz"
    pack(signed, forged)
    with pytest.raises(ReleaseProblem, match="signature is not by the trusted release key"):
        verify_archive(forged, load_public_key(keys[1]))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil", "has an entry outside its folder: '../evil'"),
        ("/etc/evil", "has an entry outside its folder: '/etc/evil'"),
        ("timeclock-kiosk-9.9.9/x", "has more than one top folder"),
    ],
)
def test_entries_outside_the_one_folder_are_refused(
    archive: Path, keys: tuple[Path, Path], tmp_path: Path, name: str, message: str
) -> None:
    tampered = tmp_path / "tampered.tar.gz"
    rewrite_archive(archive, tampered, {}, add={name: b"x"})
    with pytest.raises(ReleaseProblem, match=message.replace(".", r"\.")):
        verify_archive(tampered, load_public_key(keys[1]))


def test_an_archive_renamed_to_another_version_fails(tmp_path: Path, signed: Path, keys: tuple[Path, Path]) -> None:
    renamed = signed.rename(signed.parent / "timeclock-kiosk-2.0.0")
    moved = tmp_path / "moved.tar.gz"
    pack(renamed, moved)
    with pytest.raises(ReleaseProblem, match=r"its folder is timeclock-kiosk-2\.0\.0, but the signed manifest is of"):
        verify_archive(moved, load_public_key(keys[1]))


def test_what_is_not_a_release_archive_is_said_plainly(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    public = load_public_key(keys[1])
    with pytest.raises(ReleaseProblem, match=r"missing\.tar\.gz does not exist"):
        verify_archive(tmp_path / "missing.tar.gz", public)
    text = tmp_path / "text.tar.gz"
    text.write_text("not an archive")
    with pytest.raises(ReleaseProblem, match=r"is not a readable \.tar\.gz archive"):
        verify_archive(text, public)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(gzip.compress(b"\0" * 100)[:20])
    with pytest.raises(ReleaseProblem, match=r"is not a readable \.tar\.gz archive"):
        verify_archive(truncated, public)
    unsigned_folder = make_release_folder(tmp_path / "unsigned")
    unsigned = tmp_path / "unsigned.tar.gz"
    pack(unsigned_folder, unsigned)
    with pytest.raises(ReleaseProblem, match=r"is not a signed release: it has no MANIFEST and MANIFEST\.sig"):
        verify_archive(unsigned, public)


# --- the commands ---------------------------------------------------------------------------------------------------


def main_py(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_release_key_and_verify_commands(tmp_path: Path) -> None:
    made = main_py("release-key", "--out", str(tmp_path / "keys"))
    assert made.returncode == 0, made.stderr
    assert "release.key (owner only" in made.stdout
    again = main_py("release-key", "--out", str(tmp_path / "keys"))
    assert again.returncode == 1
    assert "already exist; a release key is not replaced" in again.stderr
    folder = make_release_folder(tmp_path / "build")
    sign_folder(
        folder,
        load_private_key(tmp_path / "keys" / "release.key"),
        version=VERSION,
        platform="linux-x86_64",
        built=BUILT,
    )
    archive = tmp_path / "release.tar.gz"
    pack(folder, archive)
    ok = main_py("verify", "--pub", str(tmp_path / "keys" / "release.pub"), str(archive))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"ok: {archive} is release 1.2.3 (linux-x86_64, built 2026-11-02 08:30:15 UTC)")
    (folder / "timeclock-kiosk").write_bytes(b"changed")
    bad = main_py("verify", "--pub", str(tmp_path / "keys" / "release.pub"), str(folder))
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr == f"error: {folder} does not match its signed manifest; changed: timeclock-kiosk\n"


def test_verify_without_a_release_outside_an_installed_build_says_what_to_give() -> None:
    result = main_py("verify")
    assert result.returncode == 1
    assert "give the ARCHIVE or FOLDER to check" in result.stderr
