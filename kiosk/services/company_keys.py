"""The keys this kiosk seals templates and peppers PINs with: its own, and its company's once it is provisioned.

A kiosk on its own keeps a template key and a PIN pepper of its own in the secret store. A provisioned kiosk also
holds its company's key sets (`wire.keys`), pulled from head office wrapped for this kiosk's key pair, whose private
half is in the secret store with the rest of its central profile; they are opened here, in memory, when needed.

* **Templates** are sealed under the company's newest key, so every kiosk of the company opens them; templates
  sealed under the kiosk's own key (enrolled before provisioning) or an older company key still open here, and are
  sealed again (`kiosk.services.enrolment`) before they go up.
* **PINs** are hashed with the company's pepper, and the hash names the pepper (`kiosk.services.pins`), so a PIN set
  at one kiosk works at every kiosk of the company. A hash made with the kiosk's own pepper (before provisioning)
  names none and keeps working here; such a PIN is hashed again with the company's pepper the next time it is typed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select

from kiosk.domain.errors import EnvironmentProblem
from kiosk.services.pins import own_pepper_reference, pepper_reference, with_pepper_reference
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.schema import CompanyKeyWrap
from kiosk.store.secrets import CENTRAL_PROFILE, PIN_PEPPER, TEMPLATE_KEY, SecretStore
from kiosk.vision.templates import KEY_BYTES, TemplateCipher
from wire.keys import CompanyKeySet, KeyPair, KeyUnwrapError, unwrap
from wire.provisioning import CentralProfile

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pepper:
    """A PIN pepper and the reference a hash made with it carries."""

    reference: str
    value: str


class CompanyKeys:
    """Opens the company's key sets this kiosk holds, and gives the template cipher and PIN peppers to use."""

    def __init__(self, database: Database, secrets: SecretStore) -> None:
        self._db = database
        self._secrets = secrets

    def _profile(self) -> CentralProfile | None:
        text = self._secrets.get(CENTRAL_PROFILE)
        return None if text is None else CentralProfile.from_json(text)

    def key_sets(self) -> list[CompanyKeySet]:
        """Every version of the company's key set this kiosk holds and can open, oldest first.

        A version that does not open (wrapped for a key pair this kiosk no longer has, or altered) is left out and
        logged as an error; the kiosk keeps working with the others.
        """
        profile = self._profile()
        if profile is None or profile.private_key is None:
            return []
        pair = KeyPair.from_hex(profile.private_key)
        with self._db.read() as session:
            rows = list(
                session.scalars(
                    select(CompanyKeyWrap)
                    .where(CompanyKeyWrap.company_id == profile.company_id)
                    .order_by(CompanyKeyWrap.version)
                )
            )
        opened: list[CompanyKeySet] = []
        for row in rows:
            try:
                opened.append(
                    unwrap(
                        row.wrapped, pair, company_id=row.company_id, version=row.version, recipient=profile.kiosk_id
                    )
                )
            except KeyUnwrapError as error:
                log.error("company key version %d left out: %s", row.version, error)
        return opened

    def _own_template_key(self) -> bytes:
        stored = self._secrets.get_or_create(TEMPLATE_KEY, KEY_BYTES)
        try:
            key = bytes.fromhex(stored)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise EnvironmentProblem(
                f"the face-template key in the secret store ({TEMPLATE_KEY!r}) is not {KEY_BYTES} bytes of hex; "
                "restore the kiosk's key, or delete it and re-enrol every employee"
            )
        return key

    def template_cipher(self) -> TemplateCipher:
        """Seals under the company's newest key when the kiosk holds one, else its own; opens with every key held."""
        sets = self.key_sets()
        if not sets:
            return TemplateCipher(self._own_template_key())
        return TemplateCipher(
            self._own_template_key(),
            company_id=sets[-1].company_id,
            company_keys={keys.version: keys.template_key for keys in sets},
        )

    def own_pepper(self) -> Pepper:
        """The kiosk's own pepper (made on first use) with its reference."""
        value = self._secrets.get_or_create(PIN_PEPPER)
        return Pepper(own_pepper_reference(value), value)

    def pepper_for_new_pins(self) -> Pepper:
        """The company's pepper once the kiosk holds it, else the kiosk's own."""
        sets = self.key_sets()
        if sets:
            return Pepper(sets[-1].pepper_id, sets[-1].pin_pepper)
        return self.own_pepper()

    def name_own_pepper_in_pin_hashes(self) -> int:
        """Write the kiosk's own pepper's reference into the PIN hashes of the first format, before they leave this
        kiosk (at provisioning), so another kiosk knows it cannot check them rather than taking them for its own;
        returns how many. The hashes themselves do not change."""
        reference = self.own_pepper().reference
        named = 0
        now = datetime.now(UTC)
        with self._db.write() as session:
            for company in repository.companies(session):
                for person in repository.employees(session, company.id):
                    if person.pin_hash is not None and pepper_reference(person.pin_hash) is None:
                        repository.put_employee(
                            session, replace(person, pin_hash=with_pepper_reference(person.pin_hash, reference)), now
                        )
                        named += 1
        return named

    def pepper(self, reference: str | None) -> Pepper | None:
        """The pepper a stored hash names (None: the kiosk's own), or None when this kiosk does not hold it."""
        own = self.own_pepper()
        if reference is None or reference == own.reference:
            return own
        for keys in self.key_sets():
            if keys.pepper_id == reference:
                return Pepper(keys.pepper_id, keys.pin_pepper)
        return None
