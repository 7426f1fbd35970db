"""Build, smoke-test and sign a release: `python packaging/build.py --key DIR/release.key --out OUT`.

(`python3 run.py build ...` sets up the environment and fetches the models first, then runs this.)

1. PyInstaller builds the one-folder app from packaging/timeclock-kiosk.spec (or `--dist FOLDER` takes a folder
   built before, for example on another machine).
2. The folder is staged as `timeclock-kiosk-VERSION/` and a copy of it, in a temporary folder far from the source
   tree and with an environment that holds nothing of the developer's (no Python path, no keyring, a fresh home),
   runs the **frozen** app: `selftest --frame PHOTO` (database, secret store, face models, a real photo through
   landmarks and encoding) and `timesheet` on packaging/smoke/'s sample files, whose output must be the expected
   CSV byte for byte. The copy must still hold exactly the staged files afterwards (an app that writes into its
   own folder would fail its own `verify` once installed).
3. Only then is the manifest written and signed, and the archive `OUT/timeclock-kiosk-VERSION-PLATFORM.tar.gz`
   packed; it is verified with the public key before the command says it is done, and the frozen app's own
   `verify` must accept it too. A build whose frozen app fails leaves no archive and no signature.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.services.release import (  # noqa: E402
    APP_NAME,
    ReleaseProblem,
    archive_name,
    build_time,
    current_platform,
    load_private_key,
    manifest_of_folder,
    pack,
    release_folder_name,
    sign_folder,
    verify_archive,
)

SPEC = ROOT / "packaging" / "timeclock-kiosk.spec"
SMOKE = ROOT / "packaging" / "smoke"
SMOKE_TIMEOUT_S = 600
EXECUTABLE = f"{APP_NAME}.exe" if os.name == "nt" else APP_NAME
DEFAULT_FRAME = Path("people") / "barack_obama" / "fr_obama-240p.jpg"


class BuildFailed(Exception):
    """The build stopped; the message says at which step and why. Nothing was signed."""


def project_version() -> str:
    """The version in pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def default_frame() -> Path:
    """A real photo of one face from the shared test data ($TIMECLOCK_FACES, else ../shared/faces)."""
    faces = Path(os.environ.get("TIMECLOCK_FACES") or ROOT.parent / "shared" / "faces")
    return faces / DEFAULT_FRAME


