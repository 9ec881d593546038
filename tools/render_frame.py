"""`sightline render-frame PACK [--segment S] [--t T] [--lowlight LEVEL]
[--flashlight X,Y ...] -o FILE.png`: one trainee-view frame, headless, for documents and
tests. The segment defaults to the start, T (seconds into the segment) to 1.0; LEVEL is the
ambient light of the low-light view (0 black .. 1 unchanged; no LEVEL: daylight);
flashlights are X,Y normalized with the origin top-left.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from content.pack import load_pack
from sim.errors import UserError


class RenderFrameError(UserError, ValueError):
    pass


def render_frame(
    pack_dir: Path,
    out: Path,
    segment: str | None,
    t_s: float,
    lowlight: float | None,
    flashlights: list[tuple[float, float]],
    size: tuple[int, int] = (1280, 720),
) -> np.ndarray:
    pack = load_pack(pack_dir)
    seg = pack.scenario.segments.get(segment or pack.scenario.start)
    if seg is None:
        raise RenderFrameError(
            f"{pack_dir}: no segment named {segment!r} (segments: "
            f"{', '.join(pack.scenario.segments)})"
        )
    media_t = seg.in_s + t_s
    if not seg.in_s <= media_t <= seg.out_s:
        raise RenderFrameError(f"--t {t_s}: segment {seg.id} is {seg.duration_s:g} s long")
    from engine import panda_setup

    w, h = size
    panda_setup.configure(True, w, h)
    from direct.showbase.ShowBase import ShowBase

    from engine.trainee_view import TraineeView
    from engine.video import ClipDecoder

    base = ShowBase(windowType="offscreen")
    # letterbox bars in black, as `run` draws them (engine/app.py): Panda3D's default is grey
    base.setBackgroundColor(0, 0, 0, 1)
    view = TraineeView(base.render2d, w / h, True, (w, h, 0, 0))
    dec = ClipDecoder(pack.clip_path(seg.clip), media_t)
    frame = dec.frame_at(media_t, block=True)
    dec.close(wait=True)
    view.show_frame(frame[1], seg.media_aspect, "frame")
    if lowlight is not None:
        view.night.ambient = float(lowlight)
        view.night.mix = 1.0  # no fade: the frame as it looks once dark
    view.update_night(lowlight is not None, flashlights, 0.0, 1.0)
    base.graphicsEngine.renderFrame()
    base.graphicsEngine.renderFrame()
    view.check_shader()
    shot = base.win.getScreenshot()
    img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(
        shot.getYSize(), shot.getXSize(), 3
    )[::-1]
    if not cv2.imwrite(str(out), img):
        raise RenderFrameError(f"{out}: cannot write the PNG")
    return img
