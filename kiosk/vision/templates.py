"""Encryption of face templates at rest (AES-256-GCM), for 128-value encodings.

The byte format is the one kiosks and head office share (`wire.templates`): a kiosk with no central database seals
under its own key (format 1, 541 bytes); a kiosk of a company seals under the company's newest template key
(format 2, 545 bytes) and opens every version of it that it holds, so a face enrolled at one kiosk of the company is
recognised at all of them. The associated data binds every blob to its employee, so a template copied onto another
employee's row fails authentication instead of letting one person punch as another.

The keys live in the secret store (the kiosk's own) or arrive wrapped for this kiosk alone (the company's), never in
the database in the clear; this module only takes the key bytes.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.vision.matcher import ENCODING_SIZE, as_encoding
from wire.templates import (
    KEY_BYTES,
    LOCAL_FORMAT,
    NONCE_BYTES,
    TAG_BYTES,
    TemplateIntegrityError,
    TemplateSealer,
)

__all__ = [
    "COMPANY_SEALED_BYTES",
    "FORMAT_VERSION",
    "KEY_BYTES",
    "SEALED_BYTES",
    "TemplateCipher",
    "TemplateIntegrityError",
    "generate_template_key",
]

FORMAT_VERSION = LOCAL_FORMAT
_PLAIN_BYTES = ENCODING_SIZE * 4
SEALED_BYTES = 1 + NONCE_BYTES + _PLAIN_BYTES + TAG_BYTES
COMPANY_SEALED_BYTES = SEALED_BYTES + 4
_ENCODING_DTYPE = np.dtype("<f4")


def generate_template_key() -> bytes:
    """A fresh random 256-bit key for `TemplateCipher`."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class TemplateCipher:
    """Seals and opens face templates: under the company's newest key when given one, else the kiosk's own."""

    def __init__(
        self, key: bytes | None, *, company_id: str | None = None, company_keys: Mapping[int, bytes] | None = None
    ) -> None:
        """Args:
        key: the kiosk's own 32-byte key from the secret store (None when it has none).
        company_id: the company of `company_keys`.
        company_keys: the company's template keys by version.
        """
        self._sealer = TemplateSealer(key, company_id, company_keys)

    @property
    def current_version(self) -> int | None:
        """The company key version new templates are sealed under; None for the kiosk's own key."""
        return self._sealer.current_version

    def seal(self, encoding: npt.ArrayLike, employee: Hashable) -> bytes:
        """Encrypt one 128-value encoding for `employee`; the result is opaque bytes for the database."""
        return self._sealer.seal(as_encoding(encoding).astype(_ENCODING_DTYPE).tobytes(), employee)

    def open(self, blob: bytes, employee: Hashable) -> npt.NDArray[np.float32]:
        """Decrypt a template sealed for `employee`, or raise TemplateIntegrityError when it does not authenticate."""
        plain = self._sealer.open(blob, employee, expected_plain_bytes=_PLAIN_BYTES)
        return np.frombuffer(plain, dtype=_ENCODING_DTYPE).astype(np.float32)
