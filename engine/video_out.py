"""Writing video files: H.264 in MP4 through PyAV, from BGR numpy frames.

H.264 because browsers (the after-action report) and every player read it; OpenCV's wheels
cannot encode it. Frames carry explicit timestamps, so variable frame rates are exact.

A plain MP4 is unreadable until close() writes its index (the moov box): a process killed
mid-run leaves nothing playable. `fragmented=True` writes the index first and then
self-contained fragments (moof + mdat) at each keyframe, a keyframe every `keyframe_s`,
each fragment flushed to the file at once: a run killed with SIGKILL leaves a video that
plays up to its last whole fragment (at most about `keyframe_s` lost). Browsers and
players read fragmented MP4 as they read the plain kind.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from sim.errors import UserError
from sim.files import create_private, why

#: FFmpeg's colour tags (libavutil/pixfmt.h) for the clips we write: BT.601's matrix
#: (SMPTE 170M), video range, BT.709 primaries and transfer.
AVCOL_SPC_SMPTE170M = 6
AVCOL_RANGE_MPEG = 1
AVCOL_PRI_BT709 = 1
AVCOL_TRC_BT709 = 1


class VideoOutError(UserError, RuntimeError):
    pass


class H264Writer:
    """Append BGR uint8 frames (height, width, 3) with timestamps in seconds.

    Width and height must be even (4:2:0 chroma). `crf` trades size for quality (18 is
    visually lossless, 28 small). With `audio_rate`, the file also gets an AAC track fed by
    write_audio() (float samples in -1..1, mono or (n, channels)), timed from 0 by sample
    count. `fragmented`: survive a kill (see the module docstring). Use as a context
    manager or call close()."""

    TIME_BASE = Fraction(1, 90_000)

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float = 30.0,
        crf: int = 23,
        preset: str = "veryfast",
        audio_rate: int | None = None,
        audio_channels: int = 1,
        audio_bitrate: int = 48_000,
        fragmented: bool = False,
        keyframe_s: float = 1.0,
    ):
        import av

        if width % 2 or height % 2:
            raise VideoOutError(f"{path}: H.264 needs an even frame size, got {width}x{height}")
        self.path = Path(path)
        self.width, self.height = width, height
        self.frames = 0
        try:  # trainee data: created owner-only, never through a link (av.open keeps the mode)
            os.close(create_private(self.path))
        except (OSError, ValueError) as exc:
            raise VideoOutError(f"{path}: cannot write video ({why(exc)})") from None
        try:
            if fragmented:
                options = {
                    "movflags": "frag_keyframe+empty_moov+default_base_moof",
                    "flush_packets": "1",  # each fragment reaches the file when it is cut
                }
                self._container = av.open(str(self.path), "w", format="mp4", options=options)
            else:
                self._container = av.open(str(self.path), "w")
        except (av.FFmpegError, OSError) as exc:
            raise VideoOutError(f"{path}: cannot write video ({exc})") from None
        self._stream = self._container.add_stream(
            "libx264", rate=Fraction(fps).limit_denominator(1001)
        )
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.time_base = self.TIME_BASE
        self._stream.options = {"crf": str(crf), "preset": preset}
        # Say what the pixels are: FFmpeg converts our RGB frames to YUV with BT.601's
        # matrix at video range; untagged, players take HD as BT.709 and shift colours.
        # The RGB itself is sRGB (BT.709 primaries and transfer).
        cc = self._stream.codec_context
        cc.colorspace, cc.color_range = AVCOL_SPC_SMPTE170M, AVCOL_RANGE_MPEG
        cc.color_primaries, cc.color_trc = AVCOL_PRI_BT709, AVCOL_TRC_BT709
        if fragmented:  # a keyframe, so a fragment, every keyframe_s
            self._stream.codec_context.gop_size = max(1, round(fps * keyframe_s))
            # no B-frames: without an edit list (none in a fragmented file) their decode
            # delay would shift every timestamp by two frames
            self._stream.codec_context.max_b_frames = 0
        self._fps = fps
        self._last_pts = -1
        self._audio = None
        self.audio_samples = 0
        if audio_rate is not None:
            self._audio = self._container.add_stream("aac", rate=audio_rate)
            self._audio.layout = "mono" if audio_channels == 1 else "stereo"
            self._audio.codec_context.bit_rate = audio_bitrate
            self._audio_rate = audio_rate
            self._audio_channels = audio_channels

    def write_audio(self, samples: np.ndarray) -> None:
        import av

        if self._audio is None:
            raise VideoOutError(f"{self.path}: opened without an audio track")
        data = np.asarray(samples, np.float32)
        data = data.reshape(-1, self._audio_channels).T  # planar: (channels, n)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(np.clip(data, -1, 1)),
            format="fltp",
            layout=self._audio.layout.name,
        )
        frame.sample_rate = self._audio_rate
        frame.pts = self.audio_samples
        frame.time_base = Fraction(1, self._audio_rate)
        for packet in self._audio.encode(frame):
            self._container.mux(packet)
        self.audio_samples += data.shape[1]

    def write(self, frame_bgr: np.ndarray, t_s: float | None = None) -> None:
        import av

        if frame_bgr.shape != (self.height, self.width, 3):
            raise VideoOutError(
                f"{self.path}: frame shape {frame_bgr.shape} != {(self.height, self.width, 3)}"
            )
        if t_s is None:
            t_s = self.frames / self._fps
        pts = round(t_s / self.TIME_BASE)
        if pts <= self._last_pts:
            raise VideoOutError(f"{self.path}: timestamps must increase ({t_s:.6f} s)")
        self._last_pts = pts
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_bgr), format="bgr24")
        frame.pts = pts
        frame.time_base = self.TIME_BASE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        if self._container is None:
            return
        for stream in (self._stream, self._audio):
            if stream is not None:
                for packet in stream.encode():
                    self._container.mux(packet)
        self._container.close()
        self._container = None

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
