"""Clip decoding on background threads, and the player that maps media time to frames.

A `ClipDecoder` reads one clip with OpenCV from a start time on its own thread into a
bounded queue of (timestamp_s, BGR frame). Timestamps are the stream's own presentation
times, so variable-frame-rate files play at their true pace. `VideoPlayer` asks for the
frame at a media time that the sim decides (never the wall clock): a paused sim asks for
the same time and gets the same frame. It keeps decoders open for the segments that may
come next (pre-buffering), so a branch shows its first frame without a seek.

Decoder threads are daemons that hold OpenCV/FFmpeg state: one still inside a native read
when the interpreter exits is killed mid-C++ frame, and the process aborts ("terminate
called without an active exception", "FATAL: exception not rethrown"). So a decoder that
is closed is still joined later (the player keeps it until its thread is gone), and at
exit every decoder still alive is stopped and joined (`_stop_all`, run by atexit).

No Panda3D here: this module hands numpy frames to whoever uploads them.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import queue
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from sim.errors import UserError

log = logging.getLogger(__name__)

#: Frames within this of a requested time count as at it (timestamp round-off).
_EPS_S = 1e-4
#: A request this far past what a decoder has reached is served by a fresh seek.
_SEEK_AHEAD_S = 2.0
_EOF = None


class VideoError(UserError, RuntimeError):
    """A clip that cannot be opened or decoded; the message names the file."""


Frame = tuple[float, np.ndarray]

M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
MMAP_THRESHOLD_BYTES = 128 * 1024


def _pin_mmap_threshold() -> None:
    """Keep every decoded frame (hundreds of KB) in its own mmap, returned to the system
    when freed. glibc raises its mmap threshold each time such a block is freed, after which
    frames come from the heaps of the many short-lived decoder threads and fragment them:
    an accelerated hour of branching grew 6-10 % (bench soak) with a dynamic threshold."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


_pin_mmap_threshold()

_LIVE: weakref.WeakSet[ClipDecoder] = weakref.WeakSet()  # decoders whose thread may run
_LIVE_LOCK = threading.Lock()


@atexit.register
def _stop_all(timeout_s: float = 2.0) -> None:
    """Stop and join every decoder thread before the interpreter tears down."""
    with _LIVE_LOCK:
        decoders = list(_LIVE)
    for dec in decoders:
        dec._stop.set()
    for dec in decoders:
        dec._thread.join(timeout=timeout_s)


class ClipDecoder:
    def __init__(self, path: Path, start_s: float = 0.0, queue_frames: int = 8):
        self.path = Path(path)
        self.start_s = start_s
        self.error: str | None = None
        self._q: queue.Queue[Frame | None] = queue.Queue(maxsize=queue_frames)
        self._stop = threading.Event()
        self._current: Frame | None = None  # latest frame handed out
        self._next: Frame | None = None  # one frame of look-ahead
        self.eof = False
        self._thread = threading.Thread(
            target=self._run, name=f"decode:{self.path.name}", daemon=True
        )
        with _LIVE_LOCK:
            _LIVE.add(self)
        self._thread.start()

    # -- decoder thread -----------------------------------------------------------------

    def _open(self, seek_s: float) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            raise VideoError(f"{self.path}: cannot open video (missing or not a video file)")
        if seek_s > 0:
            cap.set(cv2.CAP_PROP_POS_MSEC, seek_s * 1000.0)
        return cap

    def _run(self) -> None:
        try:
            self._decode()
        except VideoError as exc:
            self.error = str(exc)
        except Exception as exc:  # a decoder thread must never die silently
            self.error = f"{self.path}: decode failed ({exc})"
        finally:
            self._put(_EOF)
            with _LIVE_LOCK:
                _LIVE.discard(self)

    def _decode(self) -> None:
        cap = self._open(self.start_s)
        ok, img = cap.read()
        if (
            ok
            and self.start_s > 0
            and cap.get(cv2.CAP_PROP_POS_MSEC) / 1000 > self.start_s + _EPS_S
        ):
            # The seek overshot (inexact index, variable frame rate): decode from the top.
            cap.release()
            cap = self._open(0.0)
            ok, img = cap.read()
        if not ok:
            raise VideoError(f"{self.path}: no decodable video frame at {self.start_s:.3f} s")
        held: Frame | None = None  # the latest frame at or before start_s
        try:
            while ok and not self._stop.is_set():
                ts = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                frame = (ts, np.ascontiguousarray(img))
                if ts <= self.start_s + _EPS_S:
                    held = frame
                else:
                    if held is not None:
                        self._put(held)
                        held = None
                    if not self._put(frame):
                        return
                ok, img = cap.read()
            if held is not None:
                self._put(held)
        finally:
            cap.release()

    def _put(self, item: Frame | None) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    # -- consumer side ------------------------------------------------------------------

    def _pull(self, block: bool, timeout_s: float) -> bool:
        """Fill the look-ahead slot; False when nothing is (yet) available."""
        if self._next is not None:
            return True
        if self.eof:
            return False
        try:
            item = self._q.get(block=block, timeout=timeout_s if block else None)
        except queue.Empty:
            return False
        if item is _EOF:
            self.eof = True
            return False
        self._next = item
        return True

    def frame_at(
        self, media_t_s: float, block: bool = False, timeout_s: float = 5.0
    ) -> Frame | None:
        """The last frame whose timestamp is at or before media_t_s (or the first frame if
        none is). With block=True, waits for the decoder (deterministic output)."""
        while self._pull(block, timeout_s):
            if self._current is not None and self._next[0] > media_t_s + _EPS_S:
                break
            self._current, self._next = self._next, None
        if self.error and self._current is None:
            raise VideoError(self.error)
        return self._current

    @property
    def reached_s(self) -> float:
        return self._current[0] if self._current else self.start_s

    def close(self, wait: bool = False) -> None:
        """Stop decoding. Returns at once (the thread notices within one queue wait and
        releases the file itself): the render thread never waits on a decoder. With
        wait=True, joins the thread (end of session, tests)."""
        self._stop.set()
        if wait:
            self._thread.join(timeout=2.0)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


