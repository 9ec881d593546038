"""Session sound: the clips' soundtracks in sync, weapon reports, pack and instructor
sounds, mixed per tick on four levels (master, scenario, effects, distractor).

Sync by construction: the mixer renders audio tick by tick from the same sim state the
picture is drawn from. Tick k covers session samples [k*RATE/hz, (k+1)*RATE/hz); if the
state after tick k is playing, that span holds the clip's audio from the state's media
time on, exactly as the video shows media_t + alpha/hz between ticks. A pause is silence
for the soundtrack (the picture freezes) and freezes the other sounds too; a branch starts
the new clip's audio on the tick the new clip starts. Nothing reads a clock here, so
`--audio-out` of a headless run is exact to the sample, and a replay mixes the same audio.

Clip audio is decoded with PyAV in one-second chunks on a worker thread (an LRU cache
bounded in bytes), ahead of where playback is and at the start of every segment that may
come next. A chunk that is not ready in a live run plays as silence (counted, never
waited for); headless runs wait for it. No Panda3D here: sinks take the mixed blocks
(engine/audio_out.py puts them on a sound device).
"""

from __future__ import annotations

import logging
import queue
import threading
import wave
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from content import sounds as bundled_sounds
from sim.runtime import DryFire, PlayClip, ShotMarker, SimState, StartSound
from sim.scenario import Scenario
from sim.sounds import DRY_SOUND, LEVELS

log = logging.getLogger(__name__)

RATE = bundled_sounds.RATE
CHANNELS = 2
CHUNK = RATE  # samples per decoded chunk of clip audio (one second)
CACHE_BYTES = 96 * 1024 * 1024  # decoded clip audio kept, all clips together
OPEN_CLIPS = 8  # clip files kept open for their audio
MAX_VOICES = 32  # sounds playing at once beyond the soundtrack; the oldest is dropped
_BUS_INDEX = {name: i for i, name in enumerate(LEVELS)}


class AudioError(RuntimeError):
    """A sound that cannot be decoded; the message names the file."""


def level_gain(percent: float) -> float:
    """Amplitude for a level in percent: a square-law taper, so that 50 % sounds about
    half as loud rather than barely quieter."""
    p = max(0.0, min(100.0, float(percent))) / 100.0
    return p * p


KNEE = 0.8  # the limiter leaves samples below this alone


def soft_limit(x: np.ndarray) -> np.ndarray:
    """Samples above the knee are bent smoothly towards full scale instead of clipping
    (a gunshot over a shout): below it, the mix is untouched."""
    a = np.abs(x)
    if a.max(initial=0.0) <= KNEE:
        return x
    bent = KNEE + (1 - KNEE) * np.tanh((a - KNEE) / (1 - KNEE))
    return (np.sign(x) * np.where(a <= KNEE, a, bent)).astype(np.float32)


def _to_stereo_f32(frames: list[np.ndarray]) -> np.ndarray:
    if not frames:
        return np.zeros((0, CHANNELS), np.float32)
    return np.ascontiguousarray(np.concatenate(frames, axis=1).T, dtype=np.float32)


def decode_file(path: Path, max_s: float) -> np.ndarray:
    """A whole (short) sound file as float32 stereo at RATE; AudioError otherwise."""
    import av

    try:
        with av.open(str(path), "r") as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: no audio stream")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
            out: list[np.ndarray] = []
            total = 0
            for frame in container.decode(stream):
                for rf in resampler.resample(frame):
                    out.append(rf.to_ndarray())
                    total += rf.samples
                if total > max_s * RATE:
                    raise AudioError(f"{path}: longer than {max_s:g} s")
            for rf in resampler.resample(None):
                out.append(rf.to_ndarray())
    except AudioError:
        raise
    except Exception as exc:  # FFmpeg's many error types: all mean "unreadable"
        raise AudioError(f"{path}: cannot decode sound ({exc})") from None
    return _to_stereo_f32(out)


