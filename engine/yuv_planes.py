"""A decoded picture as the decoder's own Y, U and V planes (`YuvFrame`), PyAV frames to
planes without a copy (`yuv_frame`), and the colour matrices and ranges they declare
(`colour_of`, `yuv_coefficients`: the same numbers drive the trainee view's shader and the
CPU conversion for tools and tests).

engine/video.py's decoders hand these out with `planes=True`. No Panda3D and no decoder
threads here (engine/yuv_card.py uploads the planes); PyAV frames arrive as arguments, so
PyAV itself is not imported.
"""

from __future__ import annotations

import cv2
import numpy as np


class YuvFrame:
    """A decoded picture as the decoder left it: `planes` are 2-D uint8 views of the
    decoder's buffers, each `line_size` bytes a row (rows may be padded past the picture:
    `widths` says how much of each row is picture). `layout` is "yuv" (Y, U, V; U and V
    may be subsampled) or "nv12" (Y, then U and V interleaved, from hardware decoders).
    `matrix` is "bt601" or "bt709", `full_range` the JPEG range instead of the video
    range (16-235). `to_bgr()` converts on the CPU for tools and tests."""

    __slots__ = ("full_range", "height", "layout", "matrix", "planes", "width", "widths")

    def __init__(self, planes, widths, width, height, layout, matrix, full_range):
        self.planes: tuple[np.ndarray, ...] = planes
        self.widths: tuple[int, ...] = widths
        self.width, self.height = width, height
        self.layout: str = layout
        self.matrix: str = matrix
        self.full_range: bool = full_range

    @property
    def shape(self) -> tuple[int, int, int]:
        """(height, width, 3), as a BGR frame of this picture has."""
        return (self.height, self.width, 3)

    def to_bgr(self) -> np.ndarray:
        """The picture as BGR, converted with its own matrix and range (float, rounded)."""
        h, w = self.height, self.width
        y = self.planes[0][:h, :w].astype(np.float32)
        if self.layout == "nv12":
            uv = self.planes[1][:, : self.widths[1]].reshape(h // 2, -1, 2)
            u, v = uv[..., 0], uv[..., 1]
        else:
            u, v = self.planes[1][:, : self.widths[1]], self.planes[2][:, : self.widths[2]]
        u = cv2.resize(u, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        v = cv2.resize(v, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        r, g, b = yuv_to_rgb(y, u, v, self.matrix, self.full_range)
        return np.clip(np.dstack([b, g, r]) * 255.0 + 0.5, 0, 255).astype(np.uint8)


#: Luma weights (Kr, Kb) of the two matrices in use.
MATRICES = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}


def yuv_coefficients(matrix: str, full_range: bool) -> tuple[np.ndarray, np.ndarray]:
    """(M, offset): rgb = M @ (yuv / 255) + offset, for 8-bit codes scaled to 0..1. The
    same numbers drive the shader (engine/trainee_view.py) and `YuvFrame.to_bgr`."""
    kr, kb = MATRICES[matrix]
    kg = 1.0 - kr - kb
    if full_range:
        ys, cs, y0 = 1.0, 1.0, 0.0
    else:  # video range: Y 16-235, chroma 16-240 around 128
        ys, cs, y0 = 255.0 / 219.0, 255.0 / 224.0, 16.0 / 255.0
    c0 = 128.0 / 255.0
    # R = Y' + 2(1-Kr) V', B = Y' + 2(1-Kb) U', G = (Y' - Kr R - Kb B) / Kg
    m = np.array(
        [
            [ys, 0.0, 2 * (1 - kr) * cs],
            [ys, -2 * (1 - kb) * kb / kg * cs, -2 * (1 - kr) * kr / kg * cs],
            [ys, 2 * (1 - kb) * cs, 0.0],
        ]
    )
    offset = -m @ np.array([y0, c0, c0])
    return m, offset


def yuv_to_rgb(y, u, v, matrix: str, full_range: bool):
    """Float R, G, B (0..1, unclipped) from 8-bit Y, U, V arrays."""
    m, off = yuv_coefficients(matrix, full_range)
    y, u, v = y / 255.0, u / 255.0, v / 255.0
    return tuple(m[i, 0] * y + m[i, 1] * u + m[i, 2] * v + off[i] for i in range(3))


#: AVColorSpace codes: BT.709; BT.470BG, SMPTE 170M and FCC are BT.601's matrix.
_AVCOL_SPC_BT709 = 1
_AVCOL_SPC_601 = (4, 5, 6)
_AVCOL_RANGE_JPEG = 2
#: Planar layouts uploaded as they are; other formats are converted to yuv420p once.
_PLANAR = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"}


def colour_of(frame) -> tuple[str, bool]:
    """(matrix, full_range) of a PyAV frame. Unspecified streams are taken as BT.601, video
    range (yuvj formats: full range): what FFmpeg's own converter, OpenCV and our writer
    (engine/video_out.py, which does not tag) assume, so that a clip looks the same here
    as in every tool that reads it through FFmpeg."""
    space = int(frame.colorspace or 2)
    matrix = "bt709" if space == _AVCOL_SPC_BT709 else "bt601"
    full = int(frame.color_range or 0) == _AVCOL_RANGE_JPEG or frame.format.name.startswith("yuvj")
    return matrix, full


def yuv_frame(frame) -> YuvFrame:
    """A PyAV VideoFrame as planes, without copying (the arrays keep the frame alive)."""
    name = frame.format.name
    if name == "nv12":
        layout = "nv12"
    elif name in _PLANAR:
        layout = "yuv"
    else:  # 10-bit, RGB, grey...: one CPU conversion, then the same path
        matrix, full = colour_of(frame)
        frame = frame.reformat(format="yuv420p")
        return _planes(frame, "yuv", matrix, full)
    return _planes(frame, layout, *colour_of(frame))


def _planes(frame, layout: str, matrix: str, full: bool) -> YuvFrame:
    planes, widths = [], []
    for i, plane in enumerate(frame.planes):
        rows = np.frombuffer(plane, np.uint8)
        stride = plane.line_size
        planes.append(rows[: stride * plane.height].reshape(plane.height, stride))
        interleaved = layout == "nv12" and i == 1  # U and V side by side: two bytes a pixel
        widths.append(plane.width * (2 if interleaved else 1))
    return YuvFrame(tuple(planes), tuple(widths), frame.width, frame.height, layout, matrix, full)
