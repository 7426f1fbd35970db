"""System programs some tests use, beyond Python's packages: a missing one fails the test with the line that adds it.

`python3 run.py test` installs them when it runs as root on Debian (as CI does); see `TEST_SYSTEM_PACKAGES` there.
"""

from __future__ import annotations

import shutil

import pytest


def require_programs(*programs: str, packages: str) -> None:
    """Fail the calling test, naming the `apt-get install` line, unless every program is on PATH."""
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} needed for this test: apt-get install "
            f"{packages} (python3 run.py test installs it when run as root)"
        )
