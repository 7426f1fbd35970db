"""Pure rules of releases and updates: how versions are ordered, when a switch may happen, where updates come from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from urllib.parse import urlparse

from kiosk.domain.errors import RuleViolation

DEFAULT_UPDATE_WINDOW = "01:00-04:00"
_RELEASE_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*")


def release_version_key(version: str) -> tuple[int, ...]:
    """The order of release versions (`0.10.0` after `0.9.1`).

    Raises:
        RuleViolation: the version is not dotted numbers, the only form updates compare.
    """
    if not _RELEASE_VERSION.fullmatch(version):
        raise RuleViolation(
            "release_version_format", f"the release version {version!r} is not dotted numbers such as 1.4.0"
        )
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True, slots=True)
class UpdateWindow:
    """The hours of site time in which a staged version may be switched to; it may run past midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> UpdateWindow:
        """`HH:MM-HH:MM`, for example `01:00-04:00` or `23:30-02:00`.

        Raises:
            RuleViolation: anything else, or a window of no length.
        """
        start_text, separator, end_text = text.strip().partition("-")
        try:
            if not separator:
                raise ValueError(text)
            start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        except ValueError as error:
            raise RuleViolation(
                "update_window_format", f"the update window {text!r} is not HH:MM-HH:MM (for example 01:00-04:00)"
            ) from error
        if start == end:
            raise RuleViolation("update_window_empty", f"the update window {text!r} has no length")
        return cls(start, end)

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def normalise_update_source(source: str) -> str:
    """An update source as a URL: `https://...` and `http://...` as given, a folder (or `file://` URL) as `file://`.

    Raises:
        RuleViolation: an empty source or another URL scheme.
    """
    text = source.strip()
    if not text:
        raise RuleViolation("update_source_empty", "the update source is empty: give an https:// URL or a folder")
    scheme = urlparse(text).scheme.lower()
    if scheme in ("http", "https", "file"):
        return text.rstrip("/")
    if scheme and len(scheme) > 1:  # one letter is a Windows drive
        raise RuleViolation(
            "update_source_scheme", f"the update source {text!r} is neither an http(s):// URL nor a folder"
        )
    return Path(text).absolute().as_uri()
