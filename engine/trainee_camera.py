"""The trainee camera in the engine: recording its frames in session time beside the
session recording, and showing them again as an inset when the session is replayed.

The recorded file (`REC.camera.mp4`, H.264) is timed in session seconds, the same clock as
every record in the session recording, so frame t of the camera is what the trainee did
at session time t: replay and the report find it by that time alone. It is a fragmented
MP4 (engine/video_out.py), so a run that is killed leaves a camera video that plays up to
about a second before the kill, as the session recording keeps every flushed record.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import numpy as np
from panda3d.core import CardMaker, NodePath, SamplerState, Texture, TextureStage

from engine.video import VideoPlayer
from engine.video_out import H264Writer
from sim.recording import camera_side_file

INSET_WIDTH = 0.3  # of the trainee view's width


def camera_path(record: Path) -> Path:
    """Where the camera video of a session recording lives (the one rule, in sim)."""
    return camera_side_file(record)


class CameraRecorder:
    """H.264 of the camera frames, stamped in session seconds, encoded on a thread."""

    def __init__(self, path: Path, fps: float = 30.0):
        self.path = Path(path)
        self.fps = fps
        self._writer: H264Writer | None = None
        self._last_t = -1.0
        self.frames = 0
        self.error: str | None = None
        self._q: queue.Queue[tuple[float, np.ndarray] | None] = queue.Queue(maxsize=64)
        self._thread = threading.Thread(target=self._run, name="camera-writer", daemon=True)
        self._thread.start()

    def submit(self, t_s: float, img: np.ndarray) -> None:
        if t_s <= self._last_t or t_s < 0:  # before the session, or out of order
            return
        self._last_t = t_s
        self._q.put((t_s, img))

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                break
            if self.error is not None:
                continue
            t_s, img = item
            try:
                if self._writer is None:
                    h, w = img.shape[:2]
                    self._writer = H264Writer(
                        self.path, w, h, self.fps, crf=26, fragmented=True, keyframe_s=1.0
                    )
                if img.shape[:2] == (self._writer.height, self._writer.width):
                    self._writer.write(img, t_s)
                    self.frames += 1
            except Exception as exc:  # reported at close; the session goes on
                self.error = f"{self.path}: trainee camera video failed ({exc})"
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception as exc:
                self.error = self.error or f"{self.path}: {exc}"

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()


class CameraInset:
    """The recorded camera in a corner of the replayed trainee view, at session time."""

    def __init__(self, parent: NodePath, screen_aspect: float, path: Path):
        self.path = Path(path)
        self._player = VideoPlayer(lambda _clip: self.path, block=True)
        self._player.play("camera", 0.0)
        self._tex = Texture("trainee-camera")
        self._tex.setMinfilter(SamplerState.FT_linear)
        self._tex.setMagfilter(SamplerState.FT_linear)
        self._tex.setup2dTexture(2, 2, Texture.T_unsigned_byte, Texture.F_rgb8)
        self._tex.setRamImage(np.zeros((2, 2, 3), np.uint8))
        cm = CardMaker("trainee-camera-inset")
        cm.setFrame(-1, 1, -1, 1)
        self._card = parent.attachNewNode(cm.generate())
        self._card.setTexture(self._tex)
        self._card.setTexScale(TextureStage.getDefault(), 1, -1)  # top row first
        self._card.setTexOffset(TextureStage.getDefault(), 0, 1)
        self._card.setBin("fixed", 5)
        self._card.setDepthTest(False)
        self._card.setDepthWrite(False)
        self._card.hide()
        self.screen_aspect = screen_aspect
        self._shown: float | None = None
        self.shown = 0

    @property
    def warnings(self) -> list[str]:
        return self._player.warnings

    def update(self, session_s: float) -> None:
        frame = self._player.frame_at(session_s)
        if frame is None or frame[0] == self._shown:
            return
        self._shown, img = frame
        h, w = img.shape[:2]
        if (self._tex.getXSize(), self._tex.getYSize()) != (w, h):
            self._tex.setup2dTexture(w, h, Texture.T_unsigned_byte, Texture.F_rgb8)
            # bottom-right corner, INSET_WIDTH of the view wide, a small margin
            hw = INSET_WIDTH
            hh = hw * self.screen_aspect * h / w
            self._card.setScale(hw, 1, hh)
            self._card.setPos(1 - hw - 0.02, 0, -1 + hh + 0.02 * self.screen_aspect)
        self._tex.setRamImage(np.ascontiguousarray(img))
        self._card.show()
        self.shown += 1

    def close(self) -> None:
        self._player.close()
