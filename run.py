#!/usr/bin/env python3
"""Set up everything the kiosk and its tests need, then run one of them.

    python3 run.py kiosk [kiosk options]   start the kiosk (same options as main.py)
    python3 run.py test [pytest options]   run the whole test suite

On a fresh machine this installs uv (into .tools/ when it is not on PATH), creates .venv from uv.lock, fetches the
face-landmark model into resources/models/ and only then starts the requested program. Every step is skipped when
it is already done, so the second run starts at once. Only the standard library is used here, because nothing else
is installed yet when this runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
VENV = ROOT / ".venv"
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""


def say(message: str) -> None:
    print(f"[run.py] {message}", file=sys.stderr, flush=True)


def find_uv() -> str:
    """uv from PATH, else from our own tools environment, installing it there with pip on first use."""
    found = shutil.which("uv")
    if found:
        return found
    uv = TOOLS / BIN / f"uv{EXE}"
    if not uv.exists():
        say("installing uv into .tools/ (first run only)")
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        subprocess.run([str(TOOLS / BIN / f"python{EXE}"), "-m", "pip", "install", "--quiet", "uv"], check=True)
    return str(uv)


def sync_environment() -> Path:
    """Make .venv match uv.lock exactly (a no-op when it already does) and return its Python."""
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(VENV))
    subprocess.run([find_uv(), "sync", "--locked", "--quiet"], cwd=ROOT, check=True, env=env)
    return VENV / BIN / f"python{EXE}"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"kiosk", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    what, rest = argv[0], argv[1:]
    python = sync_environment()
    subprocess.run([str(python), str(ROOT / "main.py"), "fetch-models"], cwd=ROOT, check=True)
    command = [str(python), str(ROOT / "main.py"), *rest] if what == "kiosk" else [str(python), "-m", "pytest", *rest]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
