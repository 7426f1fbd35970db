"""Synthesise the kiosk's sounds into resources/sounds/ (run once; the WAV files are kept in the repository).

`confirm.wav`: two rising sine tones (a punch was recorded). `problem.wav`: two falling, softer tones (something needs
the person's attention). Each tone has a short fade in and out so the speaker does not click.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 22050
FADE_S = 0.012


def tone(frequency: float, seconds: float, volume: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    wave_form = np.sin(2 * np.pi * frequency * t) + 0.25 * np.sin(4 * np.pi * frequency * t)
    envelope = np.minimum(1.0, np.minimum(t, seconds - t) / FADE_S)
    return volume * wave_form * envelope / 1.25


def write(path: Path, samples: np.ndarray) -> None:
    data = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(data.tobytes())


def main() -> None:
    target = Path(__file__).resolve().parents[1] / "resources" / "sounds"
    target.mkdir(parents=True, exist_ok=True)
    gap = np.zeros(int(RATE * 0.04))
    write(target / "confirm.wav", np.concatenate([tone(880.0, 0.12, 0.6), gap, tone(1318.5, 0.2, 0.6)]))
    write(target / "problem.wav", np.concatenate([tone(440.0, 0.15, 0.45), gap, tone(330.0, 0.25, 0.45)]))


if __name__ == "__main__":
    main()
