"""Clip decoding on background threads, and the player that maps media time to frames.

A `ClipDecoder` reads one clip from a start time on its own thread into a bounded queue of
(timestamp_s, frame). A frame is either a BGR numpy array (OpenCV decodes and converts:
tools, tests, the trainee camera) or, with `planes=True`, a `YuvFrame`: the decoder's own
Y, U and V planes from PyAV, never converted or copied on the CPU, with the colour matrix
and range the stream declares; the trainee view uploads the planes and converts in its
shader. With planes, `hwaccel` (e.g. "cuda", "vaapi") asks FFmpeg for hardware decoding,
falling back to software when the device or codec is not there. Timestamps are the
stream's own presentation times, so variable-frame-rate files play at their true pace.
`VideoPlayer` asks for the frame at a media time that the sim decides (never the wall
clock): a paused sim asks for the same time and gets the same frame. It keeps decoders
open for the segments that may come next (pre-buffering), so a branch shows its first
frame without a seek.

Decoder threads are daemons that hold OpenCV/FFmpeg state: one still inside a native read
when the interpreter exits is killed mid-C++ frame, and the process aborts ("terminate
called without an active exception", "FATAL: exception not rethrown"). So a decoder that
is closed is still joined later (the player keeps it until its thread is gone), and at
exit every decoder still alive is stopped and joined (`_stop_all`, run by atexit).

The pictures themselves (`YuvFrame`, `yuv_frame`, the colour matrices) live in
engine/yuv_planes.py.

No Panda3D here: this module hands numpy frames to whoever uploads them.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from engine.yuv_planes import YuvFrame, yuv_frame
from sim.errors import UserError

__all__ = [
    "APP_PLANES",
    "DECODE_THREADS",
    "HWACCEL_ENV",
    "PREBUFFER_FRAMES",
    "ClipDecoder",
    "Frame",
    "VideoError",
    "VideoPlayer",
]

log = logging.getLogger(__name__)

#: Frames within this of a requested time count as at it (timestamp round-off).
_EPS_S = 1e-4
#: A request this far past what a decoder has reached is served by a fresh seek.
_SEEK_AHEAD_S = 2.0
_EOF = None
#: Frames a pre-buffered decoder (a branch that may come next) decodes ahead. 3 would
#: save about 40 % of a branch's memory (720p: 26 -> 16 MB), but then resident memory
#: climbed for the first 20-30 minutes of a session (bench soak: 6.6 % in 30 min against
#: 2.5 % with 8) as pre-buffered decoders became current and filled up: kept at the
#: playing queue's length, so memory is at its working size from the first minute.
PREBUFFER_FRAMES = 8


class VideoError(UserError, RuntimeError):
    """A clip that cannot be opened or decoded; the message names the file."""


Frame = tuple[float, np.ndarray | YuvFrame]


# No mallopt(M_MMAP_THRESHOLD): pinning glibc's mmap threshold at 128 KB (every decoded
# frame in its own mmap) raised the rate of the heap corruption that engine/heap.py now
# prevents, and with one FFmpeg thread a decoder no longer kept memory flatter.

#: FFmpeg threads inside each decoder. One: every clip decodes on its own thread already
#: (the playing clip, the pre-buffered branches, a theater's other screens), so on a small
#: machine FFmpeg's frame threads add nothing but memory (23.4 MB a pre-buffered 720p
#: branch instead of 16.6) and a frame of delay a thread before the first picture. They
#: were also blamed for a heap corruption (9 of 21 stress runs with them, rare without):
#: the cause was Panda3D's allocator sharing the program break with glibc's
#: (engine/heap.py), and more threads make glibc hand its main arena to more of them.
DECODE_THREADS = 1

#: Hardware device types that failed to open here: not tried again (each try costs ~0.15 s).
_HW_UNAVAILABLE: set[str] = set()
#: `sightline run` takes its hardware decoder from here ("cuda", "vaapi", "qsv"...).
HWACCEL_ENV = "SIGHTLINE_HWACCEL"
#: Whether the app decodes to YUV planes (PyAV) and converts them in the trainee view's
#: shader; on by default, SIGHTLINE_VIDEO_PLANES=0 uploads BGR frames from OpenCV instead.
#: It was off while PyAV's frames crashed beside the render loop now and then: the
#: program-break race that engine/heap.py prevents (tests/engine/test_decoder_stress.py).
APP_PLANES = os.environ.get("SIGHTLINE_VIDEO_PLANES", "1") != "0"

_LIVE: weakref.WeakSet[ClipDecoder] = weakref.WeakSet()  # decoders whose thread may run
_LIVE_LOCK = threading.Lock()
_DAMAGED: set[str] = set()  # clips whose decoding stopped at damage (warned once each)


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
    def __init__(
        self,
        path: Path,
        start_s: float = 0.0,
        queue_frames: int = 8,
        planes: bool = False,
        hwaccel: str | None = None,
    ):
        self.path = Path(path)
        self.start_s = start_s
        self.planes = planes
        self.hwaccel = hwaccel
        self.hw_used = False  # True once a frame came from the hardware decoder
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
        cap = cv2.VideoCapture(
            str(self.path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, DECODE_THREADS]
        )
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
        if self.planes:
            self._decode_planes()
            return
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

    def _open_av(self):
        import av

        hw = None
        if self.hwaccel and self.hwaccel not in _HW_UNAVAILABLE:
            try:
                from av.codec.hwaccel import HWAccel

                hw = HWAccel(device_type=self.hwaccel, allow_software_fallback=True)
            except Exception as exc:  # an unknown device type, an old PyAV
                log.info("hardware decoding (%s) unavailable: %s", self.hwaccel, exc)
                _HW_UNAVAILABLE.add(self.hwaccel)
        try:
            try:
                container = av.open(str(self.path), hwaccel=hw)
            except Exception as exc:  # no such device here: software decoding
                if hw is None:
                    raise
                log.info("%s: hardware decoding (%s) unavailable: %s", self.path, self.hwaccel, exc)
                _HW_UNAVAILABLE.add(self.hwaccel)
                container = av.open(str(self.path))
        except (OSError, av.error.FFmpegError) as exc:
            raise VideoError(f"{self.path}: cannot open video ({exc})") from exc
        if not container.streams.video:
            container.close()
            raise VideoError(f"{self.path}: no video stream")
        stream = container.streams.video[0]
        stream.codec_context.thread_count = DECODE_THREADS  # see DECODE_THREADS
        return container, stream

    def _decode_planes(self) -> None:
        """PyAV: frames as the decoder's own planes. Seeks to the key frame at or before
        start_s and decodes forward; timestamps are the stream's presentation times less
        its start time (as OpenCV reports them), so both paths agree on every frame."""
        import av

        container, stream = self._open_av()
        try:
            for seek_s in (self.start_s, 0.0) if self.start_s > 0 else (0.0,):
                tb = float(stream.time_base)
                origin = stream.start_time or 0
                if seek_s > 0:
                    container.seek(origin + int(seek_s / tb), stream=stream, backward=True)
                done = self._decode_from(container, stream, origin, tb, seek_s > 0)
                if done:
                    return
                # the seek overshot (an inexact index): decode from the top
                container.close()
                container, stream = self._open_av()
        except av.error.FFmpegError as exc:
            raise VideoError(f"{self.path}: cannot decode video ({exc})") from exc
        finally:
            container.close()

    def _decode_from(self, container, stream, origin: int, tb: float, sought: bool) -> bool:
        """Queue frames from the current position; False when a seek overshot start_s."""
        import av

        held: Frame | None = None  # the latest frame at or before start_s
        n = 0
        try:
            for frame in container.decode(stream):
                if self._stop.is_set():
                    return True
                if frame.pts is None:
                    continue
                ts = (frame.pts - origin) * tb
                if n == 0 and sought and ts > self.start_s + _EPS_S:
                    return False
                n += 1
                if n == 1 and self.hwaccel:  # the codec is open now: did the device come up?
                    self.hw_used = bool(getattr(stream.codec_context, "is_hwaccel", False))
                    if not self.hw_used:
                        _HW_UNAVAILABLE.add(self.hwaccel)  # software from now on, unasked
                item = (ts, yuv_frame(frame))
                if ts <= self.start_s + _EPS_S:
                    held = item
                    continue
                if held is not None:
                    self._put(held)
                    held = None
                if not self._put(item):
                    return True
        except av.error.FFmpegError as exc:
            if n == 0:
                raise
            if str(self.path) not in _DAMAGED:  # a player restarting the clip past the
                _DAMAGED.add(str(self.path))  # damage meets it again: said 78 times in a run
                log.warning("%s: decoding stopped after %d frames (%s)", self.path, n, exc)
        if held is not None:
            self._put(held)
        if n == 0:
            raise VideoError(f"{self.path}: no decodable video frame at {self.start_s:.3f} s")
        return True

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

    def __init__(
        self,
        resolve: Callable[[str], Path],
        block: bool = False,
        queue_frames: int = 8,
        planes: bool = False,
        hwaccel: str | None = None,
    ):
        """`planes`: frames are YuvFrames for a view that converts in its shader (the
        trainee view); otherwise BGR arrays. `hwaccel`: see ClipDecoder."""
        self._resolve = resolve
        self.block = block
        self.planes = planes
        self.hwaccel = hwaccel
        self._queue_frames = queue_frames
        self._decoders: dict[tuple[str, float], ClipDecoder] = {}
        self._closing: list[ClipDecoder] = []  # closed, thread not yet gone: joined at close
        self._current: tuple[str, float] | None = None
        self.warnings: list[str] = []

    def _decoder(self, clip: str, start_s: float, frames: int | None = None) -> ClipDecoder:
        key = (clip, round(start_s, 4))
        dec = self._decoders.get(key)
        if dec is None:
            dec = ClipDecoder(
                self._resolve(clip),
                start_s,
                frames or self._queue_frames,
                self.planes,
                self.hwaccel,
            )
            self._decoders[key] = dec
        return dec

    def prepare(self, clip: str, start_s: float) -> None:
        """Start decoding a clip that may play next, so a switch to it is instant. Its
        queue holds PREBUFFER_FRAMES until it plays."""
        self._decoder(clip, start_s, PREBUFFER_FRAMES)

    def play(self, clip: str, start_s: float, keep: set[tuple[str, float]] = frozenset()) -> None:
        """Make (clip, start_s) current; close decoders not current and not in `keep`."""
        dec = self._decoder(clip, start_s)
        dec._q.maxsize = max(dec._q.maxsize, self._queue_frames)  # now it plays: full queue
        self._current = (clip, round(start_s, 4))
        wanted = {self._current} | {(c, round(s, 4)) for c, s in keep}
        for key in [k for k in self._decoders if k not in wanted]:
            self._retire(self._decoders.pop(key))
        for c, s in keep:
            self._decoder(c, s, PREBUFFER_FRAMES)

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
