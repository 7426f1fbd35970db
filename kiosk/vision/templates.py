"""Encryption of face templates at rest (AES-256-GCM).

A sealed template is ``version (1 byte) | nonce (12 bytes) | ciphertext of 128 little-endian float32 | tag (16)``,
541 bytes in all. The nonce is random per template (96 bits: no realistic collision for the few thousand templates a
kiosk holds under one key). The associated data binds the blob to its employee, so a template copied onto another
employee's row in the database fails authentication instead of letting one person punch as another.

The 256-bit key lives in the secret store, never in the database; this module only takes the key bytes.
"""

from __future__ import annotations

import os
from collections.abc import Hashable

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.vision.matcher import ENCODING_SIZE, as_encoding

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_PLAIN_BYTES = ENCODING_SIZE * 4
SEALED_BYTES = 1 + NONCE_BYTES + _PLAIN_BYTES + TAG_BYTES
_ENCODING_DTYPE = np.dtype("<f4")


class TemplateIntegrityError(EnvironmentProblem):
    """A stored template failed authentication: wrong key, altered bytes, or moved to another employee."""


def generate_template_key() -> bytes:
    """A fresh random 256-bit key for `TemplateCipher`."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class TemplateCipher:
    """Seals and opens face templates with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        """Args:
        key: the 32-byte key from the secret store.
        """
        if len(key) != KEY_BYTES:
            raise RuleViolation("template_key", f"a template key has {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(key)

    @staticmethod
    def _associated_data(employee: Hashable) -> bytes:
        return f"timeclock-face-template/v{FORMAT_VERSION}/employee:{employee}".encode()

    def seal(self, encoding: npt.ArrayLike, employee: Hashable) -> bytes:
        """Encrypt one 128-value encoding for `employee`; the result is opaque bytes for the database."""
        plain = as_encoding(encoding).astype(_ENCODING_DTYPE).tobytes()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain, self._associated_data(employee))
        return bytes([FORMAT_VERSION]) + nonce + sealed

    def open(self, blob: bytes, employee: Hashable) -> npt.NDArray[np.float32]:
        """Decrypt a template sealed for `employee`, or raise TemplateIntegrityError when it does not authenticate."""
        if len(blob) != SEALED_BYTES or blob[0] != FORMAT_VERSION:
            raise TemplateIntegrityError(
                f"stored face template of employee {employee} is not a version-{FORMAT_VERSION} template "
                f"({len(blob)} bytes); re-enrol the employee"
            )
        nonce = blob[1 : 1 + NONCE_BYTES]
        try:
            plain = self._aead.decrypt(nonce, blob[1 + NONCE_BYTES :], self._associated_data(employee))
        except InvalidTag as error:
            raise TemplateIntegrityError(
                f"stored face template of employee {employee} failed authentication: the template key is not the one "
                "it was sealed with, or the stored bytes were altered; re-enrol the employee"
            ) from error
        return np.frombuffer(plain, dtype=_ENCODING_DTYPE).astype(np.float32)
