"""The kiosk's secrets (PIN pepper, central credentials, face-template key, SMTP password) in one secret store.

The store uses what the machine offers, in this order, and says which one it uses (`SecretStore.description`):

1. an unlocked OS keyring: Windows Credential Locker, macOS Keychain, a running and unlocked Secret Service;
2. systemd's encrypted credentials: the service hands the kiosk a key with `LoadCredentialEncrypted=` (sealed by
   `main.py secrets seal` to the TPM2 where the machine has one, else to the host key), and the secrets are kept in
   an encrypted file in the data folder under that key;
3. as the last resort, the same encrypted file under a key in a file of its own, kept apart from the data folder;
   both files are readable only by the kiosk's user, and the store says plainly that the secrets are protected by
   file permissions only.

The kiosk makes and changes secrets while it runs (the PIN pepper at the first start, the credentials when it is
provisioned, the SMTP password), and a service cannot seal new credentials for itself (the host key and the TPM are
root's), so systemd seals one key and the secrets live in a file encrypted under it.

A store that already holds the kiosk's secrets stays in use: a keyring that holds none does not take over from the
encrypted file, and secrets the chosen store lacks are moved into it from the other stores it can read, so nothing
is lost. Secrets left in a keyring that is locked are never replaced by new ones; the store names them and says how
to move them (`main.py secrets migrate`).
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import hashlib
import json
import logging
import os
import secrets as token_source
import shutil
import stat
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import keyring
import keyring.backend
import keyring.errors
import platformdirs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from keyring.backends import fail

from kiosk.domain.errors import EnvironmentProblem, RuleViolation

log = logging.getLogger(__name__)

_VAULT_LOCK = threading.RLock()

SERVICE = "timeclock-kiosk"

PIN_PEPPER = "pin-pepper"
TEMPLATE_KEY = "template-key"
SMTP_PASSWORD = "smtp-password"  # noqa: S105 - the name of the secret, not a password
CENTRAL_PROFILE = "central-database-profile"
KNOWN_SECRETS = (PIN_PEPPER, TEMPLATE_KEY, SMTP_PASSWORD, CENTRAL_PROFILE)

VAULT_FILE = "secrets.vault"
KEY_FILE = "secrets.key"
KEY_FOLDER = "timeclock-kiosk-secrets"
KEY_FILE_VARIABLE = "TIMECLOCK_SECRETS_KEY"
CREDENTIALS_VARIABLE = "CREDENTIALS_DIRECTORY"
CREDENTIAL_NAME = "timeclock-kiosk.secrets-key"
DEFAULT_CREDENTIAL = Path("/etc/timeclock-kiosk/secrets-key.cred")
KEY_BYTES = 32
VAULT_FORMAT = "timeclock-kiosk secrets 1"
NONCE_BYTES = 12
SYSTEMD_CREDS_TIMEOUT_S = 60
DEFAULT_COLLECTION = "/org/freedesktop/secrets/aliases/default"

NO_BACKEND = (
    "no OS keyring is available to keep the kiosk's secrets. On Windows and macOS it is built in; on Linux run a "
    "Secret Service (for example gnome-keyring-daemon, or KeePassXC with Secret Service on) in the kiosk's session, "
    "or choose a backend with PYTHON_KEYRING_BACKEND (see the README, section 'Secrets')."
)
FILE_PERMISSIONS_ONLY = "secrets are protected by file permissions only"


class StoreKind(StrEnum):
    KEYRING = "keyring"
    SYSTEMD = "systemd-creds"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class StoreDescription:
    """Which store keeps the secrets, in words for IT (selftest) and for the supervisor (settings screen).

    Attributes:
        kind: the kind of store.
        summary: one sentence naming the store and where it is.
        file_permissions_only: True for the last resort, the key file: nothing but file permissions protects it.
    """

    kind: StoreKind
    summary: str
    file_permissions_only: bool = False

    @property
    def for_supervisor(self) -> str:
        """The line the settings screen shows."""
        if self.kind is StoreKind.KEYRING:
            return "Secrets are kept in the operating system's keyring."
        if self.kind is StoreKind.SYSTEMD:
            return "Secrets are kept encrypted under a key sealed by systemd to this PC."
        return (
            "Secrets are protected by file permissions only (no keyring, no sealed key on this PC). "
            "Ask IT to seal them (main.py secrets seal)."
        )


class Vault(Protocol):
    """Where named secrets are read and written."""

    def description(self) -> StoreDescription: ...

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


# --- the OS keyring -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyringState:
    """What the keyring offers, found without prompting anyone.

    Attributes:
        usable: an unlocked keyring that answered.
        name: the backend's name.
        reason: why it is not usable (empty when it is).
        held: the kiosk's secrets it holds (when usable).
        locked: the kiosk's secrets seen in a locked keyring (their values cannot be read).
    """

    usable: bool
    name: str
    reason: str = ""
    held: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    return f"{type(backend).__module__.removeprefix('keyring.backends.')}.{type(backend).__name__}"


def _priority(backend: keyring.backend.KeyringBackend) -> float:
    try:
        return float(backend.priority)
    except Exception:  # keyring reports an unusable backend by raising from `priority`
        return 0.0


def _secret_service(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend | None:
    from keyring.backends import SecretService, chainer  # noqa: PLC0415 - SecretService needs D-Bus, Linux only

    if isinstance(backend, SecretService.Keyring):
        return backend
    if isinstance(backend, chainer.ChainerBackend):
        for member in backend.backends:
            if isinstance(member, SecretService.Keyring):
                return member
    return None


def _secret_service_lock(backend: keyring.backend.KeyringBackend) -> tuple[bool, frozenset[str]]:
    """Whether the Secret Service collection keyring would use is locked, and which of our secrets it holds.

    Asking keyring itself would try to unlock the collection, which shows a password prompt on a desktop (or waits
    for one) in front of the kiosk; item attributes can be searched while the collection is locked.
    """
    import secretstorage  # noqa: PLC0415 - installed on Linux only

    with contextlib.closing(secretstorage.dbus_init()) as bus:
        # Looked up, never asked for: asking for the default collection creates one when there is none, and that
        # prompts for a new password.
        collection = secretstorage.Collection(bus, getattr(backend, "preferred_collection", DEFAULT_COLLECTION))
        try:
            locked = collection.is_locked()
        except secretstorage.exceptions.ItemNotFoundException as error:
            raise RuntimeError("the Secret Service has no default keyring") from error
        if not locked:
            return False, frozenset()
        found = {item.get_attributes().get("username", "") for item in collection.search_items({"service": SERVICE})}
        return True, frozenset(found & set(KNOWN_SECRETS))


def inspect_keyring(backend: keyring.backend.KeyringBackend) -> KeyringState:
    """Whether `backend` can keep the kiosk's secrets now, without prompting for a password."""
    name = _backend_name(backend)
    if isinstance(backend, fail.Keyring) or _priority(backend) <= 0:
        return KeyringState(False, name, "no OS keyring is available")
    secret_service = _secret_service(backend)
    if secret_service is not None:
        try:
            locked, names = _secret_service_lock(secret_service)
        except Exception as error:  # D-Bus and the daemon fail in many ways; each means "not usable"
            return KeyringState(False, name, f"the Secret Service did not answer ({error})")
        if locked:
            return KeyringState(False, name, "the keyring is locked", locked=names)
    try:
        held = frozenset(secret for secret in KNOWN_SECRETS if backend.get_password(SERVICE, secret) is not None)
    except Exception as error:  # a backend that raises on a read is not usable, whatever it raised
        return KeyringState(False, name, f"the keyring could not be read ({error})")
    return KeyringState(True, name, held=held)


