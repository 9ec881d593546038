"""Where the mixed session audio goes: the sink protocol and the sinks that need no
sound device.

Owns: Sink (write float32 (n, CHANNELS) blocks at RATE, in session order; close),
NullSink (made and dropped), WavSink (`--audio-out FILE.wav`) and TeeSink (one mix to
several sinks). The live device sink, PandaSink, lives in engine/audio_out.py because it is
the only one that touches Panda3D; engine/capture.py makes the sink that muxes sound into
`--video-out`.

Must not import Panda3D, PyAV, the mixer (engine/audio.py) or the decode cache
(engine/clip_audio.py): a sink takes finished blocks and knows nothing of how they were
made.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine.audio_format import CHANNELS, RATE, AudioError
from sim.files import create_private, why


class Sink:
    """Where mixed blocks go: float32 (n, 2) at RATE, in session order."""

    def write(self, block: np.ndarray) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class NullSink(Sink):
    """No sound device (servers, tests): the mix is made and dropped."""

    def __init__(self) -> None:
        self.samples = 0

    def write(self, block: np.ndarray) -> None:
        self.samples += len(block)


class WavSink(Sink):
    """`--audio-out FILE.wav`: 16-bit stereo PCM at RATE, written as the session goes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:  # the session's sound is trainee data: owner-only, never through a link
            self._file = os.fdopen(create_private(self.path), "wb")
        except (OSError, ValueError) as exc:
            raise AudioError(f"{path}: cannot write audio ({why(exc)})") from None
        self._wav = wave.open(self._file, "wb")  # noqa: SIM115
        self._wav.setnchannels(CHANNELS)
        self._wav.setsampwidth(2)
        self._wav.setframerate(RATE)
        self.samples = 0

    def write(self, block: np.ndarray) -> None:
        pcm = np.round(np.clip(block, -1.0, 1.0) * 32767).astype("<i2")
        self._wav.writeframes(pcm.tobytes())
        self.samples += len(block)

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None
            self._file.close()


class TeeSink(Sink):
    """One mix to several sinks (the device and `--audio-out`), in the order given."""

    def __init__(self, sinks: Sequence[Sink]):
        self.sinks = list(sinks)

    def write(self, block: np.ndarray) -> None:
        for s in self.sinks:
            s.write(block)

    def close(self) -> None:
        for s in self.sinks:
            s.close()
