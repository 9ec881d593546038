"""Session sound: the per-tick mixer. The clips' soundtracks in sync, and every sound the
sim starts (weapon reports, the dry click, pack and instructor sounds), mixed per tick on
four levels (master, scenario, effects, distractor).

Sync by construction: the mixer renders audio tick by tick from the same sim state the
picture is drawn from. Tick k covers session samples [k*RATE/hz, (k+1)*RATE/hz); if the
state after tick k is playing, that span holds the clip's audio from the state's media
time on, exactly as the video shows media_t + alpha/hz between ticks. A pause is silence
for the soundtrack (the picture freezes) and freezes the other sounds too; a branch starts
the new clip's audio on the tick the new clip starts. Nothing reads a clock here, so
`--audio-out` of a headless run is exact to the sample, and a replay mixes the same audio.

The mixer chooses no sound itself: the sim's commands say what plays. A shot's report is
the StartSound(source="report") the runtime emits right after its ShotMarker (the runtime
applies the pack's and the command line's report table), so the recording says which
sound each shot made; a DryFire plays the dry click.

Owns: AudioMixer, SoundBank (the samples of every sound the scenario can play), the level
taper and the limiter. Clip audio is decoded by engine/clip_audio.py (a chunk that is not
ready in a live run plays as silence, counted, never waited for; headless runs wait for
it); the mixed blocks go to a sink (engine/audio_sinks.py; engine/audio_out.py puts them on
a sound device). Must not import Panda3D or any sink implementation: it writes to the Sink
it is given.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from content import sounds as bundled_sounds
from engine.audio_format import CHANNELS, RATE, AudioError
from engine.audio_sinks import Sink, TeeSink, WavSink
from engine.clip_audio import CHUNK, ClipAudioCache, decode_file
from sim.runtime import DryFire, PlayClip, SimState, StartSound
from sim.scenario import Scenario
from sim.sounds import DRY_SOUND, LEVELS

# AudioError is this module's to export (defined in engine/audio_format.py, below the
# sinks, so that they can raise it too). TeeSink and WavSink are re-exported only for
# engine/app.py until it imports them from engine/audio_sinks.py.
__all__ = [
    "KNEE",
    "MAX_VOICES",
    "AudioError",
    "AudioMixer",
    "SoundBank",
    "TeeSink",
    "WavSink",
    "level_gain",
    "soft_limit",
]

log = logging.getLogger(__name__)

MAX_VOICES = 32  # sounds playing at once beyond the soundtrack; the oldest is dropped
_BUS_INDEX = {name: i for i, name in enumerate(LEVELS)}


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
    ):
        self.scenario = scenario
        self.tick_hz = tick_hz
        self.sink = sink
        self.block = block  # headless: wait for decoded audio (exact output)
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
        # review tracks mixed at their session time after the levels (a replay's trainee
        # voice, engine/trainee_mic.VoiceReplay): `block(first session sample, n)` gives
        # (n, CHANNELS) float32 or None. They are not what the trainee heard, so no level
        # (the master included) and no pause touches them
        self.tracks: list = []
        # the first second of the start segment, before the session clock runs
        start = scenario.segments[scenario.start]
        self.clips.chunk(start.clip, round(start.in_s * RATE) // CHUNK, block=True)

    # -- the per-tick interface (a sink of the session's bus) -------------

    def span(self, tick: int) -> tuple[int, int]:
        return tick * RATE // self.tick_hz, (tick + 1) * RATE // self.tick_hz

    def on_tick(self, state: SimState, commands: Sequence, events: Sequence = ()) -> None:
        """The bus: render the span of tick `state.tick` (the state that holds until the
        next)."""
        for cmd in commands:
            self._command(cmd, state)
        lo, hi = self.span(state.tick)
        session_lo = lo  # where review tracks are, whatever a seek did to the output
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
        for track in self.tracks:
            extra = track.block(session_lo, n)
            if extra is not None:
                out += extra
        self.sink.write(soft_limit(out))
        self.next_sample = hi

    def _command(self, cmd, state: SimState) -> None:
        if isinstance(cmd, PlayClip):
            self._prefetch(cmd)
        elif isinstance(cmd, DryFire):
            self._start(DRY_SOUND, "effects")
        elif isinstance(cmd, StartSound):
            # every source alike, "report" included: a shot's report comes right after its
            # ShotMarker, so it starts on that tick's first sample, on the bus it names
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
