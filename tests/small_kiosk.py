"""The entry point of the small real releases the update tests install (see tests/update_support.py).

Run as the kiosk it does what the real kiosk does with its updater, on the same code: a version on trial confirms
itself (the real kiosk does so once it has kept its idle screen), any other version checks its update source, and
switches to a staged version (the tests run it at an idle moment inside the window) and exits with the switch code.
It records each start in DATA/runs.log. Settings come from the environment the tests give the launcher.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kiosk.services.release import load_public_key
from kiosk.services.updates import SWITCH_EXIT_CODE, KioskUpdater, UpdateProblem, running_release


def main(argv: list[str], *, selftest: str, run: str, program: str) -> int:
    release = running_release(Path(program))
    data = Path(os.environ["TIMECLOCK_DATA_DIR"])
    if argv[:1] == ["selftest"]:
        if selftest != "pass":
            print("FAIL  database: this build cannot open the database (built to fail)")
            return 1
        print("ok    database")
        return 0
    with (data / "runs.log").open("a", encoding="utf-8") as log:
        log.write(f"{release.version} started\n")
    if run == "crash":
        return 3
    updater = KioskUpdater(
        data_dir=data,
        running=release,
        release_key=load_public_key(Path(os.environ["TIMECLOCK_RELEASE_PUB"])),
        source=os.environ.get("TIMECLOCK_UPDATE_SOURCE"),
        pinned_root=Path(os.environ["TIMECLOCK_UPDATE_ROOT"]),
        platform="linux-x86_64",
    )
    if updater.confirm_trial():
        return 0
    try:
        staged = updater.check().staged
    except UpdateProblem as problem:
        print(f"update refused: {problem}", file=sys.stderr)
        staged = None
    if staged:
        updater.switch()
        return SWITCH_EXIT_CODE
    return 0
