"""`sightline render-frame PACK [--segment S] [--t T] [--lowlight LEVEL]
[--flashlight X,Y ...] -o FILE.png`: one trainee-view frame, headless, for documents and
tests. The segment defaults to the start, T (seconds into the segment) to 1.0; LEVEL is the
ambient light of the low-light view (0 black .. 1 unchanged; no LEVEL: daylight);
flashlights are X,Y normalized with the origin top-left.

`night_look` draws the same low light on a frame without a GPU, for the after-action
review's frame grabs (tools/aar.py): a CPU copy of engine/lowlight.py's shader, less its
grain and muzzle flash (tests/tools/test_aar.py compares the two pictures).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from content.pack import load_pack
from sim.errors import UserError

#: a flashlight cone's radius, of the screen height (engine/trainee_view.py update_night)
BEAM_RADIUS = 0.18


class RenderFrameError(UserError, ValueError):
    pass


def night_look(
    img: np.ndarray,
    mix: float,
    beams: list[tuple[float, float]],
    screen_aspect: float,
    media_aspect: float,
    ambient: float | None = None,
    radius: float = BEAM_RADIUS,
) -> np.ndarray:
    """A BGR video frame as the low-light view shows it: `mix` 0 (day) .. 1 (night), lit
    by flashlight `beams` (x, y normalized to the trainee screen). The frame is the video's
    own picture, fit and centred on a `screen_aspect` screen (sim.hit_zones.letterbox);
    `ambient` defaults to the view's. Mirrors engine/lowlight.py's FRAGMENT line by line."""
    from engine.lowlight import LowLight
    from sim.hit_zones import media_to_screen

    if mix <= 0.0:
        return img
    look = LowLight()
    ambient = look.ambient if ambient is None else ambient
    h, w = img.shape[:2]
    day = img.astype(np.float32) / 255.0
    sx, sy = media_to_screen(
        (np.arange(w, dtype=np.float32) + 0.5) / w,
        (np.arange(h, dtype=np.float32) + 0.5) / h,
        screen_aspect,
        media_aspect,
    )
    light = np.zeros((h, w), np.float32)
    for x, y in beams:
        d = np.hypot((sx[None, :] - x) * screen_aspect, sy[:, None] - y)
        t = np.clip((d - 0.55 * radius) / (0.45 * radius), 0.0, 1.0)
        cone = 1.0 - t * t * (3.0 - 2.0 * t)  # 1 - smoothstep(0.55 r, r, d): the soft edge
        light += cone * (1.0 - 0.35 * np.clip(d / radius, 0.0, 1.0))
    light = np.clip(light, 0.0, 1.2)[..., None]
    lum = day @ np.array([0.114, 0.587, 0.299], np.float32)  # BGR weights
    tint = np.array([1.12, 0.92, 0.82], np.float32)  # the shader's blue cast, in BGR
    scotopic = day + (lum[..., None] * tint - day) * look.desaturation
    dark = scotopic * ambient
    lit = (dark + (day - dark) * np.clip(light, 0.0, 1.0)) * np.maximum(1.0, light)
    out = day + (lit - day) * float(mix)
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


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
    dec = ClipDecoder(pack.clip_path(seg.clip), media_t, planes=True)
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
