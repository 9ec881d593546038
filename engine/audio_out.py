"""The live sound device: mixed blocks streamed into Panda3D's OpenAL output.

The mixer makes each tick's audio when the sim runs that tick, which in a live run is when
the host clock reaches it. This sink appends those samples to a Panda3D `UserDataAudio`
stream that OpenAL plays, `lead_s` behind: a pre-roll of silence covers the render loop's
uneven pace (a frame of llvmpipe is 20-40 ms), so the device never starves in normal
running. The lead is held by comparing what was written with what the device reports
played: when the device falls behind (it stalled, or its crystal runs slow against the
host clock) the excess is skipped; when it runs ahead, silence is inserted. Sound is thus
held `lead_s` behind the picture's sim time, never drifting further than `tolerance_s`.

Runs on the render thread (Panda3D's audio calls are not thread-safe); no device, no
error: the caller falls back to no sound with one warning.
"""

from __future__ import annotations

import numpy as np

from engine.audio import CHANNELS, RATE, AudioError, Sink

LEAD_S = 0.06
TOLERANCE_S = 0.03


class PandaSink(Sink):
    def __init__(self, base, lead_s: float = LEAD_S, tolerance_s: float = TOLERANCE_S):
        from panda3d.core import AudioManager, UserDataAudio

        managers = [m for m in base.sfxManagerList if m is not None]
        if not managers or not managers[0].isValid():
            raise AudioError("no sound device could be opened (running silent)")
        self.manager = managers[0]
        self.lead = round(lead_s * RATE)
        self.tolerance = round(tolerance_s * RATE)
        self._data = UserDataAudio(RATE, CHANNELS, True)
        self._sound = self.manager.getSound(self._data, False, AudioManager.SM_stream)
        self.written = 0  # samples appended, pre-roll and corrections included
        self.skipped = 0  # samples dropped to hold the lead
        self.inserted = 0  # samples of silence inserted to hold the lead
        self._append(np.zeros((self.lead, CHANNELS), np.float32))
        self._sound.play()
        self._checks = 0

    def _append(self, block: np.ndarray) -> None:
        pcm = np.round(np.clip(block, -1.0, 1.0) * 32767).astype("<i2")
        self._data.append(pcm.tobytes())
        self.written += len(block)

    def played(self) -> int:
        """Samples of the stream the device has played, by its own report."""
        return round(self._sound.getTime() * RATE)

    def write(self, block: np.ndarray) -> None:
        lead = self.written - self.played()
        self._checks += 1
        if self._checks > 30 and lead > self.lead + self.tolerance:
            drop = min(len(block), lead - self.lead)
            block = block[drop:]
            self.skipped += drop
        elif self._checks > 30 and lead < self.lead - self.tolerance:
            gap = self.lead - lead
            self._append(np.zeros((gap, CHANNELS), np.float32))
            self.inserted += gap
        if len(block):
            self._append(block)

    def report(self) -> str:
        return (
            f"sound device: {self.lead * 1000 / RATE:.0f} ms behind sim time; to hold it, "
            f"{self.skipped * 1000 / RATE:.0f} ms skipped, {self.inserted * 1000 / RATE:.0f} ms "
            "of silence inserted"
        )

    def close(self) -> None:
        self._data.done()
        self._sound.stop()
