"""The code checks run as part of the suite, so the README's one test command proves them too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([str(BIN / "ruff"), "check", "."], id="ruff-lint"),
        pytest.param([str(BIN / "ruff"), "format", "--check", "."], id="ruff-format"),
        pytest.param([str(BIN / "lint-imports")], id="import-contracts"),
        pytest.param([sys.executable, "-m", "mypy"], id="mypy-strict"),
    ],
)
def test_code_check_passes(command: list[str]) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command[-2:])} failed:\n{result.stdout}\n{result.stderr}"
