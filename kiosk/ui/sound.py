"""Short sounds for confirmations and problems, played without ever blocking the GUI thread.

The Qt wheels the kiosk ships have no multimedia module, so a sound is handed to the platform: `winsound` (asynchronous)
on Windows, `paplay` or `aplay` as a child process on Linux; with neither, the system beep.
"""

from __future__ import annotations

import enum
import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.ui.theme import resources_dir

log = logging.getLogger(__name__)


class Sound(enum.StrEnum):
    CONFIRM = "confirm"
    PROBLEM = "problem"


class SoundPlayer:
    """Plays the kiosk's sounds; `enabled=False` keeps it silent (tests, rendering screens)."""

    def __init__(self, enabled: bool = True, folder: Path | None = None) -> None:
        self.enabled = enabled
        self._folder = folder or resources_dir() / "sounds"
        self._player = next((tool for tool in ("paplay", "aplay") if shutil.which(tool)), None)
        self._children: list[subprocess.Popen[bytes]] = []
        self.played: list[Sound] = []

    def play(self, sound: Sound) -> None:
        self.played.append(sound)
        if not self.enabled:
            return
        path = self._folder / f"{sound.value}.wav"
        if sys.platform == "win32":
            import winsound  # noqa: PLC0415 - exists on Windows only

            winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC)
            return
        if self._player is None:
            QApplication.beep()
            return
        self._children = [child for child in self._children if child.poll() is None]
        try:
            self._children.append(
                subprocess.Popen([self._player, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        except OSError as error:
            log.warning("cannot play %s: %s", path, error)

    def close(self) -> None:
        for child in self._children:
            child.wait(timeout=2)
        self._children.clear()
