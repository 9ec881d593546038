"""The trainee's voice in a run: the microphone recorded beside --record (REC.voice.wav,
16 kHz mono, owner-only, timed in session seconds: sample n is session time n / 16000),
speech recognition, and the recognized phrases put on the session's inputs as `Said`
events (so they are recorded, replayed and verified like any input; a replay never runs
recognition again).

`MicPath` is a sink of the session's bus. Headless (`--trainee-mic FILE`): each tick it
takes the file's samples up to the tick's session time and recognizes them on the spot,
so the same file gives the same events at the same ticks. Live (`--trainee-mic N`): the
microphone's thread delivers blocks stamped with the host clock, `pump()` (once a frame)
writes them and hands them to a RecognizerProcess (a child process, so decoding never
holds up the tick loop), whose results thread puts what it heard on the inputs
stamped with the host time the speech was recognized. The station's "heard:" line comes
from `heard_line()`.

`VoiceReplay` is the other direction: a replay mixes the recorded voice (REC.voice.wav)
into the session sound (the sound device, --audio-out, --video-out's soundtrack) at its
session times, as one of the mixer's review tracks (engine/audio.AudioMixer.tracks).
"""

from __future__ import annotations

import logging
import os
import wave
from pathlib import Path

import numpy as np

from drivers.microphone import RATE, FileMic, LiveMic, MicError, read_wav
from drivers.speech import Heard, Recognizer, RecognizerProcess, RecognizerThread
from sim.events import Said
from sim.files import create_private
from sim.recording import voice_side_file

log = logging.getLogger(__name__)


def pack_phrases(scenario) -> list[str]:
    """Every phrase the pack's `said` transitions list."""
    out: list[str] = []
    for seg in scenario.segments.values():
        for tr in seg.transitions:
            for p in getattr(tr.trigger, "phrases", ()) if tr.trigger.kind == "said" else ():
                if p not in out:
                    out.append(p)
    return out


def _said(h: Heard) -> Said:
    return Said(h.t_s, h.phrase, h.text, round(h.end_s - h.start_s, 3))


class VoiceWriter:
    """REC.voice.wav, written as the samples come (owner-only, never through a link)."""

    def __init__(self, path: Path):
        self.path = path
        self._fh = os.fdopen(create_private(path), "wb")
        self._wav = wave.open(self._fh, "wb")  # noqa: SIM115 - open for the whole run
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(RATE)
        self.samples = 0

    def write(self, samples: np.ndarray) -> None:
        self._wav.writeframes(np.asarray(samples, "<i2").tobytes())
        self.samples += len(samples)

    def close(self) -> None:
        self._wav.close()
        self._fh.close()


