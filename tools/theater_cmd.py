"""`sightline theater new|pattern` and `sightline render-frame PACK --theater T -o DIR`:
writing a theater file, the alignment test card on every projector, and one frame of a
theater pack as each projector receives it (blend and warp applied), as PNGs.

The test card is a panorama of the theater's arc: a grid every 10 degrees (labelled) and
every tenth of the height, a mid-grey field (an even blend shows no band in the overlaps)
and circles that must stay round across the seams.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import cv2
import numpy as np

from content.theater import Theater, load_theater, new_theater_text, write_new
from sim.errors import UserError
from sim.panorama import Panorama, natural_aspect

PATTERN_HEIGHT = 1080


def new_command(args) -> int:
    text = new_theater_text(args.screens, args.degrees, args.overlap, args.size, args.projection)
    write_new(args.out, text)
    load_theater(args.out)  # what we write must read back
    print(f"wrote {args.out} ({args.screens} screens, {args.degrees:g} deg)")
    return 0


def pattern_image(theater: Theater, height: int = PATTERN_HEIGHT) -> np.ndarray:
    """The alignment card as a BGR panorama of the theater's arc."""
    first = theater.projectors[len(theater.projectors) // 2]
    aspect = natural_aspect(first.geometry, first.offscreen, theater.degrees)
    w = int(round(height * aspect / 2)) * 2
    per_deg = w / theater.degrees
    img = np.full((height, w, 3), 118, np.uint8)  # mid grey in sRGB
    for k in range(int(theater.degrees // 10) + 1):
        deg = -theater.degrees / 2 + k * 10
        x = round((deg + theater.degrees / 2) * per_deg)
        cv2.line(img, (x, 0), (x, height - 1), (255, 255, 255), 2)
        cv2.putText(
            img,
            f"{deg:+.0f}",
            (x + 6, height // 4),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.4,
            (0, 255, 255),
            3,
        )
    for j in range(1, 10):
        y = round(j * height / 10)
        cv2.line(img, (0, y), (w - 1, y), (200, 200, 200), 1)
    r = height // 6
    for k in range(max(1, int(theater.degrees // 30))):
        x = round((k * 30 + 15) * per_deg) if theater.degrees >= 30 else w // 2
        cv2.circle(img, (x, height // 2), r, (0, 0, 255), 4)
    for p in theater.projectors:  # each projector's name under its arc's middle
        x = round(((p.arc[0] + p.arc[1]) / 2 + theater.degrees / 2) * per_deg)
        cv2.putText(
            img, p.name, (x - 90, height * 3 // 4), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (255, 200, 0), 4
        )
    return img


def _render(theater: Theater, pano: Panorama, frame: np.ndarray, setup=None) -> list[np.ndarray]:
    """Draw `frame` (the panorama) on every projector offscreen; each one's picture."""
    from engine import panda_setup

    w, h = theater.projectors[0].offscreen
    panda_setup.configure(True, w, h)
    from direct.showbase.ShowBase import ShowBase

    from engine.theater import TheaterView, make_passes, open_buffer

    base = ShowBase(windowType="offscreen")
    base.setBackgroundColor(0, 0, 0, 1)
    outputs = [base.win] + [
        open_buffer(base, p.name, p.offscreen, 10 + i) for i, p in enumerate(theater.projectors[1:])
    ]
    view = TheaterView(make_passes(outputs, theater, pano, TheaterView.make_texture()), None)
    view.show_pano(frame, "frame")
    if setup is not None:
        setup(view)
    else:
        view.update(False, [], 0.0, 0.0)
    base.graphicsEngine.renderFrame()
    base.graphicsEngine.renderFrame()
    view.check_shader()
    shots = []
    for out in outputs:
        shot = out.getScreenshot()
        shots.append(
            np.frombuffer(shot.getRamImageAs("BGR"), np.uint8)
            .reshape(shot.getYSize(), shot.getXSize(), 3)[::-1]
            .copy()
        )
    base.destroy()
    return shots


def write_screens(shots: list[np.ndarray], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, img in enumerate(shots, 1):
        path = out_dir / f"screen-{k}.png"
        if not cv2.imwrite(str(path), img):
            raise UserError(f"{path}: cannot write the PNG")
        paths.append(path)
    return paths


def pattern_command(args) -> int:
    theater = load_theater(args.theater)
    img = pattern_image(theater)
    pano = Panorama(theater.degrees)
    if args.out is None:
        from engine.panda_setup import have_display

        if not have_display():
            raise UserError("no display to show the pattern on: add -o DIR to write PNGs")
        return _show_pattern(theater, pano, img)
    for path in write_screens(_render(theater, pano, img), args.out):
        print(f"wrote {path}")
    return 0


def _show_pattern(theater: Theater, pano: Panorama, img: np.ndarray) -> int:
    """The card full screen on every projector's display until Escape or q."""
    from engine import panda_setup
    from engine.displays import list_displays, pick

    there = list_displays()
    first = theater.projectors[0]
    d0 = pick(there, first.display, "display") if first.display is not None else None
    size = (d0.width, d0.height) if d0 is not None else first.offscreen
    panda_setup.configure(False, *size, title="Sightline - theater pattern", display=d0)
    from direct.showbase.ShowBase import ShowBase

    from engine.theater import TheaterView, make_passes, open_window

    base = ShowBase()
    outputs = [base.win]
    for i, p in enumerate(theater.projectors[1:]):
        d = pick(there, p.display, "display") if p.display is not None else None
        outputs.append(open_window(base, p.name, p, d, 10 + i))
    view = TheaterView(make_passes(outputs, theater, pano, TheaterView.make_texture()), None)
    view.show_pano(img, "pattern")
    view.update(False, [], 0.0, 0.0)
    print("Showing the theater pattern on every projector; Escape or q to close.")
    base.accept("escape", base.userExit)
    base.accept("q", base.userExit)
    with contextlib.suppress(SystemExit):  # ShowBase leaves this way on userExit
        base.run()
    return 0


def panorama_frame(pack, segment: str | None, t_s: float) -> tuple[np.ndarray, object]:
    """The panorama frame of a segment at t_s into it: its clip's frame, or its screen
    clips' frames side by side."""
    from engine.video import ClipDecoder

    seg = pack.scenario.segments.get(segment or pack.scenario.start)
    if seg is None:
        raise UserError(
            f"{pack.root}: no segment named {segment!r} (segments: "
            f"{', '.join(pack.scenario.segments)})"
        )
    media_t = seg.in_s + t_s
    if not seg.in_s <= media_t <= seg.out_s:
        raise UserError(f"--t {t_s}: segment {seg.id} is {seg.duration_s:g} s long")
    parts = []
    for clip in seg.screen_clips or (seg.clip,):
        dec = ClipDecoder(pack.clip_path(clip), media_t)
        got = dec.frame_at(media_t, block=True)
        dec.close(wait=True)
        parts.append(got[1])
    return np.ascontiguousarray(np.hstack(parts)), seg


def render_theater_frame(
    pack_dir: Path,
    theater_path: Path,
    out_dir: Path,
    segment: str | None,
    t_s: float,
    lowlight: float | None,
    flashlights: list[tuple[float, float]],
) -> list[Path]:
    """`render-frame PACK --theater T -o DIR`: screen-1.png .. screen-N.png. Flashlights
    are panorama x, y."""
    from content.pack import load_pack

    pack = load_pack(pack_dir)
    pano = pack.scenario.panorama
    if pano is None:
        raise UserError(f"{pack_dir}: --theater needs a theater pack (a [panorama] table)")
    theater = load_theater(theater_path)
    frame, _ = panorama_frame(pack, segment, t_s)

    def setup(view) -> None:
        if lowlight is not None:
            view.night.ambient = float(lowlight)
            view.night.mix = 1.0
        view.update(lowlight is not None, flashlights, 0.0, 1.0)

    return write_screens(_render(theater, pano, frame, setup), out_dir)


def render_single_screen(
    pack,
    out: Path,
    segment: str | None,
    t_s: float,
    lowlight: float | None,
    flashlights: list[tuple[float, float]],
    size: tuple[int, int],
) -> np.ndarray:
    """`render-frame` of a theater pack without --theater: one screen as the pack says
    (the centre window or the letterboxed strip); flashlights are panorama x, y."""
    from content.theater import Blend, Projector
    from sim.panorama import single_screen_geometry

    frame, seg = panorama_frame(pack, segment, t_s)
    pano = pack.scenario.panorama
    geo = single_screen_geometry(pano, seg.media_aspect, size[0] / size[1])
    theater = Theater(
        Path("<one screen>"), pano.degrees, (Projector("screen", geo, Blend(), None, size),)
    )

    def setup(view) -> None:
        if lowlight is not None:
            view.night.ambient = float(lowlight)
            view.night.mix = 1.0
        view.update(lowlight is not None, flashlights, 0.0, 1.0)

    (img,) = _render(theater, pano, frame, setup)
    if not cv2.imwrite(str(out), img):
        raise UserError(f"{out}: cannot write the PNG")
    return img
