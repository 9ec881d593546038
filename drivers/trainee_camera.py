"""A camera facing the trainee, recorded with the session for the after-action review:
what they said and did with their hands, beside what they saw.

`--trainee-camera N` (a webcam by index) or `--trainee-camera FILE` (a recording, as a
camera would deliver it). Two readers:
  LiveCamera   a thread reads frames and stamps each with the host clock when it arrived
               (a file is paced at its own frame rate); the app maps stamps to session time
  FileCamera   headless runs: frames are taken in step with session time (the file's own
               timestamps), so a scripted run records the same camera video every time
Frames are scaled to at most `width` pixels wide (a review inset, not evidence-grade
video). A camera that cannot be opened or is lost is reported through `on_fault`; the
session goes on without it. Must not import engine.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable

import cv2
import numpy as np

from drivers.camera import CameraOpenError, camera_frames, open_camera
from drivers.input_queue import host_now_s

WIDTH = 640
MAX_QUEUED = 120  # frames waiting for the recorder (4 s at 30 fps); older ones are dropped


def _fit(img: np.ndarray, width: int) -> np.ndarray:
    h, w = img.shape[:2]
    if w > width:
        img = cv2.resize(img, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    return np.ascontiguousarray(img[: h - h % 2, : w - w % 2])  # H.264 wants even sizes


class LiveCamera:
    def __init__(
        self,
        source: str,
        clock: Callable[[], float] = host_now_s,
        on_fault: Callable[[str, bool, str], None] | None = None,
        width: int = WIDTH,
    ):
        self.source, self.clock, self.on_fault, self.width = source, clock, on_fault, width
        self.name = f"trainee-camera:{source}"
        # connected, frames, dropped: written by the camera thread only, read by the app
        self.connected = False
        self.frames = 0
        self.dropped = 0
        # frames waiting for take(): the camera thread appends, the app's thread takes, so
        # both go through the lock (a full queue drops its oldest in the same step)
        self._q: collections.deque[tuple[float, np.ndarray]] = collections.deque()
        self._q_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> LiveCamera:
        self._thread.start()
        return self

    def _fault(self, text: str, up: bool) -> None:
        if self.on_fault:
            self.on_fault(self.name, up, text)

    def _run(self) -> None:
        is_file = not self.source.isdigit()
        try:
            cap = open_camera(self.source)
        except CameraOpenError:
            self._fault(f"cannot open trainee camera {self.source}", False)
            return
        self.connected = True
        try:
            for now, _, img in camera_frames(cap, is_file, self.clock, self._stop):
                self._offer((now, _fit(img, self.width)))
                self.frames += 1
            if not self._stop.is_set():
                self._fault("trainee camera stream ended" if is_file else "camera lost", False)
        finally:
            cap.release()
            self.connected = False

    def _offer(self, item: tuple[float, np.ndarray]) -> None:
        """Queue a frame for take(); the recorder fell behind: lose the oldest."""
        with self._q_lock:
            if len(self._q) >= MAX_QUEUED:
                self._q.popleft()
                self.dropped += 1
            self._q.append(item)

    def take(self) -> list[tuple[float, np.ndarray]]:
        """Frames that arrived since the last call: (host seconds, BGR image)."""
        with self._q_lock:
            out = list(self._q)
            self._q.clear()
        return out

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)


class FileCamera:
    """A recording standing in for the camera, read in step with session time."""

    def __init__(
        self,
        source: str,
        on_fault: Callable[[str, bool, str], None] | None = None,
        width: int = WIDTH,
    ):
        self.source, self.width = source, width
        self.name = f"trainee-camera:{source}"
        self.frames = 0
        self.dropped = 0
        self._cap = cv2.VideoCapture(int(source) if source.isdigit() else source)
        self._next: tuple[float, np.ndarray] | None = None
        self._done = not self._cap.isOpened()
        if self._done and on_fault:
            on_fault(self.name, False, f"cannot open trainee camera {source}")
        self.connected = not self._done

    def until(self, session_s: float) -> list[tuple[float, np.ndarray]]:
        """Frames whose timestamp is at or before session_s: (seconds, BGR image)."""
        out = []
        while not self._done:
            if self._next is None:
                ok, img = self._cap.read()
                if not ok:
                    self._done = True
                    break
                self._next = (self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000, img)
            if self._next[0] > session_s + 1e-6:
                break
            t, img = self._next
            self._next = None
            out.append((t, _fit(img, self.width)))
            self.frames += 1
        return out

    def stop(self) -> None:
        self._cap.release()
        self._done = True
