"""The clips we write say what their pixels are: BT.601's matrix (what FFmpeg converts our
RGB frames with), video range, BT.709 primaries and transfer. Untagged HD clips were read
as BT.709 by other players, shifting colours; our own readers must still agree."""

from __future__ import annotations

import av
import cv2
import numpy as np

from engine.video import ClipDecoder
from engine.video_out import (
    AVCOL_PRI_BT709,
    AVCOL_RANGE_MPEG,
    AVCOL_SPC_SMPTE170M,
    AVCOL_TRC_BT709,
    H264Writer,
)


def test_a_written_hd_clip_is_tagged_and_reads_back_in_its_colours(tmp_path):
    path = tmp_path / "tagged.mp4"
    bgr = (40, 160, 220)  # orange: BT.601 and BT.709 disagree on it by about 10 levels
    with H264Writer(path, 1280, 720, 30.0) as out:
        for i in range(3):
            out.write(np.full((720, 1280, 3), bgr, np.uint8), i / 30)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        cc = stream.codec_context
        assert (frame.colorspace, frame.color_range) == (AVCOL_SPC_SMPTE170M, AVCOL_RANGE_MPEG)
        assert (cc.color_primaries, cc.color_trc) == (AVCOL_PRI_BT709, AVCOL_TRC_BT709)
    dec = ClipDecoder(path, 0.0, planes=True)
    planes = dec.frame_at(0.0, block=True)[1]
    dec.close(wait=True)
    assert planes.matrix == "bt601" and not planes.full_range
    got = planes.to_bgr()[360, 640].astype(int)
    assert np.abs(got - bgr).max() <= 4, got
    ok, img = cv2.VideoCapture(str(path)).read()
    assert ok and np.abs(img[360, 640].astype(int) - bgr).max() <= 6, img[360, 640]
