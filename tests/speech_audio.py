"""Test speech made with espeak-ng (a Debian package: tools/setup.sh installs it with the
test packages); tests that need it skip, saying so, without it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest

from drivers.microphone import RATE, read_wav

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(
    ESPEAK is None, reason="espeak-ng is not installed (apt-get install espeak-ng)"
)


def speak(text: str, speed_wpm: int = 175, voice: str = "en-us") -> np.ndarray:
    """`text` spoken by espeak-ng, as 16 kHz mono int16 samples."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.wav"
        subprocess.run(
            [ESPEAK or "espeak-ng", "-v", voice, "-s", str(speed_wpm), "-w", str(out), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return read_wav(out)


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.asarray(samples, "<i2").tobytes())
    return path


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), np.int16)
