"""The secret store: which store is chosen, files and modes of the last resort, a real locked Secret Service, real
systemd-creds sealing, and moving secrets between stores without losing any."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail

from kiosk import commands as kiosk_commands
from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.services.selftest import SelfTest
from kiosk.store.location import data_dir as kiosk_data_dir
from kiosk.store.secrets import (
    CENTRAL_PROFILE,
    CREDENTIAL_NAME,
    CREDENTIALS_VARIABLE,
    KEY_FILE_VARIABLE,
    PIN_PEPPER,
    SERVICE,
    SMTP_PASSWORD,
    TEMPLATE_KEY,
    VAULT_FILE,
    SecretStore,
    StoreKind,
    default_key_file,
    migrate_from_keyring,
    open_secret_store,
    seal,
)
from tests.conftest import MemoryKeyring
from tests.secret_service import SecretServiceSession
from tests.system import require_programs


def no_keyring() -> fail.Keyring:
    return fail.Keyring()  # type: ignore[no-untyped-call]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the last resort: an encrypted file, its key apart ----------------------------------------------------------------


def test_without_a_keyring_secrets_go_to_an_encrypted_file_only_the_kiosk_user_can_read(data_dir: Path) -> None:
    store = open_secret_store(data_dir, keyring_backend=no_keyring())
    assert store.description.kind is StoreKind.FILE
    assert store.description.file_permissions_only
    assert "secrets are protected by file permissions only" in store.description.summary
    assert "Secrets are protected by file permissions only" in store.description.for_supervisor

    pepper = store.get_or_create(PIN_PEPPER)
    store.put(SMTP_PASSWORD, "smtp-pass-word")

    vault, key = data_dir / VAULT_FILE, default_key_file()
    assert mode(vault) == 0o600
    assert mode(key) == 0o600
    assert mode(key.parent) == 0o700
    assert not key.resolve().is_relative_to(data_dir.resolve()), "the key must be kept apart from the data folder"
    assert vault.stat().st_uid == os.geteuid()
    text = vault.read_text(encoding="utf-8")
    assert pepper not in text and "smtp-pass-word" not in text
    assert len(key.read_bytes()) == 32
    again = open_secret_store(data_dir, keyring_backend=no_keyring())
    assert again.get(PIN_PEPPER) == pepper
    assert again.held() == {PIN_PEPPER, SMTP_PASSWORD}
    again.delete(SMTP_PASSWORD)
    assert open_secret_store(data_dir, keyring_backend=no_keyring()).get(SMTP_PASSWORD) is None


def test_a_key_file_inside_the_data_folder_is_refused_and_nothing_is_written(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(data_dir / "keys" / "secrets.key"))
    with pytest.raises(EnvironmentProblem, match="must be kept apart from it"):
        open_secret_store(data_dir, keyring_backend=no_keyring())
    assert not data_dir.exists()


@pytest.mark.parametrize("which", ["vault", "key"])
def test_a_secrets_file_other_users_can_read_is_refused_and_left_alone(data_dir: Path, which: str) -> None:
    store = open_secret_store(data_dir, keyring_backend=no_keyring())
    pepper = store.get_or_create(PIN_PEPPER)
    exposed = data_dir / VAULT_FILE if which == "vault" else default_key_file()
    exposed.chmod(0o644)
    before = (data_dir / VAULT_FILE).read_bytes()
    exposed_message = r"can be read or changed by other users \(mode -rw-r--r--\).*chmod 600"
    with pytest.raises(EnvironmentProblem, match=exposed_message):
        open_secret_store(data_dir, keyring_backend=no_keyring()).get(PIN_PEPPER)
    with pytest.raises(EnvironmentProblem, match="other users"):
        store.put(TEMPLATE_KEY, "00" * 32)
    assert (data_dir / VAULT_FILE).read_bytes() == before
    exposed.chmod(0o600)
    assert store.get(PIN_PEPPER) == pepper


def test_a_changed_or_damaged_secrets_file_or_a_wrong_key_is_a_clear_error(data_dir: Path) -> None:
    store = open_secret_store(data_dir, keyring_backend=no_keyring())
    store.get_or_create(PIN_PEPPER)
    vault = data_dir / VAULT_FILE
    original = vault.read_bytes()

    header = json.loads(original)
    header["ciphertext"] = ("A" if header["ciphertext"][0] != "A" else "B") + header["ciphertext"][1:]
    vault.write_text(json.dumps(header), encoding="utf-8")
    with pytest.raises(EnvironmentProblem, match="does not open with its key: it was changed"):
        store.get(PIN_PEPPER)

    vault.write_text("not a secrets file", encoding="utf-8")
    with pytest.raises(EnvironmentProblem, match="damaged or not the kiosk's"):
        store.get(PIN_PEPPER)

    vault.write_bytes(original)
    key = default_key_file()
    real_key = key.read_bytes()
    key.write_bytes(os.urandom(32))
    with pytest.raises(EnvironmentProblem, match="written under another key"):
        store.get(PIN_PEPPER)
    key.write_bytes(real_key[:16])
    with pytest.raises(EnvironmentProblem, match="holds 16 bytes instead of a 32-byte key"):
        store.get(PIN_PEPPER)
    key.unlink()
    with pytest.raises(EnvironmentProblem, match=r"key of the secrets file .* is missing"):
        store.get(PIN_PEPPER)
    with pytest.raises(EnvironmentProblem, match="is missing"):
        store.get_or_create(TEMPLATE_KEY)  # a new key is never made over a file it would not open
    assert not key.exists()
    assert vault.read_bytes() == original


# --- the keyring first, and nothing lost --------------------------------------------------------------------------


def test_secrets_already_in_a_keyring_keep_working(data_dir: Path) -> None:
    keyring = MemoryKeyring()
    keyring.set_password(SERVICE, PIN_PEPPER, "pepper-of-last-year")
    store = open_secret_store(data_dir, keyring_backend=keyring)
    assert store.description.kind is StoreKind.KEYRING
    assert "MemoryKeyring" in store.description.summary
    assert store.get_or_create(PIN_PEPPER) == "pepper-of-last-year"
    assert not (data_dir / VAULT_FILE).exists()


def test_an_empty_keyring_does_not_take_over_from_the_file_that_holds_the_secrets(data_dir: Path) -> None:
    pepper = open_secret_store(data_dir, keyring_backend=no_keyring()).get_or_create(PIN_PEPPER)
    keyring = MemoryKeyring()  # a keyring appeared later (a desktop session was started)
    store = open_secret_store(data_dir, keyring_backend=keyring)
    assert store.description.kind is StoreKind.FILE
    assert store.get(PIN_PEPPER) == pepper
    assert keyring.secrets == {}


def test_secrets_the_keyring_lacks_move_into_it_from_the_file_and_differing_ones_are_both_kept(data_dir: Path) -> None:
    file_store = open_secret_store(data_dir, keyring_backend=no_keyring())
    file_store.put(TEMPLATE_KEY, "ab" * 32)
    file_store.put(PIN_PEPPER, "pepper-in-the-file")
    keyring = MemoryKeyring()
    keyring.set_password(SERVICE, PIN_PEPPER, "pepper-in-the-keyring")

    store = open_secret_store(data_dir, keyring_backend=keyring)
    assert store.description.kind is StoreKind.KEYRING
    assert store.get(TEMPLATE_KEY) == "ab" * 32
    assert store.get(PIN_PEPPER) == "pepper-in-the-keyring"
    remaining = open_secret_store(data_dir, keyring_backend=no_keyring())
    assert remaining.held() == {PIN_PEPPER}, "the differing pepper stays in the file, not thrown away"
    assert remaining.get(PIN_PEPPER) == "pepper-in-the-file"

    keyring.set_password(SERVICE, PIN_PEPPER, "pepper-in-the-file")
    open_secret_store(data_dir, keyring_backend=keyring)
    assert not (data_dir / VAULT_FILE).exists(), "once everything is in the keyring the file goes"


def test_migrate_moves_every_secret_out_of_the_keyring_and_the_kiosk_then_uses_the_file(
    data_dir: Path, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {PIN_PEPPER: "p" * 64, TEMPLATE_KEY: "t" * 64, SMTP_PASSWORD: "smtp", CENTRAL_PROFILE: '{"host": "x"}'}
    for name, value in values.items():
        memory_keyring.set_password(SERVICE, name, value)
    assert kiosk_commands.main(["secrets", "--data-dir", str(data_dir), "migrate"]) == 0
    out = capsys.readouterr().out
    assert "moved pin-pepper, template-key, smtp-password, central-database-profile from the keyring to" in out
    assert "protected by file permissions only" in out
    assert memory_keyring.secrets == {}
    store = open_secret_store(data_dir, keyring_backend=memory_keyring)
    assert store.description.kind is StoreKind.FILE
    assert {name: store.get(name) for name in values} == values
    assert kiosk_commands.main(["secrets", "--data-dir", str(data_dir), "migrate"]) == 0
    assert "the keyring holds none of the kiosk's secrets" in capsys.readouterr().out


def test_secrets_show_and_selftest_name_the_store_in_use(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    open_secret_store(data_dir).get_or_create(PIN_PEPPER)  # the test's keyring
    assert kiosk_commands.main(["secrets", "--data-dir", str(data_dir), "show"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "store: the OS keyring (tests.conftest.MemoryKeyring)"
    assert "  pin-pepper: present" in out and "  template-key: not set" in out
    assert SelfTest(data_dir=data_dir).check_secrets() == "the OS keyring (tests.conftest.MemoryKeyring) (pin-pepper)"


# --- a real Secret Service, locked as after a reboot ------------------------------------------------------------------


def test_an_unlocked_secret_service_is_used(secret_service: SecretServiceSession, data_dir: Path) -> None:
    store = open_secret_store(data_dir, keyring_backend=secret_service.backend)
    assert store.description.kind is StoreKind.KEYRING
    assert "SecretService" in store.description.summary
    pepper = store.get_or_create(PIN_PEPPER)
    assert secret_service.backend.get_password(SERVICE, PIN_PEPPER) == pepper  # type: ignore[no-untyped-call]


def test_a_locked_keyring_is_passed_over_without_a_prompt_and_its_secrets_are_never_replaced(
    secret_service: SecretServiceSession, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    SecretStore(secret_service.backend).put(PIN_PEPPER, "pepper-from-the-desktop")
    secret_service.lock()

    store = open_secret_store(data_dir, keyring_backend=secret_service.backend)
    assert store.description.kind is StoreKind.FILE
    assert store.stranded == {PIN_PEPPER}
    for attempt in (lambda: store.get_or_create(PIN_PEPPER), lambda: store.put(PIN_PEPPER, "new")):
        with pytest.raises(EnvironmentProblem, match=r"in the desktop keyring, which is locked.*secrets migrate"):
            attempt()
    assert not (data_dir / VAULT_FILE).exists(), "no new pepper may be made over the one the stored PINs need"
    assert secret_service.is_locked()
    with pytest.raises(EnvironmentProblem, match="which is locked"):
        SelfTest(data_dir=data_dir, secrets=store).check_secrets()

    with pytest.raises(EnvironmentProblem, match="the keyring is locked and was not unlocked"):
        migrate_from_keyring(data_dir, keyring_backend=secret_service.backend)  # nobody there to type its password
    assert not (data_dir / VAULT_FILE).exists()

    secret_service.unlock()  # the supervisor logs in to the desktop once
    moved, where = migrate_from_keyring(data_dir, keyring_backend=secret_service.backend)
    assert moved == [PIN_PEPPER]
    assert where.kind is StoreKind.FILE
    secret_service.lock()  # the next power cut

    after_reboot = open_secret_store(data_dir, keyring_backend=secret_service.backend)
    assert after_reboot.stranded == frozenset()
    assert after_reboot.get(PIN_PEPPER) == "pepper-from-the-desktop"


# --- systemd encrypted credentials ----------------------------------------------------------------------------------


@pytest.fixture
def systemd_sealing(tmp_path: Path) -> None:
    """Sealing works here: systemd-creds is installed and this process may use the host key."""
    require_programs("systemd-creds", packages="systemd")
    program = shutil.which("systemd-creds")
    assert program is not None
    probe = subprocess.run(
        [program, "encrypt", "--with-key=host", "--name=probe", "-", str(tmp_path / "probe.cred")],
        input=b"x",
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.fail(f"systemd-creds cannot seal here: {probe.stderr.decode().strip()}")


def hand_credential(credential: Path, folder: Path) -> Path:
    """What systemd does for LoadCredentialEncrypted= when it starts the service: decrypt the credential into a
    folder only the service can read, one file per credential, named after it."""
    folder.mkdir(mode=0o700)
    subprocess.run(
        ["systemd-creds", "decrypt", f"--name={CREDENTIAL_NAME}", str(credential), str(folder / CREDENTIAL_NAME)],
        check=True,
        capture_output=True,
    )
    # As systemd writes it for a service with User=: owned by root, read-only, the service's user let in by an ACL
    # (which shows as group bits in the mode).
    (folder / CREDENTIAL_NAME).chmod(0o440)
    return folder


@pytest.mark.usefixtures("systemd_sealing")
def test_seal_puts_the_file_store_under_a_key_sealed_by_systemd_that_the_service_is_handed(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file_store = open_secret_store(data_dir, keyring_backend=no_keyring())
    pepper = file_store.get_or_create(PIN_PEPPER)
    credential = tmp_path / "etc" / "secrets-key.cred"
    kiosk_user = 65534  # the data folder belongs to the kiosk's own user; IT seals as root
    os.chown(data_dir, kiosk_user, kiosk_user)

    command = ["secrets", "--data-dir", str(data_dir), "seal", "--credential", str(credential), "--with-key", "host"]
    assert kiosk_commands.main(command) == 0
    out = capsys.readouterr().out
    assert f"sealed the secrets key into {credential} with the host key" in out
    assert "secrets now under the sealed key: pin-pepper" in out
    assert f"  LoadCredentialEncrypted={CREDENTIAL_NAME}:{credential}" in out
    assert mode(credential) == 0o600
    vault = data_dir / VAULT_FILE
    assert mode(vault) == 0o600
    assert (vault.stat().st_uid, vault.stat().st_gid) == (kiosk_user, kiosk_user), "the kiosk's user must read it"
    assert pepper not in vault.read_text(encoding="utf-8")
    assert json.loads(vault.read_text(encoding="utf-8"))["key"] == "systemd-creds"

    monkeypatch.setenv(CREDENTIALS_VARIABLE, str(hand_credential(credential, tmp_path / "credentials")))
    service = open_secret_store(data_dir, keyring_backend=no_keyring())
    assert service.description.kind is StoreKind.SYSTEMD
    assert not service.description.file_permissions_only
    assert "handed by the service, sealed with the host key" in service.description.summary
    assert service.get(PIN_PEPPER) == pepper
    service.put(SMTP_PASSWORD, "changed-at-the-kiosk")  # the kiosk keeps changing secrets under the sealed key

    monkeypatch.delenv(CREDENTIALS_VARIABLE)
    root_shell = open_secret_store(data_dir, keyring_backend=no_keyring())  # IT's shell: root unseals it itself
    assert root_shell.description.kind is StoreKind.SYSTEMD
    assert root_shell.get(SMTP_PASSWORD) == "changed-at-the-kiosk"
    default_key_file().write_bytes(os.urandom(32))  # the old key file opens nothing any more
    assert root_shell.get(PIN_PEPPER) == pepper

    with pytest.raises(RuleViolation, match="already sealed under it, and a new key would lose them"):
        seal(data_dir, credential, with_key="host")

    sealed = credential.read_bytes()
    credential.write_bytes(sealed[:40] + bytes([sealed[40] ^ 1]) + sealed[41:])  # one bit changed
    with pytest.raises(EnvironmentProblem, match=r"cannot open them .*Run the command as root, or inside the service"):
        open_secret_store(data_dir, keyring_backend=no_keyring()).get(PIN_PEPPER)


@pytest.mark.usefixtures("systemd_sealing")
def test_seal_moves_secrets_out_of_an_unlocked_keyring(
    data_dir: Path, tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_keyring.set_password(SERVICE, PIN_PEPPER, "pepper")
    memory_keyring.set_password(SERVICE, CENTRAL_PROFILE, '{"kiosk": "k"}')
    data_dir.mkdir()
    result = seal(data_dir, tmp_path / "key.cred", keyring_backend=memory_keyring)  # "auto": TPM2 where there is one
    tpm2 = subprocess.run(["systemd-creds", "has-tpm2"], capture_output=True, check=False).returncode == 0
    assert result.sealed_with == ("TPM2 and host key" if tpm2 else "host key")
    assert result.moved == (CENTRAL_PROFILE, PIN_PEPPER)
    assert memory_keyring.secrets == {}
    monkeypatch.setenv(CREDENTIALS_VARIABLE, str(hand_credential(tmp_path / "key.cred", tmp_path / "credentials")))
    service = open_secret_store(data_dir, keyring_backend=no_keyring())
    assert service.get(PIN_PEPPER) == "pepper"
    assert service.get(CENTRAL_PROFILE) == '{"kiosk": "k"}'


@pytest.mark.usefixtures("systemd_sealing")
def test_a_kiosk_on_the_file_store_moves_under_the_key_its_service_is_handed(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pepper = open_secret_store(data_dir, keyring_backend=no_keyring()).get_or_create(PIN_PEPPER)
    credential = tmp_path / "key.cred"
    subprocess.run(
        ["systemd-creds", "encrypt", f"--name={CREDENTIAL_NAME}", "--with-key=host", "-", str(credential)],
        input=os.urandom(32),
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv(CREDENTIALS_VARIABLE, str(hand_credential(credential, tmp_path / "credentials")))
    service = open_secret_store(data_dir, keyring_backend=no_keyring())
    assert service.description.kind is StoreKind.SYSTEMD
    assert json.loads((data_dir / VAULT_FILE).read_text(encoding="utf-8"))["key"] == "systemd-creds"
    assert service.get(PIN_PEPPER) == pepper


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--with-key", "tpm3"], "--with-key must be one of auto, host, tpm2, host\\+tpm2, not 'tpm3'"),
        (["--data-dir-missing"], "does not exist"),
    ],
)
def test_bad_seal_requests_are_refused_and_change_nothing(
    data_dir: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    credential = tmp_path / "key.cred"
    folder = data_dir if options != ["--data-dir-missing"] else tmp_path / "nowhere"
    if options != ["--data-dir-missing"]:
        data_dir.mkdir()
    with_key = options[1] if options[0] == "--with-key" else "host"
    with pytest.raises(RuleViolation, match=message):
        seal(folder, credential, with_key=with_key)
    assert not credential.exists()
    assert not (folder / VAULT_FILE).exists()


def test_the_default_key_file_lies_apart_from_the_default_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_FILE_VARIABLE)
    monkeypatch.delenv("TIMECLOCK_DATA_DIR")
    key = default_key_file()
    assert key.name == "secrets.key"
    assert not key.is_relative_to(kiosk_data_dir())


def test_changes_from_several_processes_at_once_are_all_kept(data_dir: Path) -> None:
    open_secret_store(data_dir, keyring_backend=no_keyring()).get_or_create(PIN_PEPPER)  # the key and file exist
    writer = (
        "import sys; from pathlib import Path; from keyring.backends import fail; "
        "from kiosk.store.secrets import open_secret_store; "
        "store = open_secret_store(Path(sys.argv[1]), keyring_backend=fail.Keyring()); "
        "[store.put(f'{sys.argv[2]}-{n}', 'x') for n in range(25)]"
    )
    root = Path(__file__).resolve().parents[2]
    writers = [subprocess.Popen([sys.executable, "-c", writer, str(data_dir), f"w{n}"], cwd=root) for n in range(4)]
    assert [process.wait(timeout=120) for process in writers] == [0, 0, 0, 0]
    names = open_secret_store(data_dir, keyring_backend=no_keyring()).vault.names()  # type: ignore[attr-defined]
    assert len(names) == 1 + 4 * 25


def free_port_pair() -> tuple[int, int]:
    """Two free TCP ports in a row on the loopback interface."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port, port + 1
    raise RuntimeError("no two free ports in a row")


