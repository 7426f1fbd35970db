"""`python main.py secrets ...`: which store keeps the kiosk's secrets, sealing them for a kiosk service, and moving
them out of a desktop keyring.

    python main.py secrets show [--data-dir DIR]
    python main.py secrets seal [--data-dir DIR] [--credential FILE] [--with-key auto|host|tpm2|host+tpm2]
    python main.py secrets migrate [--data-dir DIR]

`seal` is what IT runs (as root) on a kiosk PC that runs the kiosk as a systemd service with nobody logged in: it
makes a key, seals it with `systemd-creds` (to the TPM2 where there is one, and to the host key), keeps the kiosk's
secrets under it and prints the `LoadCredentialEncrypted=` line the service needs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.commands.shared_options import DATA_DIR, add_shared

_DATA_DIR_HELP = "the kiosk's data folder (before or after the action)"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `secrets` command group."""
    parser = subparsers.add_parser(
        "secrets",
        help="the secret store: which one is used, seal it for a kiosk service, move secrets out of a keyring",
        description="The kiosk keeps its secrets (PIN pepper, central credentials, face-template key, SMTP password) "
        "in an unlocked OS keyring; else, on a Linux service, under a key sealed by systemd-creds; else in an "
        "encrypted file whose key lies apart from the data folder, protected by file permissions only.",
    )
    add_shared(parser, DATA_DIR, _DATA_DIR_HELP)
    actions = parser.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)

    show = actions.add_parser("show", help="print which store keeps the secrets and which secrets it holds")
    add_shared(show, DATA_DIR, _DATA_DIR_HELP)
    show.set_defaults(handler=_show)

    seal = actions.add_parser(
        "seal",
        help="seal the secrets for the kiosk's systemd service (run as root)",
        description="Make a new key, seal it with systemd-creds into FILE (to the TPM2 where the machine has one, "
        "else to the host key) and keep the kiosk's secrets under it, in the data folder's encrypted file owned "
        "like the data folder. Secrets in the key-file store, or in an unlocked keyring this process reaches, move "
        "under the sealed key. Prints the LoadCredentialEncrypted= line for the kiosk's unit. An existing FILE is "
        "never replaced: the secrets sealed under it would be lost.",
    )
    seal.add_argument(
        "--credential",
        type=Path,
        metavar="FILE",
        help="where the sealed key goes (default /etc/timeclock-kiosk/secrets-key.cred)",
    )
    seal.add_argument(
        "--with-key",
        default="auto",
        metavar="KEY",
        help="auto (TPM2 and host key where there is a TPM2, else host key), host, tpm2 or host+tpm2",
    )
    add_shared(seal, DATA_DIR, _DATA_DIR_HELP)
    seal.set_defaults(handler=_seal)

    migrate = actions.add_parser(
        "migrate",
        help="move the secrets out of the desktop keyring into the data folder's encrypted file",
        description="Move the kiosk's secrets from the OS keyring (it may ask for the keyring's password) into "
        "the encrypted file of the data folder, so that the kiosk no longer needs the keyring unlocked after a "
        "restart. Run it in the desktop session of the kiosk's user; `seal` then puts them under a sealed key.",
    )
    add_shared(migrate, DATA_DIR, _DATA_DIR_HELP)
    migrate.set_defaults(handler=_migrate)


def _folder(args: argparse.Namespace) -> Path:
    from kiosk.store.location import data_dir

    return data_dir(args.data_dir)


def _show(args: argparse.Namespace) -> int:
    import keyring

    from kiosk.store.secrets import KNOWN_SECRETS, inspect_keyring, open_secret_store

    folder = _folder(args)
    store = open_secret_store(folder, migrate=False)
    state = inspect_keyring(keyring.get_keyring())
    print(f"store: {store.description.summary}")
    held = store.held()
    for name in KNOWN_SECRETS:
        where = "locked in the keyring" if name in store.stranded else ("present" if name in held else "not set")
        print(f"  {name}: {where}")
    keyring_line = "unlocked" if state.usable else state.reason
    print(f"keyring: {state.name}: {keyring_line}")
    if store.stranded:
        print("secrets are in a locked keyring: unlock it, then run `python main.py secrets migrate`")
        return 1
    return 0


def _seal(args: argparse.Namespace) -> int:
    from kiosk.store.secrets import DEFAULT_CREDENTIAL, seal

    result = seal(_folder(args), args.credential or DEFAULT_CREDENTIAL, with_key=args.with_key)
    print(f"sealed the secrets key into {result.credential} with the {result.sealed_with}")
    if result.moved:
        print(f"secrets now under the sealed key: {', '.join(result.moved)}")
    print("the kiosk's systemd unit needs this line in its [Service] section:")
    print(f"  {result.unit_line}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from kiosk.store.secrets import migrate_from_keyring

    moved, store = migrate_from_keyring(_folder(args))
    if not moved:
        print(f"the keyring holds none of the kiosk's secrets; they are in {store.summary}")
        return 0
    print(f"moved {', '.join(moved)} from the keyring to {store.summary}")
    return 0