class ClipAudio:
    """One clip's audio track, read in chunks. Media time 0 is the video stream's first
    timestamp (as the video decoder counts it), so audio and picture share one origin."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = threading.Lock()
        self._container = None
        self._stream = None
        self.has_audio: bool | None = None  # unknown until opened
        self.error: str | None = None
        self._origin_s = 0.0

    def _open(self) -> bool:
        if self.has_audio is not None:
            return self.has_audio
        import av

        try:
            self._container = av.open(str(self.path), "r")
        except Exception as exc:
            self.error = f"{self.path}: cannot open for sound ({exc})"
            self.has_audio = False
            return False
        if not self._container.streams.audio:
            self.has_audio = False  # a silent clip: fine
            return False
        self._stream = self._container.streams.audio[0]
        video = self._container.streams.video
        if video and video[0].start_time is not None and video[0].time_base is not None:
            self._origin_s = float(video[0].start_time * video[0].time_base)
        self.has_audio = True
        return True

    def decode_chunk(self, index: int) -> np.ndarray | None:
        """Samples [index*CHUNK, (index+1)*CHUNK) of media time, zero-padded; None when the
        clip has no (readable) audio."""
        import av

        with self.lock:
            if not self._open():
                return None
            start = index * CHUNK
            out = np.zeros((CHUNK, CHANNELS), np.float32)
            stream = self._stream
            try:
                seek_s = max(0.0, start / RATE + self._origin_s - 0.2)
                self._container.seek(round(seek_s / stream.time_base), stream=stream)
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
                pos: int | None = None  # session sample index of the next resampled sample
                for frame in self._container.decode(stream):
                    if pos is None:
                        if frame.pts is None:
                            continue
                        pos = round((float(frame.pts * stream.time_base) - self._origin_s) * RATE)
                    for rf in resampler.resample(frame):
                        data = rf.to_ndarray().T
                        lo, hi = max(pos, start), min(pos + len(data), start + CHUNK)
                        if hi > lo:
                            out[lo - start : hi - start] = data[lo - pos : hi - pos]
                        pos += len(data)
                    if pos >= start + CHUNK:
                        break
            except Exception as exc:
                self.error = f"{self.path}: audio decode failed near {start / RATE:.1f} s ({exc})"
                return None
            return out

    def close(self) -> None:
        """Release the file; the next read opens it again."""
        with self.lock:
            if self._container is not None:
                self._container.close()
                self._container = None
            self.has_audio = None


class ClipAudioCache:
    """Decoded chunks of every clip, LRU-bounded, filled by one worker thread."""

    def __init__(self, resolve: Callable[[str], Path], budget_bytes: int = CACHE_BYTES):
        self.resolve = resolve
        self.budget = budget_bytes
        self._clips: OrderedDict[str, ClipAudio] = OrderedDict()
        self._chunks: OrderedDict[tuple[str, int], np.ndarray | None] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: set[tuple[str, int]] = set()
        self._requests: queue.Queue[tuple[str, int] | None] = queue.Queue()
        self.warnings: list[str] = []
        self._worker = threading.Thread(target=self._work, name="audio-decode", daemon=True)
        self._worker.start()

    def _clip(self, clip: str) -> ClipAudio:
        with self._lock:
            if clip not in self._clips:
                self._clips[clip] = ClipAudio(self.resolve(clip))
                if len(self._clips) > OPEN_CLIPS:  # a big pack: keep few files open
                    self._clips.popitem(last=False)[1].close()
            self._clips.move_to_end(clip)
            return self._clips[clip]

    def _decode(self, key: tuple[str, int]) -> np.ndarray | None:
        clip = self._clip(key[0])
        data = clip.decode_chunk(key[1])
        if clip.error and clip.error not in self.warnings:
            self.warnings.append(clip.error)
            log.warning("%s", clip.error)
        with self._lock:
            self._chunks[key] = data
            self._chunks.move_to_end(key)
            self._pending.discard(key)
            while len(self._chunks) * CHUNK * CHANNELS * 4 > self.budget:
                self._chunks.popitem(last=False)
        return data

    def _work(self) -> None:
        while True:
            key = self._requests.get()
            if key is None:
                return
            with self._lock:
                if key in self._chunks:
                    self._pending.discard(key)
                    continue
            try:
                self._decode(key)
            except Exception as exc:  # a worker must never die silently
                log.error("audio decode of %s failed: %s", key, exc)
                with self._lock:
                    self._pending.discard(key)

    def want(self, clip: str, index: int) -> None:
        key = (clip, index)
        with self._lock:
            if key in self._chunks or key in self._pending or index < 0:
                return
            self._pending.add(key)
        self._requests.put(key)

    def chunk(self, clip: str, index: int, block: bool) -> tuple[bool, np.ndarray | None]:
        """(ready, samples). Not ready: a live caller plays silence; block=True decodes
        here instead (deterministic output)."""
        key = (clip, index)
        with self._lock:
            if key in self._chunks:
                self._chunks.move_to_end(key)
                return True, self._chunks[key]
        if not block:
            self.want(clip, index)
            return False, None
        return True, self._decode(key)

    def close(self) -> None:
        self._requests.put(None)
        self._worker.join(timeout=2.0)
        for clip in self._clips.values():
            clip.close()


class SoundBank:
    """Samples of every sound the scenario can play: bundled (synthesized) or the pack's
    own files (decoded, bounded). Loaded on a thread at start; a live run never waits."""

    def __init__(self, scenario: Scenario, root: Path, max_s: float = 120.0):
        self.scenario = scenario
        self.root = Path(root)
        self.max_s = max_s
        self._samples: dict[str, np.ndarray] = {}
        self.warnings: list[str] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._load_all, name="sound-bank", daemon=True)
        self._thread.start()

    def _load(self, name: str) -> np.ndarray | None:
        sound = self.scenario.sounds[name]
        try:
            if sound.file is None:
                mono = bundled_sounds.bundled(name)
                return np.repeat(mono[:, None], CHANNELS, axis=1)
            return decode_file(self.root / sound.file, self.max_s)
        except (AudioError, KeyError) as exc:
            msg = str(exc) if isinstance(exc, AudioError) else f"no samples for sound {name!r}"
            self.warnings.append(msg)
            log.warning("%s", msg)
            return None

    def _load_all(self) -> None:
        # the report sounds first: a shot in the first second should be heard
        order = list(dict.fromkeys([*self.scenario.reports.values(), DRY_SOUND]))
        order += [n for n in self.scenario.sounds if n not in order]
        for name in order:
            data = self._load(name)
            if data is not None:
                self._samples[name] = data
        self._ready.set()

    def wait(self, timeout_s: float = 60.0) -> None:
        self._ready.wait(timeout_s)

    def get(self, name: str, block: bool) -> np.ndarray | None:
        data = self._samples.get(name)
        if data is None and block and not self._ready.is_set():
            self._ready.wait(60.0)
            data = self._samples.get(name)
        return data


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
        try:
            self._file = self.path.open("wb")
        except OSError as exc:
            raise AudioError(f"{path}: cannot write audio ({exc.strerror})") from None
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
    def __init__(self, sinks: Sequence[Sink]):
        self.sinks = list(sinks)

    def write(self, block: np.ndarray) -> None:
        for s in self.sinks:
            s.write(block)

    def close(self) -> None:
        for s in self.sinks:
            s.close()


class _Voice:
    __slots__ = ("bus", "name", "pos", "samples")

    def __init__(self, samples: np.ndarray, bus: int, name: str):
        self.samples, self.bus, self.pos, self.name = samples, bus, 0, name


class AudioMixer:
    """Renders each tick's span of session audio from the sim's state and commands."""

    def __init__(
        self,
        scenario: Scenario,
        root: Path,
        resolve: Callable[[str], Path],
        tick_hz: int,
        sink: Sink,
        block: bool = False,
        reports: dict[str, str] | None = None,
    ):
        self.scenario = scenario
        self.tick_hz = tick_hz
        self.sink = sink
        self.block = block  # headless: wait for decoded audio (exact output)
        # a weapon id or weapon kind -> sound name; ids first (the command line's)
        self.reports = {**scenario.reports, **(reports or {})}
        self.clips = ClipAudioCache(resolve)
        self.bank = SoundBank(scenario, root)
        self.voices: list[_Voice] = []
        self.next_sample = 0  # session sample the next span starts at
        self._tick: int | None = None
        self._gains = np.array([level_gain(scenario.levels.get(c, 100)) for c in LEVELS])
        self._levels: tuple[int, ...] = ()
        self._target = self._gains
        self._ramps: dict[int, np.ndarray] = {}
        self.underruns = 0  # spans played as silence because audio was not decoded yet
        self.started: list[tuple[int, str]] = []  # (session sample, sound name) of each voice
        self.dropped: list[str] = []  # sounds that could not play, and why
        # the first second of the start segment, before the session clock runs
        start = scenario.segments[scenario.start]
        self.clips.chunk(start.clip, round(start.in_s * RATE) // CHUNK, block=True)

    # -- the per-tick interface (called by the Session after every sim step) -------------

    def span(self, tick: int) -> tuple[int, int]:
        return tick * RATE // self.tick_hz, (tick + 1) * RATE // self.tick_hz

    def on_tick(self, state: SimState, commands: Sequence) -> None:
        """Render the span of tick `state.tick` (the state that holds until the next)."""
        for cmd in commands:
            self._command(cmd, state)
        lo, hi = self.span(state.tick)
        if self._tick is not None and state.tick != self._tick + 1:
            lo, hi = self.next_sample, self.next_sample + hi - lo  # after a seek: contiguous
        self._tick = state.tick
        n = hi - lo
        if n <= 0:
            return
        out = np.zeros((n, CHANNELS), np.float32)
        if state.levels != self._levels:
            self._levels = state.levels
            self._target = np.array([level_gain(p) for p in state.levels])
        gains = self._target
        master0, master1 = self._gains[0], gains[0]
        ramp = self._ramps.get(n)
        if ramp is None:
            ramp = np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)[:, None]
            self._ramps[n] = ramp
        if not (state.paused or state.holding or state.ended):
            track = self._soundtrack(state, n)
            if track is not None:
                g0, g1 = self._gains[1], gains[1]
                out += track * (g0 if g0 == g1 else g0 + (g1 - g0) * ramp)
        if not state.paused:
            self._mix_voices(out, gains, ramp)
        out *= master0 if master0 == master1 else master0 + (master1 - master0) * ramp
        self._gains = gains
        self.sink.write(soft_limit(out))
        self.next_sample = hi

    def _command(self, cmd, state: SimState) -> None:
        if isinstance(cmd, PlayClip):
            self._prefetch(cmd)
        elif isinstance(cmd, ShotMarker):
            name = self.reports.get(cmd.weapon) or self.reports.get(cmd.kind)
            if name:
                self._start(name, "effects")
        elif isinstance(cmd, DryFire):
            self._start(DRY_SOUND, "effects")
        elif isinstance(cmd, StartSound):
            self._start(cmd.sound, cmd.bus)

    def _start(self, name: str, bus: str) -> None:
        samples = self.bank.get(name, self.block)
        if samples is None:
            self.dropped.append(f"{name}: not loaded")
            return
        if len(self.voices) >= MAX_VOICES:
            self.voices.pop(0)
        self.voices.append(_Voice(samples, _BUS_INDEX[bus], name))
        self.started.append((self.next_sample, name))

    def _mix_voices(self, out: np.ndarray, gains: np.ndarray, ramp: np.ndarray) -> None:
        n = len(out)
        alive = []
        for v in self.voices:
            part = v.samples[v.pos : v.pos + n]
            g0, g1 = self._gains[v.bus], gains[v.bus]
            out[: len(part)] += part * (g0 if g0 == g1 else g0 + (g1 - g0) * ramp[: len(part)])
            v.pos += n
            if v.pos < len(v.samples):
                alive.append(v)
        self.voices = alive

    # -- the soundtrack ----------------------------------------------------------------

    def _soundtrack(self, state: SimState, n: int) -> np.ndarray | None:
        seg = self.scenario.segments[state.segment]
        first = round(state.media_t_s * RATE)
        end = min(first + n, round(seg.out_s * RATE))  # nothing past the segment's out
        if end <= first:
            return None
        out = np.zeros((n, CHANNELS), np.float32)
        pos = first
        while pos < end:
            index = pos // CHUNK
            ready, data = self.clips.chunk(seg.clip, index, self.block)
            take = min(end, (index + 1) * CHUNK) - pos
            if not ready:
                self.underruns += 1
            elif data is not None:
                out[pos - first : pos - first + take] = data[pos - index * CHUNK :][:take]
            pos += take
        self.clips.want(seg.clip, first // CHUNK + 1)  # keep a second ahead decoded
        return out

    def _prefetch(self, cmd: PlayClip) -> None:
        segments = self.scenario.segments
        self.clips.want(cmd.clip, round(cmd.media_in_s * RATE) // CHUNK)
        for nxt in segments[cmd.segment].successors():
            s = segments[nxt]
            self.clips.want(s.clip, round(s.in_s * RATE) // CHUNK)

    # -- seeking and shutdown ----------------------------------------------------------

    def seek(self) -> None:
        """A replay jumped: sounds in flight stop; the next span follows the new state."""
        self.voices.clear()

    @property
    def warnings(self) -> list[str]:
        return [*self.clips.warnings, *self.bank.warnings]

    def close(self) -> None:
        self.sink.close()
        self.clips.close()
