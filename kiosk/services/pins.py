"""PIN hashing: scrypt with a salt per PIN and a pepper kept out of the database.

A PIN has few digits, so a stolen database alone must not be enough to try them all offline: the pepper lives in the
secret store (or, for a company's kiosks, in the company's key set, wrapped for each kiosk: `wire.keys`), not in the
database, and scrypt makes every guess cost memory and time.

A hash names the pepper it was made with (its last field), so a kiosk knows which of the peppers it holds to use:
the company's, shared by all its kiosks, or a kiosk's own (`own_pepper_reference`). A hash of the first format,
with no reference, was made with the kiosk's own pepper.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from kiosk.domain.errors import RuleViolation

SCHEME = "scrypt"
# 2**14 x 8 x 1 costs 16 MiB and ~50 ms per guess on the kiosk: slow for a brute force, quick for one person.
COST, BLOCK_SIZE, PARALLELISM = 2**14, 8, 1
EMPLOYEE_PIN_DIGITS = (4, 8)
ADMIN_PIN_DIGITS = (6, 12)


def check_pin_format(pin: str, digits: tuple[int, int], what: str = "PIN") -> None:
    shortest, longest = digits
    if not pin.isdigit() or not shortest <= len(pin) <= longest or not pin.isascii():
        raise RuleViolation(
            "pin_format", f"the {what} must be {shortest} to {longest} digits", shortest=shortest, longest=longest
        )


def _derive(pin: str, salt: bytes, pepper: str, parameters: tuple[int, int, int]) -> bytes:
    cost, block_size, parallelism = parameters
    return hashlib.scrypt(
        pin.encode() + pepper.encode(), salt=salt, n=cost, r=block_size, p=parallelism, dklen=32, maxmem=64 * 2**20
    )


def own_pepper_reference(pepper: str) -> str:
    """The reference of a kiosk's own pepper: a fingerprint that tells kiosks apart and reveals nothing of it."""
    return "k" + hashlib.sha256(b"timeclock own pin pepper:" + pepper.encode()).hexdigest()[:12]


def pepper_reference(stored: str) -> str | None:
    """The pepper a stored hash names; None for a hash of the first format (the kiosk's own pepper)."""
    fields = stored.split("$")
    return fields[6] if len(fields) == 7 else None


def with_pepper_reference(stored: str, reference: str) -> str:
    """A first-format hash with the reference of the pepper it was made with added (the hash itself unchanged)."""
    return stored if pepper_reference(stored) is not None or len(stored.split("$")) != 6 else f"{stored}${reference}"


def hash_pin(
    pin: str, pepper: str, digits: tuple[int, int] = EMPLOYEE_PIN_DIGITS, *, reference: str | None = None
) -> str:
    """The text to store for `pin`: scheme, cost parameters, salt, hash and the pepper's reference (when given), so
    the parameters can change later and any kiosk knows which pepper to check it with."""
    check_pin_format(pin, digits)
    salt = secrets.token_bytes(16)
    digest = _derive(pin, salt, pepper, (COST, BLOCK_SIZE, PARALLELISM))
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    text = f"{SCHEME}${COST}${BLOCK_SIZE}${PARALLELISM}${encoded[0]}${encoded[1]}"
    return text if reference is None else f"{text}${reference}"


def verify_pin(pin: str, stored: str, pepper: str) -> bool:
    """True when `pin` matches the stored hash (made with `pepper`); compared in constant time."""
    try:
        scheme, cost, block_size, parallelism, salt, digest = stored.split("$")[:6]
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = _derive(pin, base64.b64decode(salt), pepper, (int(cost), int(block_size), int(parallelism)))
    except ValueError:
        return False
    return hmac.compare_digest(expected, actual)
