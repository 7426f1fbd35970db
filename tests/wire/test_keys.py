"""A company's key set wrapped for one recipient: only that recipient opens it, and only as what it was made for."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import RuleViolation
from wire.keys import HEAD_OFFICE, CompanyKeySet, KeyPair, KeyUnwrapError, unwrap, wrap


def test_the_recipient_opens_its_wrap_and_nobody_else_does() -> None:
    keys = CompanyKeySet.new("acme")
    kiosk, stranger = KeyPair.generate(), KeyPair.generate()
    wrapped = wrap(keys, kiosk.public, "kiosk-1")

    assert unwrap(wrapped, kiosk, company_id="acme", version=1, recipient="kiosk-1") == keys
    assert keys.template_key not in wrapped and keys.pin_pepper.encode() not in wrapped
    with pytest.raises(KeyUnwrapError, match="not wrapped for this key"):
        unwrap(wrapped, stranger, company_id="acme", version=1, recipient="kiosk-1")


@pytest.mark.parametrize(
    ("company", "version", "recipient"),
    [("beta", 1, "kiosk-1"), ("acme", 2, "kiosk-1"), ("acme", 1, "kiosk-2"), ("acme", 1, HEAD_OFFICE)],
)
def test_a_wrap_moved_to_another_company_version_or_recipient_does_not_open(
    company: str, version: int, recipient: str
) -> None:
    pair = KeyPair.generate()
    wrapped = wrap(CompanyKeySet.new("acme"), pair.public, "kiosk-1")
    with pytest.raises(KeyUnwrapError):
        unwrap(wrapped, pair, company_id=company, version=version, recipient=recipient)


@pytest.mark.parametrize("position", [0, 1, 40, 50, -1])
def test_any_changed_byte_is_detected(position: int) -> None:
    pair = KeyPair.generate()
    wrapped = bytearray(wrap(CompanyKeySet.new("acme"), pair.public, "kiosk-1"))
    wrapped[position] ^= 0x01
    with pytest.raises(KeyUnwrapError):
        unwrap(bytes(wrapped), pair, company_id="acme", version=1, recipient="kiosk-1")
    with pytest.raises(KeyUnwrapError, match="damaged"):
        unwrap(b"\x01short", pair, company_id="acme", version=1, recipient="kiosk-1")


def test_rotation_changes_the_template_key_and_keeps_the_pepper() -> None:
    first = CompanyKeySet.new("acme")
    second = first.rotated()
    assert (second.version, second.pepper_id, second.pin_pepper) == (2, first.pepper_id, first.pin_pepper)
    assert second.template_key != first.template_key and len(second.template_key) == 32


@pytest.mark.parametrize("text", ["", "zz", "00" * 31, "00" * 33])
def test_bad_private_keys_and_public_keys_are_refused(text: str) -> None:
    with pytest.raises(RuleViolation, match="32 bytes"):
        KeyPair.from_hex(text)
    with pytest.raises(RuleViolation, match="32 bytes"):
        wrap(CompanyKeySet.new("acme"), b"short", "kiosk-1")