class KeyringVault:
    """Secrets in a keyring backend (the OS one by default; tests pass an isolated one)."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None, service: str = SERVICE) -> None:
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._service = service

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._backend

    def description(self) -> StoreDescription:
        return StoreDescription(StoreKind.KEYRING, f"the OS keyring ({_backend_name(self._backend)})")

    def _require_backend(self) -> keyring.backend.KeyringBackend:
        backend = self._backend
        if isinstance(backend, fail.Keyring) or _priority(backend) <= 0:
            raise EnvironmentProblem(NO_BACKEND)
        return backend

    def get(self, name: str) -> str | None:
        try:
            return self._require_backend().get_password(self._service, name)
        except keyring.errors.KeyringError as error:
            raise EnvironmentProblem(f"the keyring could not read the secret {name!r}: {error}") from error

    def put(self, name: str, value: str) -> None:
        try:
            self._require_backend().set_password(self._service, name, value)
        except keyring.errors.KeyringError as error:
            raise EnvironmentProblem(f"the keyring could not store the secret {name!r}: {error}") from error

    def delete(self, name: str) -> None:
        try:
            self._require_backend().delete_password(self._service, name)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as error:
            raise EnvironmentProblem(f"the keyring could not delete the secret {name!r}: {error}") from error


# --- the encrypted file -----------------------------------------------------------------------------------------------


def default_key_file(environ: Mapping[str, str] | None = None) -> Path:
    """Where the last-resort key lives: $TIMECLOCK_SECRETS_KEY, else a folder of its own in the user's configuration
    folder (~/.config/timeclock-kiosk-secrets on Linux), apart from the data folder, which is the one that gets
    copied and backed up."""
    environ = os.environ if environ is None else environ
    configured = environ.get(KEY_FILE_VARIABLE)
    if configured:
        return Path(configured).expanduser().resolve()
    # A folder of its own: on Windows and macOS the configuration folder of "timeclock-kiosk" is its data folder.
    return Path(platformdirs.user_config_dir(KEY_FOLDER, appauthor=False)) / KEY_FILE


def handed_credential(environ: Mapping[str, str] | None = None) -> Path | None:
    """The key systemd handed this process with LoadCredentialEncrypted=, when it did."""
    environ = os.environ if environ is None else environ
    folder = environ.get(CREDENTIALS_VARIABLE)
    if not folder:
        return None
    path = Path(folder) / CREDENTIAL_NAME
    return path if path.is_file() else None


def _is_inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _check_private(path: Path, what: str) -> None:
    """Refuse a secrets file another user could read or that belongs to someone else (as ssh does with its keys)."""
    if os.name != "posix":
        return  # Windows: the file lies in the user's profile, which only that user (and administrators) may read
    info = path.stat()
    euid = os.geteuid()
    if euid not in {0, info.st_uid}:
        raise EnvironmentProblem(f"the {what} {path} belongs to another user (uid {info.st_uid}); the kiosk refuses it")
    if info.st_mode & 0o077:
        raise EnvironmentProblem(
            f"the {what} {path} can be read or changed by other users (mode {stat.filemode(info.st_mode)}); "
            f"the kiosk refuses it until only its own user can: chmod 600 {path}"
        )


def write_private(path: Path, data: bytes, *, owner_like: Path | None = None) -> None:
    """Replace `path` with `data` in one step, readable only by its owner; run as root, the file takes the owner of
    `owner_like` (the data folder), so the kiosk's own user can still read what IT wrote for it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)  # a leftover of a process that stopped; never written through
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if os.name == "posix":
            os.chmod(temporary, 0o600)
            if os.geteuid() == 0 and owner_like is not None and owner_like.exists():
                owner = owner_like.stat()
                os.chown(temporary, owner.st_uid, owner.st_gid)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if os.name == "posix":
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"timeclock-kiosk key id\0" + key).hexdigest()[:16]


