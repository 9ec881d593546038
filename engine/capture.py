"""Capturing rendered frames of a view to an H.264 file, encoded on a writer thread.

The view's output gets a copy-to-RAM render texture; after the frame is drawn, `grab()`
reads it (bottom row first, as GL stores it) and `submit()` hands it to the writer thread
through a bounded queue, blocking when the queue is full, so no frame is ever dropped.
With `audio_rate`, the file also carries the session's mixed sound: `audio_sink()` is a
mixer sink whose blocks go through the same queue (AAC, timed by sample count from 0).
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import numpy as np
from panda3d.core import GraphicsOutput, Texture

from engine.video_out import H264Writer


class FrameCapture:
    def __init__(
        self, output: GraphicsOutput, path: str | Path, fps: float, audio_rate: int | None = None
    ):
        self.path = Path(path)
        self._tex = Texture("capture")
        output.addRenderTexture(self._tex, GraphicsOutput.RTM_copy_ram)
        self._w, self._h = output.getXSize(), output.getYSize()
        self._writer = H264Writer(
            self.path,
            self._w,
            self._h,
            fps,
            crf=20,
            audio_rate=audio_rate,
            audio_channels=2,
            audio_bitrate=128_000,
        )
        self._q: queue.Queue[tuple[float | None, np.ndarray] | None] = queue.Queue(maxsize=64)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="capture-writer", daemon=True)
        self._thread.start()

    @property
    def frames(self) -> int:
        return self._writer.frames

    @property
    def audio_seconds(self) -> float:
        samples = self._writer.audio_samples
        return samples / self._writer._audio_rate if samples else 0.0

    def grab(self) -> np.ndarray | None:
        """The frame just rendered, top row first (None before the first render)."""
        if self.error is not None:
            raise RuntimeError(f"{self.path}: video writer failed ({self.error})")
        if not self._tex.hasRamImage():
            return None
        data = self._tex.getRamImageAs("BGR")
        img = np.frombuffer(data, np.uint8).reshape(self._tex.getYSize(), self._tex.getXSize(), 3)
        # Copy now, on the render thread: when the buffer is already BGR, Panda3D hands out
        # its own RAM image, which the next frames overwrite before the writer encodes it.
        return np.ascontiguousarray(img[::-1])

    def submit(self, img: np.ndarray, t_s: float) -> None:
        """Queue a frame for the file, stamped t_s (blocks while the writer is behind)."""
        self._q.put((t_s, img))

    def audio_sink(self):
        """A sink for engine.audio.AudioMixer that muxes the sound into this file."""
        from engine.audio_sinks import Sink

        capture = self

        class _CaptureAudio(Sink):
            def write(self, block: np.ndarray) -> None:
                capture._q.put((None, block))

        return _CaptureAudio()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                break
            if self.error is None:
                try:
                    if item[0] is None:
                        self._writer.write_audio(item[1])
                    else:
                        self._writer.write(item[1], item[0])
                except Exception as exc:  # reported on the next grab() or close()
                    self.error = exc
        try:
            self._writer.close()
        except Exception as exc:
            self.error = self.error or exc

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()
        if self.error is not None:
            raise RuntimeError(f"{self.path}: video writer failed ({self.error})")
