"""A camera watching the screen as an input device: `--device camera:0` (a webcam by index)
or `camera:FILE.mp4` (a recording, played at its own pace, as a camera would deliver it).

Its thread reads frames, runs the laser tracker, maps each spot from camera pixels to the
trainee screen (with a calibration homography when one is given, otherwise the whole frame
is taken as the screen), decides whose shot it was (the Attributor) and queues a Shot
stamped with the time the frame arrived. Must not import engine.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from drivers.input_queue import InputQueue, host_now_s
from drivers.laser_tracker import FlashlightTracker, LaserTracker
from sim.errors import UserError
from sim.events import FlashlightMove, Shot

ATTRIBUTION_WINDOW_S = 0.15


@dataclass
class Attributor:
    """Whose shot is a spot? The weapon whose trigger pull (from a recoil kit) is nearest in
    time within the window; otherwise the weapon given that laser colour; otherwise w1.

    Shared by threads: a serial device's reader thread calls `trigger`, each camera's thread
    calls `weapon_for`. One lock guards the pulls and which of them are used, so a pull
    is never matched twice and a lookup never sees the deque change under it."""

    colours: dict[str, str] = field(default_factory=lambda: {"red": "w1", "green": "w2"})
    window_s: float = ATTRIBUTION_WINDOW_S
    triggers: collections.deque = field(default_factory=lambda: collections.deque(maxlen=64))
    _used: set = field(default_factory=set)  # pulls already matched; only those in triggers
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def trigger(self, weapon: str, t_s: float) -> None:
        with self._lock:
            if len(self.triggers) == self.triggers.maxlen:
                self._used.discard(self.triggers[0])  # the oldest pull is forgotten
            self.triggers.append((weapon, t_s))

    def weapon_for(self, colour: str, t_s: float) -> str:
        with self._lock:
            near = [
                (abs(t - t_s), i, w)
                for i, (w, t) in enumerate(self.triggers)
                if abs(t - t_s) <= self.window_s and (w, t) not in self._used
            ]
            if near:
                _, i, weapon = min(near)
                self._used.add(self.triggers[i])  # one trigger pull, one shot
                return weapon
        return self.colours.get(colour, "w1")

    def pulls(self) -> list[tuple[str, float]]:
        """A snapshot of the remembered trigger pulls, oldest first: (weapon, host s)."""
        with self._lock:
            return list(self.triggers)


class CameraOpenError(UserError, OSError):
    pass


def camera_frames(
    cap: cv2.VideoCapture, is_file: bool, clock: Callable[[], float], stop: threading.Event
) -> Iterator[tuple[float, float, np.ndarray]]:
    """(arrival time on `clock`, the stream's own time, BGR image) for each frame until the
    stream ends or `stop` is set. A file is delivered at its own pace, as a camera would."""
    start = clock()
    while not stop.is_set():
        ok, img = cap.read()
        if not ok:
            return
        media_s = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000
        if is_file:
            stop.wait(max(0.0, start + media_s - clock()))
        yield clock(), media_s, img


def open_camera(source: str) -> cv2.VideoCapture:
    """Webcam N (digits) or a video file; CameraOpenError when it cannot be opened."""
    cap = cv2.VideoCapture(int(source) if source.isdigit() else source)
    if not cap.isOpened():
        raise CameraOpenError(source)
    return cap


class CameraDevice:
    def __init__(
        self,
        source: str,
        inputs: InputQueue,
        name: str,
        clock: Callable[[], float] = host_now_s,
        homography: np.ndarray | None = None,
        attributor: Attributor | None = None,
        on_fault: Callable[[str, bool, str], None] | None = None,
    ):
        self.source, self.inputs, self.name, self.clock = source, inputs, name, clock
        self.homography = homography
        self.attributor = attributor or Attributor()
        self.on_fault = on_fault
        # connected, frames, shots, last_frame_s: written by the camera thread only, read by
        # the app for the device line; shots leave through the InputQueue
        self.connected = False
        self.frames = 0
        self.shots = 0
        self.last_frame_s: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"camera:{source}", daemon=True)

    def start(self) -> CameraDevice:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)

    def to_screen(self, x: float, y: float, w: int, h: int) -> tuple[float, float] | None:
        if self.homography is not None:
            p = self.homography @ np.array([x, y, 1.0])
            sx, sy = p[0] / p[2], p[1] / p[2]
        else:
            sx, sy = x / w, y / h
        if not (0.0 <= sx <= 1.0 and 0.0 <= sy <= 1.0):
            return None  # off the screen
        return float(sx), float(sy)

    def _fault(self, text: str, up: bool) -> None:
        if self.on_fault:
            self.on_fault(self.name, up, text)

    def _run(self) -> None:
        is_file = not self.source.isdigit()
        try:
            cap = open_camera(self.source)
        except CameraOpenError:
            self._fault(f"cannot open camera {self.source}", False)
            return
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        tracker = LaserTracker(w, h, fps)
        beam = FlashlightTracker(w, h)
        self.connected = True
        try:
            for now, media_s, img in camera_frames(cap, is_file, self.clock, self._stop):
                self.frames += 1
                self.last_frame_s = now
                sig = tracker.signal(img)  # one min-channel image for both trackers
                light = beam.process(img, sig)
                if light is not None:
                    on, bx, by = light
                    pos = self.to_screen(bx, by, w, h) if on else (0.0, 0.0)
                    if pos is not None:
                        self.inputs.put(FlashlightMove(0.0, "f1", on, *pos), now)
                for spot in tracker.process(img, media_s, sig):
                    pos = self.to_screen(spot.x, spot.y, w, h)
                    if pos is None:
                        continue
                    weapon = self.attributor.weapon_for(spot.color, now)
                    self.inputs.put(Shot(0.0, pos[0], pos[1], weapon), now)
                    self.shots += 1
            if not self._stop.is_set():
                self._fault("camera stream ended" if is_file else "camera lost", False)
        finally:
            cap.release()
            self.connected = False
