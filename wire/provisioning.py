"""What a kiosk is given to join the central database: its profile, carried in a one-time token.

Head office makes the token when it registers a kiosk (`central.kiosks`); the kiosk reads it back when it is
provisioned (`sync.credentials`). Both sides also compute PostgreSQL's SCRAM verifier here: head office for the
kiosk's first password, the kiosk for the password it replaces it with, so no plain password reaches the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

from kiosk.domain.errors import RuleViolation

TOKEN_PREFIX = "tck1."  # noqa: S105 - the format mark of a token, not a secret
SCRAM_ITERATIONS = 4096


@dataclass(frozen=True, slots=True)
class CentralProfile:
    """Everything a kiosk needs to log in to the central database as itself.

    Attributes:
        host: server host name; with TLS this is the name the certificate must carry.
        port: server TCP port.
        dbname: database name.
        user: the kiosk's own login role.
        password: its password (lives only in the secret store and in memory).
        kiosk_id: the kiosk's id (UUID text) in the central `kiosks` table.
        company_id: the company the kiosk belongs to.
        site_id: the site it stands at.
        require_tls: connect with `sslmode=verify-full` and refuse anything less.
        ca_pem: the CA certificate (PEM) the server's certificate must chain to.
        private_key: the private half (hex) of the X25519 key pair the company's key sets are wrapped for
            (`wire.keys`); head office's first one in the token, the kiosk's own once provisioned.
    """

    host: str
    port: int
    dbname: str
    user: str
    password: str
    kiosk_id: str
    company_id: str
    site_id: str
    require_tls: bool = True
    ca_pem: str | None = None
    private_key: str | None = None

    def to_json(self) -> str:
        """The profile as JSON text, for the secret store."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CentralProfile:
        """Read a profile back; a damaged one is a clear error, not a crash."""
        try:
            data = json.loads(text)
            return cls(**data)
        except (ValueError, TypeError) as error:
            raise RuleViolation(
                "profile_damaged", f"the stored central database profile is damaged: {error}"
            ) from error

    def with_password(self, password: str, private_key: str | None = None) -> CentralProfile:
        """A copy with another password (after the kiosk changed its own), and another key pair when given."""
        data = asdict(self)
        data["password"] = password
        if private_key is not None:
            data["private_key"] = private_key
        return CentralProfile(**data)


def encode_token(profile: CentralProfile) -> str:
    """The one-time provisioning token that carries `profile`."""
    return TOKEN_PREFIX + base64.urlsafe_b64encode(profile.to_json().encode()).decode().rstrip("=")


def decode_token(token: str) -> CentralProfile:
    """The profile inside a provisioning token; anything else is a clear error."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX):
        raise RuleViolation("bad_token", "this is not a kiosk provisioning token (they start with 'tck1.')")
    body = token[len(TOKEN_PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise RuleViolation("bad_token", "the provisioning token is damaged: copy it again in full") from error
    return CentralProfile.from_json(data)


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677), computed here so the
    plain password never travels to the server or shows in its statement log."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