def run_pyinstaller(work: Path) -> Path:
    """Build the one-folder app into `work` and return its folder."""
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(SPEC),
    ]  # fmt: skip
    say(f"building with PyInstaller ({SPEC.relative_to(ROOT)})")
    done = subprocess.run(command, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise BuildFailed(f"PyInstaller failed (exit {done.returncode}); its log is above")
    return work / "dist" / APP_NAME


def clean_environment(home: Path) -> dict[str, str]:
    """An environment like a kiosk PC's: nothing of this checkout's Python, no session bus, a fresh home."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TEMP", "TMP", "WINDIR", "PROGRAMDATA", "TIMECLOCK_FACES")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        HOME=str(home),
        USERPROFILE=str(home),
        LOCALAPPDATA=str(home / "AppData" / "Local"),
        APPDATA=str(home / "AppData" / "Roaming"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def run_frozen(folder: Path, arguments: Sequence[str], env: dict[str, str], cwd: Path) -> str:
    """Run the frozen app with `arguments`; its output, or BuildFailed with it."""
    command = [str(folder / EXECUTABLE), *arguments]
    say(f"frozen app: {' '.join(arguments)}")
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=SMOKE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BuildFailed(f"the frozen app could not run `{' '.join(arguments)}`: {error}") from error
    if done.returncode != 0:
        raise BuildFailed(
            f"the frozen app failed `{' '.join(arguments)}` (exit {done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def smoke_test(staged: Path, frame: Path) -> None:
    """Run the frozen app from a copy of `staged` in a temporary folder; BuildFailed when anything is wrong."""
    if not frame.is_file():
        raise BuildFailed(f"the smoke test's photo {frame} does not exist (give one with --frame PHOTO)")
    probe_time = build_time()
    before = manifest_of_folder(staged, version="probe", built=probe_time, platform="probe")
    with tempfile.TemporaryDirectory(prefix="timeclock-smoke-") as temporary:
        place = Path(temporary)
        copy = place / staged.name
        shutil.copytree(staged, copy, symlinks=True)
        home = place / "home"
        home.mkdir()
        env = clean_environment(home)
        selftest = run_frozen(copy, ["selftest", "--data-dir", str(place / "data"), "--frame", str(frame)], env, place)
        print(selftest, end="", flush=True)
        timesheet = run_frozen(
            copy,
            ["timesheet", "--tz", "Asia/Manila", "--punches", str(SMOKE / "punches.csv"),
             "--employees", str(SMOKE / "employees.csv"), "--rules", str(SMOKE / "rules.toml")],
            env,
            place,
        )  # fmt: skip
        expected = (SMOKE / "expected-timesheet.csv").read_text(encoding="utf-8")
        if timesheet.replace("\r\n", "\n") != expected:
            raise BuildFailed(f"the frozen app's timesheet differs from the expected one:\n{timesheet}")
        after = manifest_of_folder(copy, version="probe", built=probe_time, platform="probe")
        if after != before:
            added = sorted(set(after.files) - set(before.files))
            raise BuildFailed(f"the frozen app wrote into its own folder ({', '.join(added) or 'changed files'})")


def build(key_path: Path, out: Path, frame: Path, dist: Path | None, work: Path | None) -> Path:
    """The whole build; returns the signed, verified archive."""
    key = load_private_key(key_path)  # a wrong key stops the build before its slow part
    version, platform = project_version(), current_platform()
    archive = out / archive_name(version, platform)
    out.mkdir(parents=True, exist_ok=True)
    if archive.exists():
        raise BuildFailed(f"{archive} already exists; a release is never overwritten (remove it or choose --out)")
    with tempfile.TemporaryDirectory(prefix="timeclock-build-", dir=work) as temporary:
        place = Path(temporary)
        built = dist if dist is not None else run_pyinstaller(place)
        if not (built / EXECUTABLE).is_file():
            raise BuildFailed(f"{built} holds no {EXECUTABLE}: not a one-folder build of the kiosk")
        staged = place / release_folder_name(version)
        shutil.copytree(built, staged, symlinks=True)
        for name in ("MANIFEST", "MANIFEST.sig"):  # a --dist folder taken from an earlier release
            (staged / name).unlink(missing_ok=True)
        smoke_test(staged, frame)
        manifest = sign_folder(staged, key, version=version, platform=platform, built=build_time())
        say(f"signed the manifest of {len(manifest.files)} files; packing {archive.name}")
        pack(staged, archive)
        try:
            verify_archive(archive, key.public_key())
            with tempfile.TemporaryDirectory(prefix="timeclock-pub-") as keys:
                public = Path(keys) / "release.pub"
                public.write_bytes(
                    key.public_key().public_bytes(
                        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                    )
                )
                print(run_frozen(staged, ["verify", "--pub", str(public), str(archive)], os.environ.copy(), place))
        except (ReleaseProblem, BuildFailed):
            archive.unlink(missing_ok=True)
            raise
    return archive


def say(message: str) -> None:
    print(f"[build] {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build the one-folder kiosk with PyInstaller, smoke-test it frozen, sign it."
    )
    parser.add_argument("--key", type=Path, required=True, metavar="FILE", help="the release private key")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the archive is written")
    parser.add_argument(
        "--frame", type=Path, metavar="PHOTO", help="a photo of one face for the frozen selftest "
        f"(default: $TIMECLOCK_FACES/{DEFAULT_FRAME.as_posix()})"
    )  # fmt: skip
    parser.add_argument(
        "--dist", type=Path, metavar="FOLDER", help="sign a one-folder build made before instead of building"
    )
    parser.add_argument("--work", type=Path, metavar="DIR", help="where the temporary build folder goes")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        archive = build(args.key, args.out, args.frame or default_frame(), args.dist, args.work)
    except (BuildFailed, ReleaseProblem) as problem:
        print(f"build FAILED, nothing signed: {problem}", file=sys.stderr)
        return 1
    size = archive.stat().st_size
    print(f"built {archive} ({size / 1e6:.1f} MB) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
