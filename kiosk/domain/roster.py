"""What a roster entry may hold: codes (company, site and department codes, employee numbers), names, daily rates.

Head office (`python -m central`) and the kiosk's supervisor screens check with the same functions, so a value is
refused with the same message wherever it is typed.

A code is unique within its company only (every company numbers its own employees from 1), and it ends up in file
names, mail subjects and web addresses, so it is kept to characters that are safe in all of them. The records
themselves are keyed by internal ids that nobody types; a code can therefore be checked here without the database.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from kiosk.domain.errors import RuleViolation

CODE_MAX = 64
CODE_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
ALLOWED = "1 to 64 letters, digits, '-', '_' or '.'"


def parse_code(value: object, field: str) -> str:
    """The code a person typed for `field` (for example "employee number"), without surrounding blanks.

    Raises:
        RuleViolation: `<field>_invalid` (spaces as underscores) with a message naming the field and what is allowed.
    """
    code = field.replace(" ", "_") + "_invalid"
    if not isinstance(value, str):
        raise RuleViolation(code, f"the {field} must be text of {ALLOWED}, not {value!r}")
    text = value.strip()
    if not text:
        raise RuleViolation(code, f"the {field} is required: {ALLOWED}")
    if not CODE_PATTERN.fullmatch(text):
        if len(text) > CODE_MAX:
            raise RuleViolation(code, f"the {field} is longer than {CODE_MAX} characters")
        raise RuleViolation(code, f"the {field} {text!r} is not allowed: use {ALLOWED}")
    return text


NAME_MAX = 100
LARGEST_DAILY_RATE = Decimal("1000000")


def parse_person_name(value: object, field: str) -> str:
    """A first or last name (`field` says which), its inner blanks folded to one space.

    Raises:
        RuleViolation: `first_name_missing` / `last_name_missing` or `..._too_long`.
    """
    key = field.replace(" ", "_")
    cleaned = " ".join(str(value).split()) if isinstance(value, str) else ""
    if not cleaned:
        raise RuleViolation(f"{key}_missing", f"the {field} is required")
    if len(cleaned) > NAME_MAX:
        raise RuleViolation(f"{key}_too_long", f"the {field} is longer than {NAME_MAX} characters")
    return cleaned


def parse_daily_rate(value: Decimal | int | str) -> Decimal:
    """A daily rate: an amount from 0 to 1,000,000 with at most two decimals.

    Raises:
        RuleViolation: `rate_invalid` for anything else (text that is no number, a negative or absurd amount,
            fractions of a cent, a float whose binary value is not the amount meant).
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise RuleViolation("rate_invalid", f"the daily rate must be an amount such as 800 or 812.50, not {value!r}")
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise RuleViolation(
            "rate_invalid", f"the daily rate {value!r} is not an amount such as 800 or 812.50"
        ) from None
    if not rate.is_finite() or not Decimal(0) <= rate <= LARGEST_DAILY_RATE:
        raise RuleViolation("rate_invalid", f"the daily rate must be from 0 to {LARGEST_DAILY_RATE:,}, not {value!r}")
    if rate != rate.quantize(Decimal("0.01")):
        raise RuleViolation("rate_invalid", f"the daily rate {value!r} has fractions of a cent")
    return rate
