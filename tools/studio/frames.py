"""Frames of a pack's clips by frame index, exactly, for Studio's scrubber, zone editor,
preview and thumbnails.

PyAV rather than OpenCV: OpenCV's CAP_PROP_POS_FRAMES seeks to the nearest keyframe on
many files and its frame numbers drift on variable-rate ones. Here frame i is the frame
whose presentation time is closest to i / fps after the stream's start: seek to the
keyframe before it and decode forwards to it. A reader stays open per clip (a few at
once) and goes on decoding when the next request is a later frame, so scrubbing and
playing forwards do not seek each time.

Frame index and media time: t_s = i / fps, the clock the scenario format uses.
Imports av, cv2, numpy; never engine.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from content.media import probe_media

MAX_OPEN = 4
MAX_FORWARD_DECODE = 90  # frames decoded on instead of seeking, when asked a later frame


@dataclass(frozen=True)
class ClipInfo:
    fps: float
    frames: int
    duration_s: float
    width: int
    height: int

    def as_json(self) -> dict:
        return {
            "fps": self.fps,
            "frames": self.frames,
            "duration_s": self.duration_s,
            "width": self.width,
            "height": self.height,
        }


class ClipReader:
    def __init__(self, path: Path):
        self.path = path
        info = probe_media(path)  # bounded: size, dimensions, duration (MediaError)
        self.container = av.open(str(path))
        self.stream = self.container.streams.video[0]
        rate = self.stream.average_rate or self.stream.guessed_rate or 30
        self.fps = float(rate)
        self.tb = float(self.stream.time_base)
        self.start = self.stream.start_time or 0
        frames = max(1, int(round(info.duration_s * self.fps)))
        self.info = ClipInfo(round(self.fps, 6), frames, info.duration_s, info.width, info.height)
        self.lock = threading.Lock()
        self._decoder = None
        self._at = -1  # index of the frame the decoder gave last
        self.closed = False

    def _index_of(self, frame) -> int:
        return int(round((frame.pts - self.start) * self.tb * self.fps))

    def frame(self, index: int) -> np.ndarray:
        """The BGR image of frame `index` (clamped to the clip)."""
        index = max(0, min(index, self.info.frames - 1))
        with self.lock:
            if self.closed:  # put out of the cache while a request still held it
                self.container = av.open(str(self.path))
                self.stream = self.container.streams.video[0]
                self.closed = False
                self._decoder = None
            if not (self._at < index <= self._at + MAX_FORWARD_DECODE and self._decoder):
                target = self.start + int(index / self.fps / self.tb)
                self.container.seek(target, stream=self.stream, backward=True)
                self._decoder = self.container.decode(self.stream)
                self._at = -1
            last = None
            for frame in self._decoder:
                if frame.pts is None:
                    continue
                at = self._index_of(frame)
                last = frame
                self._at = at
                if at >= index:
                    break
            if last is None:  # past the end: the last frame the file has
                self._decoder = None
                self.container.seek(self.start, stream=self.stream)
                for frame in self.container.decode(self.stream):
                    last = frame
                self._at = 10**9
            return last.to_ndarray(format="bgr24")

    def close(self) -> None:
        self.container.close()
        self.closed = True
        self._decoder = None


class FrameCache:
    """Open readers by clip path (at most MAX_OPEN), shared by the server's threads."""

    def __init__(self):
        self._readers: OrderedDict[Path, ClipReader] = OrderedDict()
        self._infos: dict[tuple[Path, int, int], ClipInfo] = {}
        self._lock = threading.Lock()

    def info(self, path: Path) -> ClipInfo:
        """A clip's frame count and rate, without keeping a reader open (a pack of many
        clips would otherwise push the scrubber's reader out)."""
        st = path.stat()
        key = (path, st.st_size, st.st_mtime_ns)
        if key not in self._infos:
            with self._lock:
                r = self._readers.get(path)
            if r is not None:
                self._infos[key] = r.info
            else:
                r = ClipReader(path)
                self._infos[key] = r.info
                r.close()
        return self._infos[key]

    def reader(self, path: Path) -> ClipReader:
        with self._lock:
            r = self._readers.get(path)
            if r is None:
                r = ClipReader(path)
                self._readers[path] = r
                while len(self._readers) > MAX_OPEN:
                    _, old = self._readers.popitem(last=False)
                    with old.lock:
                        old.close()
            self._readers.move_to_end(path)
            return r

    def jpeg(self, path: Path, index: int, width: int = 0, quality: int = 82) -> bytes:
        img = self.reader(path).frame(index)
        return encode_jpeg(img, width, quality)

    def close(self) -> None:
        with self._lock:
            for r in self._readers.values():
                r.close()
            self._readers.clear()


def encode_jpeg(img: np.ndarray, width: int = 0, quality: int = 82) -> bytes:
    if width and 16 <= width < img.shape[1]:
        h = max(1, round(img.shape[0] * width / img.shape[1]))
        img = cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("cannot encode a JPEG")
    return buf.tobytes()
