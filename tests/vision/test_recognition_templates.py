"""Face templates sealed with AES-256-GCM: round trip, tampering, another employee's row, another key."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.vision.templates import (
    COMPANY_SEALED_BYTES,
    SEALED_BYTES,
    TemplateCipher,
    TemplateIntegrityError,
    generate_template_key,
)
from wire.templates import key_version_of


@pytest.fixture
def encoding() -> np.ndarray:
    rng = np.random.default_rng(11)
    row = rng.standard_normal(128).astype(np.float32)
    return row / np.linalg.norm(row)


def test_round_trip_gives_the_same_values_and_hides_them(encoding: np.ndarray) -> None:
    cipher = TemplateCipher(generate_template_key())

    sealed = cipher.seal(encoding, employee=42)

    assert len(sealed) == SEALED_BYTES
    assert encoding.astype("<f4").tobytes() not in sealed
    np.testing.assert_array_equal(cipher.open(sealed, employee=42), encoding)


def test_each_seal_uses_a_fresh_nonce(encoding: np.ndarray) -> None:
    cipher = TemplateCipher(generate_template_key())

    assert cipher.seal(encoding, employee=1) != cipher.seal(encoding, employee=1)


@pytest.mark.parametrize("position", [0, 5, 20, 300, SEALED_BYTES - 1])
def test_any_changed_byte_is_detected(encoding: np.ndarray, position: int) -> None:
    cipher = TemplateCipher(generate_template_key())
    sealed = bytearray(cipher.seal(encoding, employee=7))
    sealed[position] ^= 0x01

    with pytest.raises(TemplateIntegrityError):
        cipher.open(bytes(sealed), employee=7)


def test_template_moved_to_another_employee_does_not_open(encoding: np.ndarray) -> None:
    cipher = TemplateCipher(generate_template_key())
    sealed = cipher.seal(encoding, employee=7)

    with pytest.raises(TemplateIntegrityError, match="employee 8"):
        cipher.open(sealed, employee=8)


def test_another_key_or_a_truncated_blob_does_not_open(encoding: np.ndarray) -> None:
    sealed = TemplateCipher(generate_template_key()).seal(encoding, employee=3)
    other = TemplateCipher(generate_template_key())

    with pytest.raises(TemplateIntegrityError):
        other.open(sealed, employee=3)
    with pytest.raises(TemplateIntegrityError):
        other.open(sealed[:-1], employee=3)


def test_bad_keys_and_encodings_are_refused(encoding: np.ndarray) -> None:
    with pytest.raises(RuleViolation):
        TemplateCipher(b"short")
    cipher = TemplateCipher(generate_template_key())
    with pytest.raises(RuleViolation):
        cipher.seal(encoding[:100], employee=1)


def test_a_company_key_seals_for_every_kiosk_of_the_company_and_no_other(encoding: np.ndarray) -> None:
    version_1, version_2 = generate_template_key(), generate_template_key()
    kiosk_a = TemplateCipher(generate_template_key(), company_id="acme", company_keys={1: version_1})
    kiosk_b = TemplateCipher(generate_template_key(), company_id="acme", company_keys={1: version_1, 2: version_2})

    sealed = kiosk_a.seal(encoding, employee="E7")

    assert len(sealed) == COMPANY_SEALED_BYTES and key_version_of(sealed) == 1
    np.testing.assert_array_equal(kiosk_b.open(sealed, employee="E7"), encoding)  # another kiosk's own key differs
    assert key_version_of(kiosk_b.seal(encoding, employee="E7")) == 2  # the newest version seals
    with pytest.raises(TemplateIntegrityError, match="company key version 2"):
        kiosk_a.open(kiosk_b.seal(encoding, employee="E7"), employee="E7")
    other_company = TemplateCipher(None, company_id="beta", company_keys={1: version_1})  # even with the same bytes
    with pytest.raises(TemplateIntegrityError):
        other_company.open(sealed, employee="E7")


def test_a_kiosks_own_templates_still_open_once_it_holds_a_company_key(encoding: np.ndarray) -> None:
    own = generate_template_key()
    sealed = TemplateCipher(own).seal(encoding, employee=1)
    provisioned = TemplateCipher(own, company_id="acme", company_keys={1: generate_template_key()})

    assert key_version_of(sealed) is None
    np.testing.assert_array_equal(provisioned.open(sealed, employee=1), encoding)
    with pytest.raises(TemplateIntegrityError, match="this kiosk's own key"):
        TemplateCipher(None, company_id="acme", company_keys={1: generate_template_key()}).open(sealed, employee=1)
