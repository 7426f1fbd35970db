"""packaging/linux: the systemd unit passes `systemd-analyze verify`; install.sh, run into a temporary root with a small
real signed archive, lays out exactly the expected files, owners and modes, refuses anything that does not match the
signed manifest, upgrades in place keeping the data, and uninstall.sh keeps the data unless asked.

These run as root (install.sh creates a user, in the temporary root's /etc/passwd, and sets owners), as CI does.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.services.release import load_private_key, make_key_pair, pack, sign_folder
from tests.services.test_release import BUILT, make_release_folder, member_bytes, rewrite_archive
from tests.system import require_programs

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
UNIT = LINUX / "timeclock-kiosk.service"
APP = "timeclock-kiosk"


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("the install script's tests run as root (they create a user and set owners in a temporary root)")


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return make_key_pair(tmp_path / "keys")


def release_archive(folder: Path, key: Path, version: str) -> Path:
    """A small real release, signed and packed as packaging/build.py does."""
    release = make_release_folder(folder, version)
    sign_folder(release, load_private_key(key), version=version, platform="linux-x86_64", built=BUILT)
    archive = folder / f"timeclock-kiosk-{version}-linux-x86_64.tar.gz"
    pack(release, archive)
    return archive


def install(root: Path, public: Path, archive: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    require_root()
    require_programs("openssl", "useradd", "sha256sum", packages="openssl passwd coreutils")
    return subprocess.run(
        ["bash", str(LINUX / "install.sh"), "--root", str(root), "--pub", str(public), str(archive), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def uninstall(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(LINUX / "uninstall.sh"), "--root", str(root), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def names(root: Path, database: str) -> dict[int, str]:
    found = {0: "root"}
    path = root / "etc" / database
    if path.is_file():
        for line in path.read_text().splitlines():
            fields = line.split(":")
            found[int(fields[2])] = fields[0]
    return found


def layout(root: Path) -> dict[str, tuple[str, str, str]]:
    """Every path under `root` (but the user database) with its kind and mode, and its owner and group by name."""
    users, groups = names(root, "passwd"), names(root, "group")
    found = {}
    for path in sorted(root.rglob("*")):
        relative = "/" + path.relative_to(root).as_posix()
        if relative.startswith("/etc/") and path.name in {"passwd", "group", "shadow", "gshadow", "passwd-", "group-"}:
            continue
        info = path.lstat()
        kind = "l" if stat.S_ISLNK(info.st_mode) else "d" if stat.S_ISDIR(info.st_mode) else "f"
        mode = "" if kind == "l" else oct(stat.S_IMODE(info.st_mode))
        found[relative] = (
            f"{kind} {mode}".strip(),
            users.get(info.st_uid, str(info.st_uid)),
            groups.get(info.st_gid, str(info.st_gid)),
        )
    return found


def expected_layout(version: str) -> dict[str, tuple[str, str, str]]:
    root_dir, root_file = ("d 0o755", "root", "root"), ("f 0o644", "root", "root")
    release = f"/opt/{APP}/{version}"
    kiosk_dir = ("d 0o700", APP, APP)
    return {
        "/etc": root_dir,
        "/etc/pam.d": root_dir,
        f"/etc/pam.d/{APP}": root_file,
        "/etc/systemd": root_dir,
        "/etc/systemd/system": root_dir,
        f"/etc/systemd/system/{APP}.service": root_file,
        f"/etc/{APP}": root_dir,
        f"/etc/{APP}/kiosk.env": root_file,
        f"/etc/{APP}/release.pub": root_file,
        "/opt": root_dir,
        f"/opt/{APP}": ("d 0o1775", "root", APP),
        f"/opt/{APP}/current": ("l", APP, APP),
        release: root_dir,
        f"{release}/MANIFEST": root_file,
        f"{release}/MANIFEST.sig": root_file,
        f"{release}/timeclock-kiosk": ("f 0o755", "root", "root"),
        f"{release}/_internal": root_dir,
        f"{release}/_internal/base_library.zip": root_file,
        f"{release}/_internal/libQt6Core.so": ("l", "root", "root"),
        f"{release}/_internal/libQt6Core.so.6": root_file,
        f"{release}/_internal/resources": root_dir,
        f"{release}/_internal/resources/models": root_dir,
        f"{release}/_internal/resources/models/face_landmarker.task": root_file,
        "/usr": root_dir,
        "/usr/local": root_dir,
        "/usr/local/bin": root_dir,
        f"/usr/local/bin/{APP}": ("f 0o755", "root", "root"),
        "/usr/local/lib": root_dir,
        f"/usr/local/lib/{APP}": root_dir,
        f"/usr/local/lib/{APP}/launch": ("f 0o755", "root", "root"),
        "/var": root_dir,
        "/var/cache": root_dir,
        f"/var/cache/{APP}": kiosk_dir,
        "/var/lib": root_dir,
        f"/var/lib/{APP}": kiosk_dir,
        f"/var/lib/{APP}-secrets": kiosk_dir,
    }


def test_the_unit_passes_systemd_analyze_verify() -> None:
    require_programs("systemd-analyze", "cage", packages="systemd cage")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, check=False, timeout=60
    )
    # systemd-analyze exits 0 even for settings it ignores; anything it says is a problem of the unit.
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_unit_runs_the_kiosk_under_cage_at_boot_and_restarts_it() -> None:
    text = UNIT.read_text()
    assert "ExecStart=/usr/bin/cage -d -- /usr/local/lib/timeclock-kiosk/launch $KIOSK_OPTIONS" in text
    assert "Restart=always" in text and "StartLimitIntervalSec=0" in text
    assert "User=timeclock-kiosk" in text and "WantedBy=multi-user.target" in text
    assert "Environment=QT_QPA_PLATFORM=wayland" in text
    assert "Environment=TIMECLOCK_DATA_DIR=/var/lib/timeclock-kiosk" in text


def test_install_lays_out_exactly_the_expected_files_owners_and_modes(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    archive = release_archive(tmp_path / "release", keys[0], "1.2.3")
    root = tmp_path / "root"
    root.mkdir()
    result = install(root, keys[1], archive)
    assert result.returncode == 0, result.stderr
    assert "signature and 4 files verified" in result.stdout
    assert layout(root) == expected_layout("1.2.3")
    assert os.readlink(root / "opt" / APP / "current") == "1.2.3"
    assert (root / "etc" / APP / "release.pub").read_bytes() == keys[1].read_bytes()
    assert (root / "etc" / "systemd" / "system" / f"{APP}.service").read_bytes() == UNIT.read_bytes()
    user = next(line for line in (root / "etc" / "passwd").read_text().splitlines() if line.startswith(f"{APP}:"))
    assert user.endswith(":/nonexistent:/usr/sbin/nologin")
    assert int(user.split(":")[2]) < 1000  # a system user


def test_an_upgrade_switches_the_version_and_keeps_the_data_and_options(
    tmp_path: Path, keys: tuple[Path, Path]
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    assert install(root, keys[1], release_archive(tmp_path / "one", keys[0], "1.2.3")).returncode == 0
    database = root / "var" / "lib" / APP / "kiosk.db"
    database.write_bytes(b"punches")
    options = root / "etc" / APP / "kiosk.env"
    options.write_text("KIOSK_OPTIONS=--camera 2\n")
    result = install(root, keys[1], release_archive(tmp_path / "two", keys[0], "1.3.0"))
    assert result.returncode == 0, result.stderr
    assert os.readlink(root / "opt" / APP / "current") == "1.3.0"
    assert (root / "opt" / APP / "1.2.3" / "MANIFEST").is_file()  # the previous version stays, to go back to
    assert database.read_bytes() == b"punches"
    assert options.read_text() == "KIOSK_OPTIONS=--camera 2\n"
    assert (root / "etc" / "passwd").read_text().count(f"{APP}:") == 1


def test_nothing_is_installed_from_an_archive_that_does_not_match(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    archive = release_archive(tmp_path / "release", keys[0], "1.2.3")
    name = "timeclock-kiosk-1.2.3/_internal/resources/models/face_landmarker.task"
    data = bytearray(member_bytes(archive, name))
    data[-1] ^= 1
    changed = tmp_path / "changed.tar.gz"
    rewrite_archive(archive, changed, {name: bytes(data)})
    added = tmp_path / "added.tar.gz"
    rewrite_archive(archive, added, {}, add={"timeclock-kiosk-1.2.3/_internal/sitecustomize.py": b"import os\n"})
    missing = tmp_path / "missing.tar.gz"
    rewrite_archive(archive, missing, {"timeclock-kiosk-1.2.3/_internal/base_library.zip": None})
    _, other_public = make_key_pair(tmp_path / "other")
    outside = tmp_path / "outside.tar.gz"
    rewrite_archive(archive, outside, {}, add={"timeclock-kiosk-1.2.3/../../etc/cron.d/evil": b"x"})
    cases = [
        (
            changed,
            keys[1],
            "does not match its signed manifest; changed: _internal/resources/models/face_landmarker.task",
        ),
        (added, keys[1], "does not match its signed manifest; not in the manifest: _internal/sitecustomize.py"),
        (missing, keys[1], "does not match its signed manifest; missing: _internal/base_library.zip"),
        (archive, other_public, "manifest is not signed by the release key"),
        (outside, keys[1], "has entries outside its folder"),
    ]
    for bad, public, message in cases:
        root = tmp_path / f"root-{bad.stem}-{public.parent.name}"
        root.mkdir()
        result = install(root, public, bad)
        assert result.returncode == 1, (bad, result.stdout)
        assert message in result.stderr, (bad, result.stderr)
        assert not (root / "opt" / APP / "current").exists(), bad
        assert [path.name for path in (root / "opt" / APP).glob("*")] == [], bad
        assert not (root / "etc" / "systemd").exists(), bad


def test_bad_arguments_are_refused_with_a_clear_message(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    archive = release_archive(tmp_path / "release", keys[0], "1.2.3")
    root = tmp_path / "root"
    root.mkdir()
    script = str(LINUX / "install.sh")
    for arguments, message in [
        ([str(archive)], "give the release public key with --pub FILE"),
        (["--pub", str(keys[1])], "give the release archive"),
        (["--pub", str(tmp_path / "none.pub"), str(archive)], "the release public key"),
        (["--pub", str(keys[1]), str(tmp_path / "none.tar.gz")], "none.tar.gz does not exist"),
        (["--pub", str(keys[1]), "--colour", str(archive)], "unknown option --colour"),
        (["--pub", str(keys[1]), str(keys[1])], "is not a readable .tar.gz"),
    ]:
        result = subprocess.run(
            ["bash", script, "--root", str(root), *arguments], capture_output=True, text=True, check=False, timeout=60
        )
        assert result.returncode == 1 and message in result.stderr, (arguments, result.stderr)
    assert list(root.iterdir()) == []


def test_another_release_key_is_pinned_only_on_purpose(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    root = tmp_path / "root"
    root.mkdir()
    assert install(root, keys[1], release_archive(tmp_path / "one", keys[0], "1.2.3")).returncode == 0
    other_private, other_public = make_key_pair(tmp_path / "other")
    newer = release_archive(tmp_path / "two", other_private, "2.0.0")
    refused = install(root, other_public, newer)
    assert refused.returncode == 1
    assert "this kiosk trusts another release key" in refused.stderr and "--replace-key" in refused.stderr
    assert os.readlink(root / "opt" / APP / "current") == "1.2.3"
    accepted = install(root, other_public, newer, "--replace-key")
    assert accepted.returncode == 0, accepted.stderr
    assert (root / "etc" / APP / "release.pub").read_bytes() == other_public.read_bytes()
    assert os.readlink(root / "opt" / APP / "current") == "2.0.0"


def test_uninstall_keeps_the_data_unless_purged(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    root = tmp_path / "root"
    root.mkdir()
    assert install(root, keys[1], release_archive(tmp_path / "one", keys[0], "1.2.3")).returncode == 0
    (root / "var" / "lib" / APP / "kiosk.db").write_bytes(b"punches")
    kept = uninstall(root)
    assert kept.returncode == 0, kept.stderr
    assert sorted(layout(root)) == sorted([
        "/etc", "/etc/pam.d", "/etc/systemd", "/etc/systemd/system", f"/etc/{APP}", f"/etc/{APP}/kiosk.env",
        f"/etc/{APP}/release.pub", "/opt", "/usr", "/usr/local", "/usr/local/bin", "/usr/local/lib", "/var",
        "/var/cache", "/var/lib",
        f"/var/lib/{APP}", f"/var/lib/{APP}/kiosk.db", f"/var/lib/{APP}-secrets",
    ])  # fmt: skip
    assert f"{APP}:" in (root / "etc" / "passwd").read_text()
    purged = uninstall(root, "--purge")
    assert purged.returncode == 0, purged.stderr
    assert not (root / "var" / "lib" / APP).exists() and not (root / "etc" / APP).exists()
    assert f"{APP}:" not in (root / "etc" / "passwd").read_text()
    shutil.rmtree(root)


def test_the_update_root_is_pinned_and_another_one_needs_replace_key(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    from kiosk.services.update_repository import UpdateRepository

    root = tmp_path / "root"
    root.mkdir()
    archive = release_archive(tmp_path / "one", keys[0], "1.2.3")
    repository = UpdateRepository.create(tmp_path / "repository", tmp_path / "tuf-keys", now=BUILT)
    trusted = tmp_path / "root.json"
    trusted.write_bytes(repository.root_bytes())
    not_root = repository.metadata_dir / "timestamp.json"
    refused = install(root, keys[1], archive, "--update-root", str(not_root))
    assert refused.returncode == 1
    assert "is not TUF root metadata" in refused.stderr
    assert not (root / "opt").exists()
    assert install(root, keys[1], archive, "--update-root", str(trusted)).returncode == 0
    assert (root / "etc" / APP / "update-root.json").read_bytes() == trusted.read_bytes()
    other = UpdateRepository.create(tmp_path / "other", tmp_path / "other-keys", now=BUILT)
    other_root = tmp_path / "other-root.json"
    other_root.write_bytes(other.root_bytes())
    again = install(root, keys[1], archive, "--update-root", str(other_root))
    assert again.returncode == 1
    assert "trusts another update repository" in again.stderr
    assert (root / "etc" / APP / "update-root.json").read_bytes() == trusted.read_bytes()


def test_the_kiosk_user_can_stage_and_switch_but_not_touch_what_root_installed(
    tmp_path: Path, keys: tuple[Path, Path]
) -> None:
    require_programs("setpriv", packages="util-linux")
    root = tmp_path / "root"
    root.mkdir()
    tmp_path.chmod(0o755)  # the kiosk's user must reach the temporary root
    assert install(root, keys[1], release_archive(tmp_path / "one", keys[0], "1.2.3")).returncode == 0
    user = next(line for line in (root / "etc" / "passwd").read_text().splitlines() if line.startswith(f"{APP}:"))
    uid, gid = user.split(":")[2:4]
    prefix = root / "opt" / APP

    def as_kiosk(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "sh", "-c", script],
            cwd=prefix, capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip

    staged = as_kiosk("mkdir 1.3.0 && ln -s 1.3.0 .current-new && mv -T .current-new current")
    assert staged.returncode == 0, staged.stderr
    assert os.readlink(prefix / "current") == "1.3.0"
    for attack in ("rm -rf 1.2.3", "mv 1.2.3 moved", "touch 1.2.3/timeclock-kiosk"):
        assert as_kiosk(attack).returncode != 0, attack
    assert (prefix / "1.2.3" / "MANIFEST").is_file()
