"""PIN hashing: scrypt with a salt per PIN and a pepper kept in the secret store.

A PIN has few digits, so a stolen database alone must not be enough to try them all offline: the pepper lives in the
secret store, not in the database, and scrypt makes every guess cost memory and time.
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


def hash_pin(pin: str, pepper: str, digits: tuple[int, int] = EMPLOYEE_PIN_DIGITS) -> str:
    """The text to store for `pin`: scheme, cost parameters, salt and hash, so the parameters can change later."""
    check_pin_format(pin, digits)
    salt = secrets.token_bytes(16)
    digest = _derive(pin, salt, pepper, (COST, BLOCK_SIZE, PARALLELISM))
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return f"{SCHEME}${COST}${BLOCK_SIZE}${PARALLELISM}${encoded[0]}${encoded[1]}"


def verify_pin(pin: str, stored: str, pepper: str) -> bool:
    """True when `pin` matches the stored hash; compared in constant time."""
    try:
        scheme, cost, block_size, parallelism, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = _derive(pin, base64.b64decode(salt), pepper, (int(cost), int(block_size), int(parallelism)))
    except ValueError:
        return False
    return hmac.compare_digest(expected, actual)