@pytest.fixture
def software_tpm2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A TPM2 chip emulated by swtpm, which systemd-creds reaches through $SYSTEMD_TPM2_DEVICE (as it would reach
    /dev/tpmrm0 on a PC with a TPM2); a test using it fails where swtpm is not installed."""
    require_programs("swtpm", packages="swtpm libtss2-tcti-swtpm0 libtss2-esys-3.0.2-0")
    port, control = free_port_pair()  # the swtpm TCTI finds the control channel on the next port
    state = tmp_path / "tpm2-state"
    state.mkdir()
    chip = subprocess.Popen(
        [
            "swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}",
            "--server", f"type=tcp,port={port},bindaddr=127.0.0.1",
            "--ctrl", f"type=tcp,port={control},bindaddr=127.0.0.1",
            "--flags", "not-need-init,startup-clear",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        device = f"swtpm:host=127.0.0.1,port={port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.05)
        monkeypatch.setenv("SYSTEMD_TPM2_DEVICE", device)
        yield device
    finally:
        chip.terminate()
        chip.wait(timeout=10)


@pytest.mark.usefixtures("systemd_sealing")
def test_seal_binds_the_key_to_the_tpm2_and_host_key_and_it_opens_only_with_that_chip(
    data_dir: Path, tmp_path: Path, software_tpm2: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pepper = open_secret_store(data_dir, keyring_backend=no_keyring()).get_or_create(PIN_PEPPER)
    credential = tmp_path / "key.cred"
    result = seal(data_dir, credential, with_key="host+tpm2")
    assert result.sealed_with == "TPM2 and host key"

    monkeypatch.setenv(CREDENTIALS_VARIABLE, str(hand_credential(credential, tmp_path / "credentials")))
    service = open_secret_store(data_dir, keyring_backend=no_keyring())
    assert "sealed with the TPM2 and host key" in service.description.summary
    assert service.get(PIN_PEPPER) == pepper

    monkeypatch.delenv(CREDENTIALS_VARIABLE)
    monkeypatch.setenv("SYSTEMD_TPM2_DEVICE", "/dev/no-such-tpm")  # the disk in another PC: no such chip there
    with pytest.raises(EnvironmentProblem, match="cannot open them"):
        open_secret_store(data_dir, keyring_backend=no_keyring()).get(PIN_PEPPER)