class VideoPlayer:
    """Shows the frame of the current clip at the media time the sim gives."""

    def __init__(self, resolve: Callable[[str], Path], block: bool = False, queue_frames: int = 8):
        self._resolve = resolve
        self.block = block
        self._queue_frames = queue_frames
        self._decoders: dict[tuple[str, float], ClipDecoder] = {}
        self._closing: list[ClipDecoder] = []  # closed, thread not yet gone: joined at close
        self._current: tuple[str, float] | None = None
        self.warnings: list[str] = []

    def _decoder(self, clip: str, start_s: float) -> ClipDecoder:
        key = (clip, round(start_s, 4))
        dec = self._decoders.get(key)
        if dec is None:
            dec = ClipDecoder(self._resolve(clip), start_s, self._queue_frames)
            self._decoders[key] = dec
        return dec

    def prepare(self, clip: str, start_s: float) -> None:
        """Start decoding a clip that may play next, so a switch to it is instant."""
        self._decoder(clip, start_s)

    def play(self, clip: str, start_s: float, keep: set[tuple[str, float]] = frozenset()) -> None:
        """Make (clip, start_s) current; close decoders not current and not in `keep`."""
        self._decoder(clip, start_s)
        self._current = (clip, round(start_s, 4))
        wanted = {self._current} | {(c, round(s, 4)) for c, s in keep}
        for key in [k for k in self._decoders if k not in wanted]:
            self._retire(self._decoders.pop(key))
        for c, s in keep:
            self._decoder(c, s)

    @property
    def current_key(self) -> tuple[str, float] | None:
        return self._current

    def frame_at(self, media_t_s: float) -> Frame | None:
        if self._current is None:
            return None
        clip, _ = self._current
        dec = self._decoders[self._current]
        if media_t_s < dec.reached_s - _EPS_S or media_t_s > dec.reached_s + _SEEK_AHEAD_S:
            # A loop wrapped or time jumped: restart this clip at the requested time.
            self._retire(dec)
            del self._decoders[self._current]
            self._current = (clip, round(media_t_s, 4))
            dec = self._decoder(clip, media_t_s)
        try:
            return dec.frame_at(media_t_s, block=self.block)
        except VideoError as exc:
            if str(exc) not in self.warnings:
                self.warnings.append(str(exc))
                log.error("%s", exc)
            return None

    def _retire(self, dec: ClipDecoder) -> None:
        """Close without waiting (the render thread never waits on a decoder); keep it
        until its thread has gone, so that close() can join it."""
        dec.close()
        self._closing = [d for d in self._closing if d.running]
        self._closing.append(dec)

    def close(self) -> None:
        for dec in [*self._decoders.values(), *self._closing]:
            dec.close(wait=True)
        self._decoders.clear()
        self._closing.clear()
