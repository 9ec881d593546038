"""The trainee microphone: speech in 16 kHz mono 16-bit samples, timed in session seconds.

`--trainee-mic FILE` (a WAV file standing in for the microphone) or `--trainee-mic N` (a
live input device by index, through the sounddevice library: it needs the PortAudio shared
library, which a machine may lack; `input_devices()` says so instead of failing).
  FileMic   headless runs: `until(t_s)` hands over the file's samples up to session time
            t_s, so a scripted run hears, and records, the same audio every time
  LiveMic   a sounddevice input stream; blocks are stamped with the host clock when they
            arrived and `take()` hands them over (the engine maps stamps to session time)
Must not import engine.
"""

from __future__ import annotations

import collections
import threading
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from drivers.input_queue import host_now_s
from sim.errors import UserError

RATE = 16_000  # what the recognizer wants, and what the side file keeps
MAX_FILE_S = 4 * 3600  # a stand-in file longer than this is refused (untrusted input)


class MicError(UserError, OSError):
    """A microphone or stand-in file that cannot be used; the message names it (one line:
    `sightline run --trainee-mic FILE` with a bad file printed a traceback)."""


def to_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """int16 mono samples at `rate` resampled to RATE (linear: speech, not music)."""
    if rate == RATE or len(samples) == 0:
        return samples.astype(np.int16)
    n = int(len(samples) * RATE / rate)
    pos = np.arange(n) * (rate / RATE)
    return np.interp(pos, np.arange(len(samples)), samples.astype(np.float64)).astype(np.int16)


def read_wav(path: str | Path) -> np.ndarray:
    """A WAV file (PCM 8/16/32-bit, any rate, any channels) as int16 mono at RATE."""
    try:
        with wave.open(str(path), "rb") as w:
            rate, width, chans, n = (
                w.getframerate(),
                w.getsampwidth(),
                w.getnchannels(),
                w.getnframes(),
            )
            if not 0 < rate <= 192_000 or n > MAX_FILE_S * rate or chans > 8:
                raise MicError(f"{path}: not a usable WAV file ({rate} Hz, {chans} channels)")
            raw = w.readframes(n)
    except (wave.Error, EOFError) as exc:
        raise MicError(f"{path}: not a PCM WAV file ({exc})") from None
    dtype = {1: np.uint8, 2: np.int16, 4: np.int32}.get(width)
    if dtype is None:
        raise MicError(f"{path}: {8 * width}-bit samples are not supported")
    a = np.frombuffer(raw[: len(raw) - len(raw) % (width * chans)], dtype=dtype)
    a = a.reshape(-1, chans).astype(np.float64).mean(axis=1)
    if width == 1:
        a = (a - 128) * 256
    elif width == 4:
        a = a / 65536
    return to_rate(np.clip(a, -32768, 32767), rate)


class FileMic:
    """A WAV file heard in step with session time (deterministic)."""

    def __init__(self, path: str | Path):
        self.name = f"trainee-mic:{path}"
        self.samples = read_wav(path)
        self.pos = 0  # samples handed over

    def until(self, t_s: float) -> np.ndarray:
        """The samples from where the last call stopped up to session time t_s (silence
        past the file's end)."""
        end = max(self.pos, round(t_s * RATE))
        out = self.samples[self.pos : end]
        if len(out) < end - self.pos:
            out = np.concatenate([out, np.zeros(end - self.pos - len(out), np.int16)])
        self.pos = end
        return out

    def stop(self) -> None:
        pass


def input_devices() -> tuple[list[str], str | None]:
    """The microphones ("N: name (channels ch, rate Hz)") and why there are none (no
    sounddevice, or no PortAudio library), for `sightline devices`."""
    try:
        import sounddevice as sd  # needs PortAudio only for a live mic

        devices = sd.query_devices()
    except (ImportError, OSError) as exc:
        return [], f"no live microphone support here: {exc}"
    out = [
        f"{i}: {d['name']} ({d['max_input_channels']} ch, {d['default_samplerate']:.0f} Hz)"
        for i, d in enumerate(devices)
        if d.get("max_input_channels", 0) > 0
    ]
    return out, None


class LiveMic:
    """A live input device; blocks stamped with the host clock as they arrive."""

    def __init__(
        self,
        index: int,
        clock: Callable[[], float] = host_now_s,
        on_fault: Callable[[str, bool, str], None] | None = None,
    ):
        self.index, self.clock, self.on_fault = index, clock, on_fault
        self.name = f"trainee-mic:{index}"
        self._q: collections.deque[tuple[float, np.ndarray]] = collections.deque(maxlen=2000)
        self._lock = threading.Lock()
        self._stream = None

    def start(self) -> LiveMic:
        try:
            import sounddevice as sd

            self._stream = sd.InputStream(
                device=self.index,
                channels=1,
                samplerate=RATE,
                dtype="int16",
                callback=self._block,
            )
            self._stream.start()
        except (ImportError, OSError, ValueError) as exc:  # sounddevice raises PortAudioError
            if self.on_fault is not None:
                self.on_fault(self.name, False, f"cannot open microphone: {exc}")
        return self

    def _block(self, indata, frames, time_info, status) -> None:  # PortAudio's thread
        with self._lock:
            self._q.append((self.clock(), indata[:, 0].copy()))

    def take(self) -> list[tuple[float, np.ndarray]]:
        """(host time the block arrived, samples) for each block since the last call."""
        with self._lock:
            out = list(self._q)
            self._q.clear()
        return out

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
