"""`python main.py mail ...`: configure the notification email, look at the outbox, send what is due.

The same settings and sender as the kiosk's (`kiosk.services.mail`); IT can set mail up from a shell, and a kiosk
without a screen session can send its outbox from a scheduled task.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.commands.shared_options import DATA_DIR, add_shared
from kiosk.domain.errors import RuleViolation

_DATA_DIR_HELP = "the kiosk's data folder (before or after the action)"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `mail` command group."""
    parser = subparsers.add_parser("mail", help="notification email: settings, outbox, send now")
    add_shared(parser, DATA_DIR, _DATA_DIR_HELP)
    actions = parser.add_subparsers(dest="mail_command", metavar="ACTION", required=True)

    show = actions.add_parser("show", help="print the mail settings and how much mail waits")
    add_shared(show, DATA_DIR, _DATA_DIR_HELP)
    show.set_defaults(handler=_show)

    configure = actions.add_parser(
        "configure",
        help="store the SMTP settings (the password, read from standard input, goes to the secret store)",
        description="Store where notification mail goes. Every option not given takes its default; --off removes "
        "the SMTP server, and mail then waits in the outbox.",
    )
    configure.add_argument("--host", metavar="HOST", help="the SMTP server")
    configure.add_argument("--port", type=int, default=587, metavar="PORT", help="its port (default 587)")
    configure.add_argument("--user", metavar="NAME", help="the SMTP login, if the server wants one")
    configure.add_argument("--from", dest="from_address", metavar="ADDRESS", help="the sender address")
    configure.add_argument(
        "--to", dest="to_addresses", action="append", default=[], metavar="ADDRESS", help="a recipient (repeatable)"
    )
    configure.add_argument("--no-starttls", action="store_true", help="do not upgrade the connection to TLS")
    configure.add_argument("--ca-file", metavar="PEM", help="extra certificate authorities to trust")
    configure.add_argument("--timeout", type=int, default=20, metavar="SECONDS", help="network timeout (default 20)")
    configure.add_argument(
        "--password-stdin", action="store_true", help="read the SMTP password from standard input (one line)"
    )
    configure.add_argument(
        "--console-url", metavar="URL", help="head office's web console: the review email links to the claim there"
    )
    configure.add_argument("--off", action="store_true", help="remove the SMTP server: mail waits in the outbox")
    add_shared(configure, DATA_DIR, _DATA_DIR_HELP)
    configure.set_defaults(handler=_configure)

    outbox = actions.add_parser("outbox", help="list the queued and sent messages as CSV")
    add_shared(outbox, DATA_DIR, _DATA_DIR_HELP)
    outbox.set_defaults(handler=_outbox)

    send = actions.add_parser("send", help="send the messages that are due now")
    add_shared(send, DATA_DIR, _DATA_DIR_HELP)
    send.set_defaults(handler=_send)


def _mailer(args: argparse.Namespace) -> Any:
    # Imported here: `main.py --help` must not load the database layer.
    from kiosk.services.clock import SystemTimeSource
    from kiosk.services.local_kiosk import open_existing_database
    from kiosk.services.mail import Mailer
    from kiosk.store.location import data_dir
    from kiosk.store.secrets import open_secret_store

    database = open_existing_database(args.data_dir)
    return database, Mailer(database, open_secret_store(data_dir(args.data_dir)), SystemTimeSource())


def _show(args: argparse.Namespace) -> int:
    database, mailer = _mailer(args)
    try:
        settings = mailer.settings()
        waiting = len(mailer.outbox(unsent_only=True))
    finally:
        database.close()
    if not settings.is_configured:
        print(f"mail: not configured; {waiting} message(s) waiting in the outbox")
        return 0
    print(f"mail: {settings.host}:{settings.port}, STARTTLS {'on' if settings.starttls else 'off'}")
    print(f"login: {settings.username or '(none)'}")
    print(f"from: {settings.from_address}")
    print(f"to: {', '.join(settings.to_addresses)}")
    if settings.ca_file:
        print(f"extra certificate authorities: {settings.ca_file}")
    if settings.console_url:
        print(f"review links to: {settings.console_url}")
    print(f"waiting: {waiting} message(s)")
    return 0


def _configure(args: argparse.Namespace) -> int:
    from kiosk.services.mail import MailSettings

    if args.off:
        given = [args.host, args.user, args.from_address, args.ca_file, args.console_url, *args.to_addresses]
        if any(value is not None for value in given):
            raise RuleViolation("options_conflict", "--off removes the SMTP server; give no other settings with it")
        settings = MailSettings()
    else:
        if args.host is None:
            raise RuleViolation("mail_setting_invalid", "--host is required (or --off to remove the SMTP server)")
        settings = MailSettings(
            host=args.host,
            port=args.port,
            username=args.user,
            from_address=args.from_address,
            to_addresses=tuple(args.to_addresses),
            starttls=not args.no_starttls,
            ca_file=args.ca_file,
            timeout_seconds=args.timeout,
            console_url=args.console_url,
        )
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise RuleViolation("password_missing", "--password-stdin: standard input held no password")
    database, mailer = _mailer(args)
    try:
        mailer.configure(settings, changed_by="command line", password=password)
    finally:
        database.close()
    state = "saved" if settings.is_configured else "removed: mail waits in the outbox"
    print(f"mail settings {state}")
    return 0


def _outbox(args: argparse.Namespace) -> int:
    import csv

    database, mailer = _mailer(args)
    try:
        messages = mailer.outbox()
    finally:
        database.close()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("created_at", "subject", "attempts", "sent_at", "next_attempt_at", "last_error"))
    for message in messages:
        sent = message.sent_at.isoformat() if message.sent_at else ""
        writer.writerow(
            (
                message.created_at.isoformat(),
                message.subject,
                message.attempts,
                sent,
                "" if message.sent_at else message.next_attempt_at.isoformat(),
                message.last_error or "",
            )
        )
    return 0


def _send(args: argparse.Namespace) -> int:
    database, mailer = _mailer(args)
    try:
        report = mailer.send_due()
    finally:
        database.close()
    if not report.configured:
        print(f"mail is not configured; {report.waiting} message(s) wait in the outbox")
        return 1 if report.waiting else 0
    print(f"sent {report.sent}, failed {report.failed}, waiting {report.waiting}")
    if report.last_error:
        print(f"last error: {report.last_error}")
    return 1 if report.failed else 0