def _read_key(path: Path, what: str) -> bytes:
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise EnvironmentProblem(f"the {what} {path} holds {len(key)} bytes instead of a {KEY_BYTES}-byte key")
    return key


def systemd_creds() -> str:
    """The systemd-creds program, or a clear error where systemd has none."""
    found = shutil.which("systemd-creds")
    if found is None:
        raise EnvironmentProblem("systemd-creds is not installed (systemd 250 or newer provides it)")
    return found


def unseal(credential: Path) -> bytes:
    """The key sealed in `credential`, decrypted with systemd-creds (root, or a member of the TPM's group)."""
    try:
        done = subprocess.run(
            [systemd_creds(), "decrypt", f"--name={CREDENTIAL_NAME}", str(credential), "-"],
            capture_output=True,
            timeout=SYSTEMD_CREDS_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise EnvironmentProblem(f"systemd-creds could not decrypt {credential}: {error}") from error
    if done.returncode != 0:
        raise EnvironmentProblem(
            f"the secrets are sealed for the kiosk's service and this process cannot open them "
            f"({done.stderr.decode(errors='replace').strip()}). Run the command as root, or inside the service: "
            f"systemd-run --pipe --wait -p LoadCredentialEncrypted={CREDENTIAL_NAME}:{credential} ..."
        )
    if len(done.stdout) != KEY_BYTES:
        raise EnvironmentProblem(f"{credential} holds {len(done.stdout)} bytes instead of a {KEY_BYTES}-byte key")
    return done.stdout


@dataclass(frozen=True, slots=True)
class VaultKey:
    """A key that opens the secrets file, and where it came from."""

    kind: StoreKind
    key: bytes
    origin: str  # the key file, or the credential
    credential: Path | None = None  # the sealed file the service loads (systemd only)


class EncryptedFileVault:
    """Secrets in one AES-256-GCM file in the data folder, readable only by the kiosk's user.

    The key comes from systemd (the credential the service was handed, or the sealed file, decrypted as root) or,
    as the last resort, from a key file outside the data folder, made on first use.

    Args:
        data_dir: the kiosk's data folder; the file is `secrets.vault` in it.
        environ: where to look for the key systemd handed the process ($CREDENTIALS_DIRECTORY) and for the key
            file ($TIMECLOCK_SECRETS_KEY, else default_key_file()); os.environ when None.
    """

    def __init__(self, data_dir: Path, *, environ: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.path = data_dir / VAULT_FILE
        self.key_file = default_key_file(environ)
        self.credential = handed_credential(environ)
        if _is_inside(self.key_file, data_dir):
            raise EnvironmentProblem(
                f"the secrets key file {self.key_file} lies inside the data folder {data_dir}; it must be kept "
                f"apart from it (set {KEY_FILE_VARIABLE} to a path outside the data folder)"
            )

    # --- keys

    @property
    def kind(self) -> StoreKind:
        """The kind of key the file is (or will be) encrypted under."""
        header = self._header()
        if header is not None:
            return StoreKind(header["key"])
        return StoreKind.SYSTEMD if self.credential is not None else StoreKind.FILE

    def _header(self) -> dict[str, str] | None:
        if not self.path.exists():
            return None
        _check_private(self.path, "secrets file")
        try:
            header = json.loads(self.path.read_text(encoding="utf-8"))
            if header.get("format") != VAULT_FORMAT or header.get("key") not in {StoreKind.SYSTEMD, StoreKind.FILE}:
                raise ValueError("not a secrets file of this kiosk")
        except (ValueError, UnicodeDecodeError) as error:
            raise EnvironmentProblem(f"the secrets file {self.path} is damaged or not the kiosk's: {error}") from error
        return {str(key): str(value) for key, value in header.items()}

    def _handed_key(self) -> VaultKey:
        assert self.credential is not None
        # No owner or mode check here: systemd writes the credential owned by root, readable by the service's user
        # through an ACL, in a folder only that user (and root) may enter.
        return VaultKey(StoreKind.SYSTEMD, _read_key(self.credential, "credential"), f"${CREDENTIALS_VARIABLE}")

    def _file_key(self, *, create: bool) -> VaultKey:
        if not self.key_file.exists():
            if not create:
                raise EnvironmentProblem(
                    f"the key of the secrets file {self.path} is missing ({self.key_file}); the secrets in it cannot "
                    f"be read (a command run by another user than the kiosk's needs {KEY_FILE_VARIABLE} set to "
                    "the kiosk user's key file)"
                )
            write_private(self.key_file, token_source.token_bytes(KEY_BYTES))
            log.warning("made a new secrets key in %s: %s", self.key_file, FILE_PERMISSIONS_ONLY)
        _check_private(self.key_file, "secrets key file")
        return VaultKey(StoreKind.FILE, _read_key(self.key_file, "secrets key file"), str(self.key_file))

    def _key_for(self, header: dict[str, str]) -> VaultKey:
        """The key the existing file was written under."""
        if header["key"] == StoreKind.FILE:
            return self._file_key(create=False)
        credential = Path(header["credential"]) if header.get("credential") else None
        if self.credential is not None:
            return self._handed_key()
        if credential is None:
            raise EnvironmentProblem(
                f"the secrets file {self.path} is sealed for the kiosk's service; run the command inside it"
            )
        return VaultKey(StoreKind.SYSTEMD, unseal(credential), str(credential), credential)

    def _key_for_writing(self) -> VaultKey:
        if self.credential is not None:
            return self._handed_key()
        return self._file_key(create=True)

    # --- contents

    def _open(self) -> tuple[dict[str, str], VaultKey | None]:
        header = self._header()
        if header is None:
            return {}, None
        key = self._key_for(header)
        if _key_id(key.key) != header.get("key_id"):
            raise EnvironmentProblem(
                f"the secrets file {self.path} was written under another key than the one in {key.origin}; "
                "its secrets cannot be read with this key"
            )
        try:
            plain = AESGCM(key.key).decrypt(
                base64.b64decode(header["nonce"]), base64.b64decode(header["ciphertext"]), self._associated(header)
            )
        except (InvalidTag, KeyError, ValueError) as error:
            raise EnvironmentProblem(
                f"the secrets file {self.path} does not open with its key: it was changed"
            ) from error
        values = json.loads(plain.decode("utf-8"))
        credential = Path(header["credential"]) if header.get("credential") else key.credential
        return {str(k): str(v) for k, v in values.items()}, VaultKey(key.kind, key.key, key.origin, credential)

    @staticmethod
    def _associated(header: Mapping[str, str]) -> bytes:
        return f"{VAULT_FORMAT}\0{header['key']}\0{header['key_id']}".encode()

    def save(self, values: Mapping[str, str], key: VaultKey, sealed_with: str = "") -> None:
        header = {"format": VAULT_FORMAT, "key": str(key.kind), "key_id": _key_id(key.key)}
        if key.credential is not None:
            header["credential"] = str(key.credential)
        if sealed_with:
            header["sealed_with"] = sealed_with
        nonce = token_source.token_bytes(NONCE_BYTES)
        ciphertext = AESGCM(key.key).encrypt(
            nonce, json.dumps(dict(values), sort_keys=True).encode("utf-8"), self._associated(header)
        )
        header["nonce"] = base64.b64encode(nonce).decode("ascii")
        header["ciphertext"] = base64.b64encode(ciphertext).decode("ascii")
        write_private(self.path, json.dumps(header, indent=1).encode("utf-8"), owner_like=self.data_dir)

    def names(self) -> frozenset[str]:
        """The names of the secrets in the file (reading it needs its key)."""
        return frozenset(self._open()[0])

    def get(self, name: str) -> str | None:
        return self._open()[0].get(name)

    def put(self, name: str, value: str) -> None:
        with self._exclusive():
            values, key = self._open()
            values[name] = value
            self.save(values, key or self._key_for_writing(), self._sealed_with())

    def delete(self, name: str) -> None:
        with self._exclusive():
            values, key = self._open()
            if name not in values or key is None:
                return
            del values[name]
            self.save(values, key, self._sealed_with())

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One change of the file at a time: threads of this process, and (POSIX) other processes, such as IT's
        `mail configure` while the kiosk runs, each read, change and write the whole file."""
        with _VAULT_LOCK:
            if os.name != "posix":
                yield
                return
            import fcntl  # noqa: PLC0415 - POSIX only

            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder = os.open(self.data_dir, os.O_RDONLY)
            try:
                fcntl.flock(folder, fcntl.LOCK_EX)
                yield
            finally:
                os.close(folder)  # closing releases the lock

    def _sealed_with(self) -> str:
        header = self._header()
        return header.get("sealed_with", "") if header is not None else ""

    def rekey(self, key: VaultKey, sealed_with: str = "") -> None:
        """Write the file again under `key` (moving it from the key file to a sealed key)."""
        with self._exclusive():
            values, _ = self._open()
            self.save(values, key, sealed_with)

    def rekey_to_handed_credential(self) -> bool:
        """A file written under the key file moves under the key systemd handed the service; True when it did."""
        if self.credential is None or not self.path.exists() or self.kind is not StoreKind.FILE:
            return False
        self.rekey(self._handed_key())
        log.info("secrets file %s moved from the key file %s to the sealed key", self.path, self.key_file)
        return True

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def description(self) -> StoreDescription:
        kind = self.kind
        if kind is StoreKind.SYSTEMD:
            header = self._header() or {}
            sealed = header.get("sealed_with")
            how = f", sealed with the {sealed}" if sealed else ""
            handed = "handed by the service" if self.credential is not None else f"in {header.get('credential')}"
            return StoreDescription(
                kind, f"systemd encrypted credentials: {self.path} under the key {CREDENTIAL_NAME} ({handed}{how})"
            )
        user = _user_name()
        return StoreDescription(
            kind,
            f"an encrypted file readable only by {user}: {self.path}, its key in {self.key_file}; "
            f"{FILE_PERMISSIONS_ONLY}",
            file_permissions_only=True,
        )


def _user_name() -> str:
    try:
        return f"the user {getpass.getuser()}"
    except (KeyError, OSError):
        return "the kiosk's user"


# --- the store ---------------------------------------------------------------------------------------------------


class SecretStore:
    """The kiosk's named secrets, in the store `open_secret_store` chose (or the one given: tests pass a keyring).

    Args:
        backend: where the secrets are: a vault, or a keyring backend (None: the OS keyring).
        stranded: the kiosk's secrets that lie in a locked keyring and nowhere else: they are neither read nor
            replaced, so a PIN pepper is never made anew over the one the stored PINs need.
    """

    def __init__(
        self,
        backend: Vault | keyring.backend.KeyringBackend | None = None,
        *,
        stranded: Iterable[str] = (),
    ) -> None:
        self._vault: Vault = (
            KeyringVault(backend) if backend is None or isinstance(backend, keyring.backend.KeyringBackend) else backend
        )
        self.stranded = frozenset(stranded)

    @property
    def vault(self) -> Vault:
        return self._vault

    @property
    def description(self) -> StoreDescription:
        return self._vault.description()

    def _check_not_stranded(self, name: str) -> None:
        if name in self.stranded:
            raise EnvironmentProblem(
                f"the secret {name!r} is in the desktop keyring, which is locked. Unlock it once and move the kiosk's "
                "secrets out of it with `python main.py secrets migrate` (in the desktop session), so that the kiosk "
                "no longer needs the keyring after a restart"
            )

    def get(self, name: str) -> str | None:
        self._check_not_stranded(name)
        return self._vault.get(name)

    def put(self, name: str, value: str) -> None:
        self._check_not_stranded(name)
        self._vault.put(name, value)

    def delete(self, name: str) -> None:
        self._check_not_stranded(name)
        self._vault.delete(name)

    def get_or_create(self, name: str, nbytes: int = 32) -> str:
        """The secret `name`, made from `nbytes` random bytes (hex) the first time it is asked for."""
        value = self.get(name)
        if value is None:
            value = token_source.token_hex(nbytes)
            self.put(name, value)
        return value

    def held(self) -> frozenset[str]:
        """Which of the kiosk's secrets the store holds (not their values)."""
        return frozenset(name for name in KNOWN_SECRETS if name not in self.stranded and self._vault.get(name))


def move_secrets(source: Vault, target: Vault, names: Iterable[str] = KNOWN_SECRETS) -> list[str]:
    """Move the secrets `target` lacks from `source` into it; the names moved.

    A secret both hold with different values stays where it is in both, with a warning: neither is thrown away.
    Each is deleted from `source` only once `target` returned it.
    """
    moved = []
    for name in names:
        value = source.get(name)
        if value is None:
            continue
        present = target.get(name)
        if present is None:
            target.put(name, value)
            if target.get(name) != value:
                raise EnvironmentProblem(f"the secret {name!r} did not arrive intact in {target.description().summary}")
            moved.append(name)
        elif present != value:
            log.warning(
                "the secret %r differs between %s and %s; both are kept and %s is used",
                name,
                source.description().summary,
                target.description().summary,
                target.description().summary,
            )
            continue
        source.delete(name)
    return moved


def open_secret_store(
    data_dir: Path,
    *,
    keyring_backend: keyring.backend.KeyringBackend | None = None,
    environ: Mapping[str, str] | None = None,
    migrate: bool = True,
) -> SecretStore:
    """The secret store of the kiosk whose data folder is `data_dir`, chosen from what the machine offers.

    Args:
        data_dir: the kiosk's data folder (the encrypted file, when used, lives there).
        keyring_backend: the keyring to consider (the OS one when None).
        environ: the environment ($CREDENTIALS_DIRECTORY, $TIMECLOCK_SECRETS_KEY); os.environ when None.
        migrate: move secrets into the chosen store from the others (selftest passes False: it changes nothing).
    """
    backend = keyring_backend if keyring_backend is not None else keyring.get_keyring()
    state = inspect_keyring(backend)
    vault = EncryptedFileVault(data_dir, environ=environ)
    if state.usable and (state.held or not vault.path.exists()):
        chosen = KeyringVault(backend)
        if migrate and vault.path.exists():
            try:
                moved = move_secrets(vault, chosen)
                log.info("moved %s from %s to the keyring", moved, vault.path)
                if not vault.names():
                    vault.remove()
            except EnvironmentProblem as problem:
                # The keyring still holds what it held; the file stays for a later start to move.
                log.warning("secrets in %s were not moved to the keyring: %s", vault.path, problem)
        log.info("secrets: %s", chosen.description().summary)
        return SecretStore(chosen)
    if not state.usable:
        log.info("secrets: the keyring %s is not used: %s", state.name, state.reason)
    if migrate:
        try:
            vault.rekey_to_handed_credential()
        except EnvironmentProblem as problem:
            # Each read says the same again, so the kiosk shows it where a secret is needed instead of not starting.
            log.warning("the secrets file %s stays under its key file: %s", vault.path, problem)
    try:
        stranded = state.locked - vault.names() if state.locked else frozenset()
    except EnvironmentProblem:
        stranded = state.locked
    if stranded:
        log.warning("secrets %s are in a locked keyring and nowhere else", sorted(stranded))
    store = SecretStore(vault, stranded=stranded)
    log.info("secrets: %s", store.description.summary)
    return store


# --- sealing and migrating (the `secrets` command) --------------------------------------------------------------------


def has_tpm2() -> bool:
    """Whether systemd can seal to a TPM2 on this machine (`systemd-creds has-tpm2` exits 0)."""
    try:
        done = subprocess.run(
            [systemd_creds(), "has-tpm2"], capture_output=True, timeout=SYSTEMD_CREDS_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


SEAL_CHOICES = ("auto", "host", "tpm2", "host+tpm2")
SEALED_WITH = {"host": "host key", "tpm2": "TPM2", "host+tpm2": "TPM2 and host key"}


@dataclass(frozen=True, slots=True)
class SealResult:
    credential: Path
    sealed_with: str  # in words: "TPM2 and host key", "host key"
    moved: tuple[str, ...]  # secrets moved under the sealed key
    unit_line: str  # what the systemd unit needs


def seal(
    data_dir: Path,
    credential: Path = DEFAULT_CREDENTIAL,
    *,
    with_key: str = "auto",
    keyring_backend: keyring.backend.KeyringBackend | None = None,
    environ: Mapping[str, str] | None = None,
) -> SealResult:
    """Make a new secrets key, seal it with systemd-creds into `credential`, and keep the kiosk's secrets under it.

    The secrets this process can read (the encrypted file under its key file, an unlocked keyring) move under the
    new key, in the data folder's encrypted file, owned like the data folder. An existing credential is not
    replaced: the secrets kept under it would be lost with it.
    """
    if with_key not in SEAL_CHOICES:
        raise RuleViolation("seal_key", f"--with-key must be one of {', '.join(SEAL_CHOICES)}, not {with_key!r}")
    if credential.exists():
        raise RuleViolation(
            "already_sealed",
            f"{credential} exists: the kiosk's secrets are already sealed under it, and a new key would lose them",
        )
    if not data_dir.is_dir():
        raise RuleViolation("no_data_dir", f"the data folder {data_dir} does not exist; create it (or set up) first")
    vault = EncryptedFileVault(data_dir, environ=environ)
    if vault.path.exists() and vault.kind is StoreKind.SYSTEMD:
        raise RuleViolation("already_sealed", f"the secrets in {vault.path} are already sealed (under another file)")
    mode = with_key if with_key != "auto" else ("host+tpm2" if has_tpm2() else "host")
    key = token_source.token_bytes(KEY_BYTES)
    credential.parent.mkdir(parents=True, exist_ok=True)
    temporary = credential.with_name(f".{credential.name}.{os.getpid()}.tmp")
    try:
        done = subprocess.run(
            [systemd_creds(), "encrypt", f"--name={CREDENTIAL_NAME}", f"--with-key={mode}", "-", str(temporary)],
            input=key,
            capture_output=True,
            timeout=SYSTEMD_CREDS_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise EnvironmentProblem(
                f"systemd-creds could not seal the key ({done.stderr.decode(errors='replace').strip()}); "
                "sealing needs root (the host key is root's, and so is the TPM)"
            )
        os.chmod(temporary, 0o600)
        if unseal(temporary) != key:
            raise EnvironmentProblem(f"the key sealed in {temporary} does not come back the same; nothing changed")
        sealed = VaultKey(StoreKind.SYSTEMD, key, str(credential), credential)
        sealed_with = SEALED_WITH[mode]
        moved: list[str] = []
        if vault.path.exists():
            # The sealed key is put in place first: should the rewrite stop half-way, the file is still under its
            # key file, and the kiosk moves it under the handed key at its next start.
            moved = sorted(vault.names())
            os.replace(temporary, credential)
            vault.rekey(sealed, sealed_with)
        else:
            # A kiosk whose secrets are in an unlocked keyring this process can read: they move under the new key.
            backend = keyring_backend if keyring_backend is not None else keyring.get_keyring()
            state = inspect_keyring(backend)
            source = KeyringVault(backend)
            values = {name: value for name in sorted(state.held) if (value := source.get(name)) is not None}
            vault.save(values, sealed, sealed_with)
            os.replace(temporary, credential)
            for name in values:
                source.delete(name)
            moved = sorted(values)
    finally:
        temporary.unlink(missing_ok=True)
    return SealResult(credential, sealed_with, tuple(moved), f"LoadCredentialEncrypted={CREDENTIAL_NAME}:{credential}")


def migrate_from_keyring(
    data_dir: Path,
    *,
    keyring_backend: keyring.backend.KeyringBackend | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[list[str], StoreDescription]:
    """Move the kiosk's secrets out of the keyring (unlocking it, which may ask for its password) into the data
    folder's encrypted file, so that the kiosk no longer needs a keyring unlocked at every start."""
    backend = keyring_backend if keyring_backend is not None else keyring.get_keyring()
    secret_service = _secret_service(backend)
    if secret_service is not None and not _unlock_secret_service(secret_service):
        raise EnvironmentProblem(
            "the keyring is locked and was not unlocked (no password was typed, or there is no desktop session to "
            "ask in): run this command in the desktop session of the kiosk's user and type the keyring's password"
        )
    source = KeyringVault(backend)
    vault = EncryptedFileVault(data_dir, environ=environ)
    moved = move_secrets(source, vault)
    return moved, vault.description()


def _unlock_secret_service(backend: keyring.backend.KeyringBackend) -> bool:
    """Unlock the Secret Service collection keyring uses, asking the desktop for its password; True when unlocked.

    Done here rather than by keyring, which leaves its D-Bus connection open when the collection stays locked.
    """
    import secretstorage  # noqa: PLC0415 - installed on Linux only

    try:
        with contextlib.closing(secretstorage.dbus_init()) as bus:
            collection = secretstorage.Collection(bus, getattr(backend, "preferred_collection", DEFAULT_COLLECTION))
            if collection.is_locked():
                collection.unlock()
            return not collection.is_locked()
    except secretstorage.exceptions.SecretStorageException as error:
        raise EnvironmentProblem(f"the Secret Service did not answer: {error}") from error