class MicPath:
    def __init__(self, session, cfg, scenario, host_now=None, fault=None):
        self.session, self.cfg = session, cfg
        self.heard: list[Heard] = []  # in session seconds
        self.warnings: list[str] = []
        phrases = pack_phrases(scenario)
        self.thread = None
        if cfg.offscreen or not str(cfg.trainee_mic).isdigit():
            self.mic = FileMic(cfg.trainee_mic)
            self.recognizer = Recognizer(phrases)
            unknown = self.recognizer.unknown
        else:
            # live: recognized in a child process, so that decoding (which holds the
            # interpreter lock for tens of ms at an utterance's end) never stalls the tick
            # loop; measured by `sightline bench speech --tick-loop`
            self.recognizer = None
            try:
                self.thread = RecognizerProcess(phrases, self._heard_live)
                unknown = self.thread.unknown
            except (RuntimeError, OSError) as exc:  # no child process: a thread will do
                self.warnings.append(f"speech recognition on a thread instead ({exc})")
                rec = Recognizer(phrases)
                self.thread, unknown = RecognizerThread(rec, self._heard_live), rec.unknown
            self.mic = LiveMic(int(cfg.trainee_mic), host_now, fault).start()
            self._host_now = host_now
        if unknown:
            self.warnings.append(
                "said phrases with words the recognizer's dictionary lacks (never heard): "
                + ", ".join(repr(p) for p in unknown)
            )
        # opened once the microphone is: a bad stand-in file left a header-only side file
        self.writer = VoiceWriter(voice_side_file(cfg.record)) if cfg.record else None
        self._written_s = 0.0

    # -- headless: in step with session time --------------------------------------------

    def on_tick(self, state, commands, events) -> None:
        if self.thread is not None:
            return
        samples = self.mic.until(state.t_s)
        self._take(samples, self.recognizer.feed(samples))

    def _take(self, samples: np.ndarray, heard: list[Heard]) -> None:
        if self.writer is not None:
            self.writer.write(samples)
        for h in heard:
            self.heard.append(h)
            if h.phrase or h.text:
                self.session.inputs.put_session(_said(h))

    # -- live: blocks stamped with the host clock ----------------------------------------

    def pump(self) -> None:
        """Once a frame: the microphone's blocks into the file and the recognizer."""
        if self.thread is None or not self.session.loop.started:
            return
        origin = self.session.loop.session_to_host(0.0)
        for host_s, block in self.mic.take():
            t0 = host_s - origin - len(block) / RATE
            if t0 < 0:  # before the session started
                block = block[min(len(block), round(-t0 * RATE)) :]
                t0 = 0.0
            gap = round((t0 - self._written_s) * RATE)
            if gap > 0 and self.writer is not None:  # a dropped block: keep the file timed
                self.writer.write(np.zeros(gap, np.int16))
            if self.writer is not None:
                self.writer.write(block)
            self._written_s = t0 + len(block) / RATE
            self.thread.submit(t0, block)

    def _heard_live(self, h: Heard) -> None:  # the recognizer's thread
        self.heard.append(h)
        if h.phrase or h.text:
            origin = self.session.loop.session_to_host(0.0)
            self.session.inputs.put(_said(h), origin + h.t_s)

    # -- the station and the end ---------------------------------------------------------

    def heard_line(self) -> str:
        if not self.heard:
            return "heard: (nothing yet)"
        h = self.heard[-1]
        what = f"'{h.phrase}'" if h.phrase else f'"{h.text[:40]}"'
        return f"heard: {what} at {h.t_s:.1f} s"

    def close(self) -> None:
        if self.thread is not None:
            self.mic.stop()
            self.thread.stop()
        elif self.recognizer is not None:
            for h in self.recognizer.close():
                self.heard.append(h)  # after the end: too late for the session
        if self.writer is not None:
            self.writer.close()


class VoiceReplay:
    """The recorded voice as a mixer track: 16 kHz mono int16 samples, sample k at session
    time k / 16000, resampled (linearly: speech) to the mix rate and put on both channels.
    `gain` is the voice's amplitude in the mix (the file is the microphone's level)."""

    def __init__(self, path: Path, mix_rate: int, channels: int = 2, gain: float = 1.0):
        try:
            self.samples = read_wav(path).astype(np.float32) * (gain / 32768.0)
        except (MicError, OSError) as exc:
            raise MicError(f"{path}: the recorded voice cannot be played ({exc})") from None
        self.mix_rate, self.channels = mix_rate, channels
        self.end_sample = len(self.samples) * mix_rate // RATE  # in mix samples

    def block(self, first: int, n: int) -> np.ndarray | None:
        """Mix samples [first, first + n) of session audio, or None where there is no voice."""
        if first >= self.end_sample or n <= 0:
            return None
        pos = np.arange(first, first + n) * (RATE / self.mix_rate)
        i = pos.astype(np.int64)
        frac = (pos - i).astype(np.float32)
        padded = self.samples[i[0] : i[-1] + 2]
        if len(padded) < i[-1] + 2 - i[0]:  # past the file's end: silence
            padded = np.concatenate([padded, np.zeros(i[-1] + 2 - i[0] - len(padded), np.float32)])
        j = i - i[0]
        mono = padded[j] * (1 - frac) + padded[j + 1] * frac
        return np.repeat(mono[:, None], self.channels, axis=1)
