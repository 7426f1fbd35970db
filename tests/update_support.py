"""Real parts for the update tests: small real release archives, a TUF repository, and a loopback HTTP server.

A small release has the installed layout of a real one (`timeclock-kiosk-VERSION/` with the signed `MANIFEST`) and
a real program as its entry point: `timeclock-kiosk`, a Python script run by this checkout's interpreter, which
answers `selftest` (passing or failing, as built) and, run as the kiosk, does what the real kiosk does with its
updater (`tests/small_kiosk.py`): confirm its own trial, or check for an update, stage it and switch.
"""

from __future__ import annotations

import http.server
import os
import shutil
import sys
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.services.release import load_private_key, make_key_pair, pack, sign_folder
from kiosk.services.updates import Installation

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = "linux-x86_64"
BUILT = datetime(2026, 11, 2, 8, 30, 15, tzinfo=UTC)


def small_release(
    parent: Path,
    version: str,
    release_key: Path,
    *,
    selftest: str = "pass",
    run: str = "normal",
    payload_bytes: int = 256 * 1024,
) -> Path:
    """A signed, packed small release; `selftest` is "pass" or "fail", `run` "normal" or "crash"; `payload_bytes` of
    incompressible data stand in for the libraries and models of a real one."""
    folder = parent / f"timeclock-kiosk-{version}"
    folder.mkdir(parents=True)
    program = folder / "timeclock-kiosk"
    program.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.small_kiosk import main\n"
        f"sys.exit(main(sys.argv[1:], selftest={selftest!r}, run={run!r}, program=__file__))\n",
        encoding="utf-8",
    )
    program.chmod(0o755)
    (folder / "_internal").mkdir()
    # Some weight, so that a cut download and the bytes downloaded mean something.
    (folder / "_internal" / "payload.bin").write_bytes(os.urandom(payload_bytes))
    (folder / "_internal" / "payload.so").symlink_to("payload.bin")
    sign_folder(folder, load_private_key(release_key), version=version, platform=PLATFORM, built=BUILT)
    archive = parent / f"timeclock-kiosk-{version}-{PLATFORM}.tar.gz"
    pack(folder, archive)
    return archive


def release_keys(folder: Path) -> tuple[Path, Path]:
    return make_key_pair(folder)


@dataclass
class Faults:
    """What the loopback server does wrong on purpose: cut a file short after some bytes, hold a file back until
    `release` is set (`asked` is set when it is asked for), count what it served."""

    cut_after: dict[str, int] = field(default_factory=dict)
    hold_back: str | None = None
    asked: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    served_bytes: int = 0
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(http.server.SimpleHTTPRequestHandler):
    faults: Faults

    def __init__(self, *args: Any, faults: Faults, **kwargs: Any) -> None:
        self.faults = faults
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `Faults.requests`."""

    def copyfile(self, source: Any, outputfile: Any) -> None:
        name = self.path.rsplit("/", 1)[-1]
        with self.faults.lock:
            self.faults.requests.append(self.path)
        if self.faults.hold_back is not None and name.endswith(self.faults.hold_back):
            self.faults.asked.set()
            self.faults.release.wait(timeout=120)
        limit = next((count for suffix, count in self.faults.cut_after.items() if name.endswith(suffix)), None)
        data = source.read() if limit is None else source.read(limit)
        outputfile.write(data)
        with self.faults.lock:
            self.faults.served_bytes += len(data)
        if limit is not None:
            self.close_connection = True


@contextmanager
def serve(folder: Path, faults: Faults | None = None) -> Iterator[tuple[str, Faults]]:
    """Serve `folder` over HTTP on the loopback address, in a thread; yields its URL and its fault switches."""
    faults = faults or Faults()
    handler = partial(_Handler, directory=str(folder), faults=faults)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="update-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", faults
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def install(base: Path, archive: Path, version: str) -> None:
    """Unpack a release as install.sh does: `base/VERSION/`, then `current` pointing at it."""
    base.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(base / ".unpack", filter="data")
    os.replace(base / ".unpack" / f"timeclock-kiosk-{version}", base / version)
    shutil.rmtree(base / ".unpack")
    Installation(base).switch_to(version)
