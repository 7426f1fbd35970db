"""run.py, the first command on a fresh machine: uv where this Python has no pip to make a new environment with."""

from __future__ import annotations

import importlib.util
import platform
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_script", ROOT / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_the_uv_wheel_for_this_machine_is_taken() -> None:
    if not (sys.platform.startswith("linux") and platform.machine() == "x86_64" and platform.libc_ver()[0] == "glibc"):
        pytest.skip("the names below are those of a glibc x86-64 Linux machine")
    matches = run_script().uv_wheel_matches
    assert matches("uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    for other in (
        "uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl",
        "uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "uv-0.13.9-py3-none-win_amd64.whl",
        "uv-0.13.9-py3-none-macosx_10_12_x86_64.whl",
    ):
        assert not matches(other), other


def test_uv_is_fetched_from_pypi_checked_and_runs(tmp_path: Path) -> None:
    script = run_script()
    try:
        urllib.request.urlopen(script.PYPI_UV, timeout=10).close()
    except OSError as error:
        pytest.fail(f"PyPI is not reachable from here, and uv is fetched from it: {error}")
    target = tmp_path / "tools" / "bin" / "uv"
    script.download_uv(target)
    done = subprocess.run([str(target), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("uv ")


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("release-key", "--out DIR"),
        ("build", "--key FILE --out DIR"),
        ("verify", "[ARCHIVE|FOLDER]"),
    ],
)
def test_release_commands_run_the_programs_that_do_them(command: str, usage: str) -> None:
    program = run_script().COMMANDS[command]
    assert Path(program[0]).is_file()
    result = subprocess.run(
        [sys.executable, *program, "--help"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert usage in result.stdout
