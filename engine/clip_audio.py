"""Decoding sound files for the mixer: clips' audio tracks in one-second chunks, cached,
and short sound files whole.

Owns: ClipAudio (one clip file's audio, read chunk by chunk on the video's time origin),
ClipAudioCache (decoded chunks of every clip, an LRU bounded in bytes, filled by one worker
thread; at most OPEN_CLIPS files kept open), and decode_file (a pack's own sound, whole).
Everything comes out as float32 stereo at the mix RATE (engine/audio_format.py).

Must not import Panda3D, the mixer (engine/audio.py) or the sinks: it only decodes, with
PyAV, and knows nothing of ticks, levels or devices.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.audio_format import CHANNELS, RATE, AudioError

log = logging.getLogger(__name__)

CHUNK = RATE  # samples per decoded chunk of clip audio (one second)
CACHE_BYTES = 96 * 1024 * 1024  # decoded clip audio kept, all clips together
OPEN_CLIPS = 8  # clip files kept open for their audio


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
