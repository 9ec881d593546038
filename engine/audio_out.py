"""The live sound device: mixed blocks streamed into Panda3D's OpenAL output.

The mixer makes each tick's audio when the sim runs that tick, which in a live run is when
the host clock reaches it. This sink appends those samples to a Panda3D `UserDataAudio`
stream that OpenAL plays, `lead_s` behind: a pre-roll of silence, written with the
session's first block, covers the render loop's uneven pace (a frame on llvmpipe is
20-40 ms), so that the device does not run dry between frames.

What would make sound drift from the picture is the queue ahead of the device changing
size: after a render hitch the sim catches up and writes the missed ticks at once, and
everything plays that much later; a hitch longer than the lead leaves the device dry, and
it restarts late. So the queue is watched: written minus what the device reports played
(Panda3D's getTime: exact at the end of each OpenAL buffer, a calibrated clock between),
as a median over each second. An excess over the lead is skipped from the coming blocks, a
shortfall is filled with silence (15 ms tolerance). Measured with OpenAL's wave-file
backend, against the sim time each beep and flash belong to: a light session holds one
offset to the sample; a hitch that adds 30 ms is taken back within two seconds; a machine
overloaded with two busy processes wanders about 20 ms either side of its offset. See
tests/engine/test_window.py and the closing notes of issue 9.

Not corrected: a sound card whose crystal runs at a slightly different rate from the host
clock (typically 20-50 parts per million, 1-3 ms a minute).

Runs on the render thread (Panda3D's audio calls are not thread-safe). No device is not an
error: the caller falls back to no sound with one warning.

Owns PandaSink, the only sink that touches Panda3D (the others are in
engine/audio_sinks.py). Must not import the mixer (engine/audio.py) or the decode cache
(engine/clip_audio.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from engine.audio_format import CHANNELS, RATE, AudioError
from engine.audio_sinks import Sink

LEAD_S = 0.06
TOLERANCE_S = 0.015
WINDOW_S = 1.0


class PandaSink(Sink):
    def __init__(
        self,
        base,
        lead_s: float = LEAD_S,
        tolerance_s: float = TOLERANCE_S,
        clock: Callable[[], float] = time.perf_counter,
    ):
        from panda3d.core import AudioManager, UserDataAudio

        managers = [m for m in base.sfxManagerList if m is not None]
        if not managers or not managers[0].isValid():
            raise AudioError("no sound device could be opened (running silent)")
        self.manager = managers[0]
        self.lead = round(lead_s * RATE)
        self.tolerance = round(tolerance_s * RATE)
        self._clock = clock
        self._data = UserDataAudio(RATE, CHANNELS, True)
        self._sound = self.manager.getSound(self._data, False, AudioManager.SM_stream)
        self.written = 0  # samples appended, pre-roll and inserted silence included
        self.skipped = 0  # samples dropped to bring the queue back to the lead
        self.inserted = 0  # samples of silence added to bring it back up
        self.dry = 0  # times the device ran out
        self._consumed = 0.0  # samples played, by the host clock (to count dry spells)
        self._last: float | None = None
        self._window_end = 0.0
        self._skip = 0  # samples still to drop from the coming blocks
        self._reported: list[float] = []  # the queue by the device's own position report

    def _append(self, block: np.ndarray) -> None:
        pcm = np.round(np.clip(block, -1.0, 1.0) * 32767).astype("<i2")
        self._data.append(pcm.tobytes())
        self.written += len(block)

    def write(self, block: np.ndarray) -> None:
        now = self._clock()
        if self._last is None:  # the session's first block: pre-roll, then play
            self._append(np.zeros((self.lead, CHANNELS), np.float32))
            self._sound.play()
            self._window_end = now + WINDOW_S
        else:
            self._consumed += (now - self._last) * RATE
            if self._consumed > self.written:  # it ran out and waited
                self.dry += 1
                self._consumed = float(self.written)
            self._reported.append(self.written - self._skip - self._sound.getTime() * RATE)
            if now >= self._window_end:
                self._correct()
                self._window_end = now + WINDOW_S
        self._last = now
        if self._skip:
            drop = min(len(block), self._skip)
            block = block[drop:]
            self._skip -= drop
            self.skipped += drop
        if len(block):
            self._append(block)

    def _correct(self) -> None:
        error = round(float(np.median(self._reported))) - self.lead if self._reported else 0
        self._reported = []
        if error > self.tolerance:
            self._skip += error
        elif error < -self.tolerance:
            self._append(np.zeros((-error, CHANNELS), np.float32))
            self.inserted += -error

    def report(self) -> str:
        ms = 1000 / RATE
        return (
            f"sound device: {self.lead * ms:.0f} ms behind sim time; it ran dry {self.dry} "
            f"time(s); to hold the lead {self.skipped * ms:.0f} ms skipped, "
            f"{self.inserted * ms:.0f} ms of silence inserted"
        )

    def close(self) -> None:
        self._data.done()
        self._sound.stop()
