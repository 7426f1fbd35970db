"""Addresses of the head-office web console that others write down: the links of the kiosk's review email and of
head office's held-report notice."""

from __future__ import annotations

import re
import uuid

from kiosk.domain.errors import RuleViolation

INCIDENT_PATH = "/incidents/{incident_id}"
UNRESOLVED_PATH = "/incidents?status=unresolved"
_BASE = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")


def parse_console_url(value: str) -> str:
    """The console's address as people give it (https://hq.example.com/console), without a trailing slash.

    Raises:
        RuleViolation: `console_url_invalid` for anything but an http(s) address without query or fragment.
    """
    url = value.strip().rstrip("/")
    if not _BASE.fullmatch(url) or len(url) > 300:
        raise RuleViolation("console_url_invalid", f"{value!r} is not a web address such as https://hq.example.com")
    return url


def incident_url(console_url: str, incident_id: uuid.UUID) -> str:
    """The console page of one missed clock-out incident."""
    return parse_console_url(console_url) + INCIDENT_PATH.format(incident_id=incident_id)


def unresolved_incidents_url(console_url: str) -> str:
    """The console's list of the missed clock-outs still to resolve (the banner's "Review now")."""
    return parse_console_url(console_url) + UNRESOLVED_PATH
