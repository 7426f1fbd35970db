"""A company's keys, and how they travel wrapped so that only their recipient can open them.

Every company has one key set, made at head office: a 256-bit key that seals its face templates, with a version
that changes when the key is rotated, and a PIN pepper that never changes (a PIN cannot be hashed again without the
PIN). The set travels only *wrapped*: encrypted to one recipient's X25519 public key (an ephemeral X25519 exchange,
HKDF-SHA256, AES-256-GCM, the HPKE base mode in miniature). A recipient is either one kiosk, whose private key stays
in its secret store, or head office, whose private key lives in a file at head office (`central.keys`). The central
database holds public keys and wrapped sets only, never a key that opens a template.

The associated data of a wrap names the company, the key version and the recipient, so a wrapped set copied onto
another kiosk's, version's or company's row fails to open instead of being taken for what it is not.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.domain.errors import EnvironmentProblem, RuleViolation

WRAP_FORMAT = 1
KEY_BYTES = 32
NONCE_BYTES = 12
HEAD_OFFICE = "head-office"
_INFO = b"timeclock company key set/v1"


class KeyUnwrapError(EnvironmentProblem):
    """A wrapped key set did not open: another recipient's, another company's or version's, or altered."""


@dataclass(frozen=True, slots=True)
class CompanyKeySet:
    """One version of a company's keys.

    Attributes:
        company_id: the company.
        version: the template key's version (1, then one more at each rotation).
        template_key: the 32-byte AES-256-GCM key of face templates.
        pepper_id: names the PIN pepper, written into every PIN hash made with it.
        pin_pepper: the PIN pepper (kept across rotations).
    """

    company_id: str
    version: int
    template_key: bytes
    pepper_id: str
    pin_pepper: str

    @classmethod
    def new(cls, company_id: str) -> CompanyKeySet:
        """The first key set of a company."""
        return cls(
            company_id, 1, AESGCM.generate_key(bit_length=256), "c" + secrets.token_hex(6), secrets.token_hex(32)
        )

    def rotated(self) -> CompanyKeySet:
        """The next version: a new template key, the same pepper."""
        return CompanyKeySet(
            self.company_id, self.version + 1, AESGCM.generate_key(bit_length=256), self.pepper_id, self.pin_pepper
        )

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "company_id": self.company_id,
                "version": self.version,
                "template_key": self.template_key.hex(),
                "pepper_id": self.pepper_id,
                "pin_pepper": self.pin_pepper,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> CompanyKeySet:
        values = json.loads(data)
        return cls(
            str(values["company_id"]),
            int(values["version"]),
            bytes.fromhex(values["template_key"]),
            str(values["pepper_id"]),
            str(values["pin_pepper"]),
        )


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An X25519 key pair; `private` is 32 raw bytes."""

    private: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(
            X25519PrivateKey.generate().private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
            )
        )

    @classmethod
    def from_hex(cls, text: str) -> KeyPair:
        """A key pair from its private half in hex; anything else is a clear error."""
        try:
            private = bytes.fromhex(text)
        except ValueError:
            private = b""
        if len(private) != KEY_BYTES:
            raise RuleViolation("bad_private_key", f"a private key is {KEY_BYTES} bytes written in hex")
        return cls(private)

    @property
    def public(self) -> bytes:
        return (
            X25519PrivateKey.from_private_bytes(self.private)
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )


def _context(company_id: str, version: int, recipient: str) -> bytes:
    return f"company:{company_id}/version:{version}/recipient:{recipient}".encode()


def _derive(shared: bytes, ephemeral: bytes, recipient_public: bytes, context: bytes) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=ephemeral + recipient_public, info=_INFO + context)
    return kdf.derive(shared)


def wrap(keys: CompanyKeySet, recipient_public: bytes, recipient: str) -> bytes:
    """`keys` encrypted to one recipient (a kiosk id, or `HEAD_OFFICE`) and its public key."""
    if len(recipient_public) != KEY_BYTES:
        raise RuleViolation("bad_public_key", f"a public key is {KEY_BYTES} bytes")
    context = _context(keys.company_id, keys.version, recipient)
    ephemeral = KeyPair.generate()
    shared = X25519PrivateKey.from_private_bytes(ephemeral.private).exchange(
        X25519PublicKey.from_public_bytes(recipient_public)
    )
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_derive(shared, ephemeral.public, recipient_public, context)).encrypt(
        nonce, keys.to_bytes(), context
    )
    return bytes([WRAP_FORMAT]) + ephemeral.public + nonce + sealed


def unwrap(blob: bytes, pair: KeyPair, *, company_id: str, version: int, recipient: str) -> CompanyKeySet:
    """Open a wrapped key set with the recipient's key pair.

    Raises:
        KeyUnwrapError: the wrap is not for this key pair, company, version and recipient, or was altered.
    """
    context = _context(company_id, version, recipient)
    head = 1 + KEY_BYTES + NONCE_BYTES
    if len(blob) <= head or blob[0] != WRAP_FORMAT:
        raise KeyUnwrapError(f"the wrapped key set of company {company_id} (version {version}) is damaged")
    ephemeral, nonce = blob[1 : 1 + KEY_BYTES], blob[1 + KEY_BYTES : head]
    shared = X25519PrivateKey.from_private_bytes(pair.private).exchange(X25519PublicKey.from_public_bytes(ephemeral))
    try:
        plain = AESGCM(_derive(shared, ephemeral, pair.public, context)).decrypt(nonce, blob[head:], context)
    except InvalidTag as error:
        raise KeyUnwrapError(
            f"the key set of company {company_id} (version {version}) was not wrapped for this key "
            f"({recipient}), or was altered"
        ) from error
    keys = CompanyKeySet.from_bytes(plain)
    if (keys.company_id, keys.version) != (company_id, version):
        raise KeyUnwrapError(f"the wrapped key set does not belong to company {company_id}, version {version}")
    return keys
