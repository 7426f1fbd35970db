"""The sealed face template as kiosks and head office both handle it: AES-256-GCM over opaque bytes.

Two formats:

* **1, a kiosk's own key** (a kiosk with no central database): ``1 | nonce (12) | ciphertext | tag (16)``, bound by
  its associated data to the employee.
* **2, a company key**: ``2 | key version (4, big-endian) | nonce (12) | ciphertext | tag (16)``, bound to the
  company, the key version and the employee. Every kiosk of the company holds the company's key (`wire.keys`), so a
  template enrolled at one kiosk opens at all of them; head office re-seals them all when it rotates the key.

The nonce is random per template (96 bits: no realistic collision for the templates of a company under one key).
A template copied onto another employee's row, or into another company, fails authentication instead of letting one
person punch as another.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.domain.errors import EnvironmentProblem, RuleViolation

LOCAL_FORMAT = 1
COMPANY_FORMAT = 2
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_VERSION_BYTES = 4


class TemplateIntegrityError(EnvironmentProblem):
    """A stored template failed authentication: wrong key, altered bytes, or moved to another employee."""


def key_version_of(blob: bytes) -> int | None:
    """The company key version a template is sealed under; None for a kiosk's own key (or unreadable bytes)."""
    if len(blob) > 1 + _VERSION_BYTES and blob[0] == COMPANY_FORMAT:
        return int.from_bytes(blob[1 : 1 + _VERSION_BYTES], "big")
    return None


def company_header(version: int) -> bytes:
    """The first bytes of every template sealed under this company key version."""
    return bytes([COMPANY_FORMAT]) + version.to_bytes(_VERSION_BYTES, "big")


class TemplateSealer:
    """Seals and opens template bytes with a kiosk's own key and/or the company's key versions.

    New templates are sealed under the newest company key when there is one, else under the kiosk's own key.
    """

    def __init__(
        self, own_key: bytes | None, company_id: str | None = None, company_keys: Mapping[int, bytes] | None = None
    ) -> None:
        """Args:
        own_key: the kiosk's own 32-byte key (format 1), if it has one.
        company_id: the company the company keys belong to.
        company_keys: the company's template keys by version (format 2).
        """
        company_keys = dict(company_keys or {})
        for key in (own_key, *company_keys.values()):
            if key is not None and len(key) != KEY_BYTES:
                raise RuleViolation("template_key", f"a template key has {KEY_BYTES} bytes, got {len(key)}")
        if company_keys and company_id is None:
            raise RuleViolation("template_key", "company keys need the company they belong to")
        if own_key is None and not company_keys:
            raise RuleViolation("template_key", "a template sealer needs at least one key")
        self._own = None if own_key is None else AESGCM(own_key)
        self._company_id = company_id
        self._company = {version: AESGCM(key) for version, key in company_keys.items()}
        self.current_version: int | None = max(self._company) if self._company else None

    @staticmethod
    def _own_data(employee: Hashable) -> bytes:
        return f"timeclock-face-template/v{LOCAL_FORMAT}/employee:{employee}".encode()

    def _company_data(self, version: int, employee: Hashable) -> bytes:
        binding = f"company:{self._company_id}/key:{version}/employee:{employee}"
        return f"timeclock-face-template/v{COMPANY_FORMAT}/{binding}".encode()

    def seal(self, plain: bytes, employee: Hashable) -> bytes:
        """Encrypt `plain` for `employee` under the newest company key, or the kiosk's own key."""
        nonce = os.urandom(NONCE_BYTES)
        if self.current_version is not None:
            version = self.current_version
            sealed = self._company[version].encrypt(nonce, plain, self._company_data(version, employee))
            return company_header(version) + nonce + sealed
        assert self._own is not None  # the constructor holds at least one key
        return bytes([LOCAL_FORMAT]) + nonce + self._own.encrypt(nonce, plain, self._own_data(employee))

    def open(self, blob: bytes, employee: Hashable, *, expected_plain_bytes: int | None = None) -> bytes:
        """Decrypt a template sealed for `employee`.

        Raises:
            TemplateIntegrityError: unknown format, a key this sealer does not hold, or bytes that do not
                authenticate.
        """
        fmt = blob[0] if blob else None
        if fmt == LOCAL_FORMAT and self._own is not None:
            aead, head, data = self._own, 1, self._own_data(employee)
        elif fmt == COMPANY_FORMAT and (version := key_version_of(blob)) in self._company:
            assert version is not None
            aead, head, data = self._company[version], 1 + _VERSION_BYTES, self._company_data(version, employee)
        else:
            what = (
                "this kiosk's own key"
                if fmt == LOCAL_FORMAT
                else f"company key version {key_version_of(blob)}"
                if fmt == COMPANY_FORMAT
                else "an unknown format"
            )
            raise TemplateIntegrityError(
                f"stored face template of employee {employee} is sealed under {what}, which this kiosk does not "
                "hold; re-enrol the employee"
            )
        size = None if expected_plain_bytes is None else head + NONCE_BYTES + expected_plain_bytes + TAG_BYTES
        if size is not None and len(blob) != size:
            raise TemplateIntegrityError(
                f"stored face template of employee {employee} has {len(blob)} bytes, not {size}"
            )
        try:
            return aead.decrypt(blob[head : head + NONCE_BYTES], blob[head + NONCE_BYTES :], data)
        except InvalidTag as error:
            raise TemplateIntegrityError(
                f"stored face template of employee {employee} failed authentication: the template key is not the one "
                "it was sealed with, or the stored bytes were altered; re-enrol the employee"
            ) from error
