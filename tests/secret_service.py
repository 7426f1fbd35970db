"""A real Secret Service for tests: gnome-keyring-daemon on a private D-Bus session bus, in a throwaway home.

The login keyring is made with a known password; `lock()` locks it as a reboot does, and `unlock()` starts the daemon
again with the password, as a desktop login does. No prompt can be shown (there is no display), so a locked keyring
stays locked whatever a client asks, exactly as on a kiosk PC after a power cut.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import secretstorage
from keyring.backends import SecretService

from tests.system import require_programs

PASSWORD = "kiosk-login-password"
START_TIMEOUT_S = 20.0
DEFAULT_COLLECTION = "/org/freedesktop/secrets/aliases/default"
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class SecretServiceSession:
    """gnome-keyring-daemon serving one test, on a bus of its own."""

    def __init__(self, home: Path, bus_address: str, environment: dict[str, str]) -> None:
        self.home = home
        self.bus_address = bus_address
        self._environment = environment
        self._daemons: list[subprocess.Popen[str]] = []
        self._log = (home / "gnome-keyring.log").open("a", encoding="utf-8")
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        command = ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"]
        daemon = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=self._environment,
            text=True,
        )
        self._daemons.append(daemon)
        assert daemon.stdin is not None
        daemon.stdin.write(PASSWORD)
        daemon.stdin.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            # The default collection is looked up, never asked for: asking would try to create it.
            with (
                contextlib.suppress(secretstorage.exceptions.SecretStorageException),
                contextlib.closing(secretstorage.dbus_init()) as bus,
            ):
                if not secretstorage.Collection(bus, DEFAULT_COLLECTION).is_locked():
                    return
            time.sleep(0.05)
        log = (self.home / "gnome-keyring.log").read_text(encoding="utf-8")
        raise RuntimeError(f"gnome-keyring-daemon did not come up unlocked:\n{log}")

    @property
    def backend(self) -> SecretService.Keyring:
        """keyring's Secret Service backend, talking to this daemon."""
        return SecretService.Keyring()  # type: ignore[no-untyped-call]

    def is_locked(self) -> bool:
        with contextlib.closing(secretstorage.dbus_init()) as bus:
            return bool(secretstorage.Collection(bus, DEFAULT_COLLECTION).is_locked())

    def lock(self) -> None:
        """Lock the login keyring, as it is after a reboot."""
        with contextlib.closing(secretstorage.dbus_init()) as bus:
            secretstorage.Collection(bus, DEFAULT_COLLECTION).lock()
        assert self.is_locked()

    def unlock(self) -> None:
        """Unlock it with its password, as logging in to the desktop again does (the daemon of the session before
        ends, a new one starts)."""
        self._stop()
        self._start()

    def close(self) -> None:
        self._stop()
        self._log.close()

    def _stop(self) -> None:
        for daemon in self._daemons:
            if daemon.poll() is None:
                daemon.terminate()
                try:
                    daemon.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()


@pytest.fixture
def secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretServiceSession]:
    """A running, unlocked Secret Service (gnome-keyring) on a private session bus."""
    require_programs("gnome-keyring-daemon", "dbus-daemon", packages="gnome-keyring dbus")
    home = tmp_path / "keyring-home"
    runtime = home / "run"
    runtime.mkdir(parents=True, mode=0o700)
    environment = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_RUNTIME_DIR=str(runtime))
    environment.pop("DISPLAY", None)
    environment.pop("WAYLAND_DISPLAY", None)
    # A bus that starts no service on demand: a client asking for the Secret Service before our daemon has taken
    # its name would otherwise start a second, locked one, and a prompt for a password could be started too.
    config = home / "session.conf"
    config.write_text(BUS_CONFIG.format(runtime=runtime), encoding="utf-8")
    bus = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environment,
        text=True,
    )
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        environment["DBUS_SESSION_BUS_ADDRESS"] = address
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        session = SecretServiceSession(home, address, environment)
        try:
            yield session
        finally:
            session.close()
    finally:
        bus.terminate()
        bus.wait(timeout=10)
        if bus.stdout is not None:
            bus.stdout.close()
