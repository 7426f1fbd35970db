"""Addresses of the head-office web console that others write down: the review email's link to an incident."""

from __future__ import annotations

import re
import uuid

from kiosk.domain.errors import RuleViolation

INCIDENT_PATH = "/incidents/{incident_id}"
_BASE = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")


def parse_console_url(value: str) -> str:
    """The console's address as people give it (https://hq.example.com/console), without a trailing slash.

    Raises:
        RuleViolation: `bad_console_url` for anything but an http(s) address without query or fragment.
    """
    url = value.strip().rstrip("/")
    if not _BASE.fullmatch(url) or len(url) > 300:
        raise RuleViolation("bad_console_url", f"{value!r} is not a web address such as https://hq.example.com")
    return url


def incident_url(console_url: str, incident_id: uuid.UUID) -> str:
    """The console page of one missed clock-out incident."""
    return parse_console_url(console_url) + INCIDENT_PATH.format(incident_id=incident_id)
