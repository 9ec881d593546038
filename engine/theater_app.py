"""A run of a theater pack: on a theater (`--theater FILE`: one output per projector), or
on one screen (the centre window or the letterboxed strip, as the pack says). The app is
SightlineApp with its trainee view swapped for engine/theater.py's TheaterView, the
mouse and each projector's camera tracker mapped into panorama coordinates, the
instructor's live picture replaced by the whole panorama strip (always with markers),
and `--video-out-dir` writing one video per screen.

`open_app` picks the app for a pack; plain packs get SightlineApp untouched.
"""

from __future__ import annotations

import logging
from pathlib import Path

from content.pack import Pack
from content.theater import Blend, Projector, Theater, load_theater
from drivers.input_queue import InputQueue, host_now_s
from engine import app as engine_app
from engine.app import SightlineApp
from engine.config import RunConfig
from engine.panda_setup import DisplayError
from sim.errors import UserError
from sim.events import FlashlightMove, Shot
from sim.panorama import Geometry, Panorama, output_to_panorama, single_screen_geometry

log = logging.getLogger(__name__)

STRIP_WIDTH = 1280  # the instructor's panorama strip, pixels


class TheaterRunError(UserError, RuntimeError):
    pass


def open_app(pack: Pack, cfg: RunConfig, theater: Path | None, video_dir: Path | None):
    """SightlineApp for a plain pack; TheaterApp for a theater pack or a --theater run."""
    pano = pack.scenario.panorama
    if theater is None and pano is None:
        if video_dir is not None:
            raise TheaterRunError("--video-out-dir writes one video per screen: add --theater FILE")
        return engine_app.SightlineApp(pack, cfg)  # looked up now: tests stand in for it
    if theater is not None and pano is None:
        raise TheaterRunError(
            f"{pack.root}: --theater needs a pack authored for a panorama (a [panorama] "
            "table, docs/theater.md); run this pack without --theater"
        )
    return TheaterApp(pack, cfg, load_theater(theater) if theater else None, video_dir)


def _pano_aspect(pack: Pack) -> float:
    return pack.scenario.segments[pack.scenario.start].media_aspect


class ScreenInputs:
    """A device's view of the input queue: its shots and flashlight positions are on its
    projector's picture, and go on in panorama coordinates (off the panorama: dropped)."""

    def __init__(self, inputs: InputQueue, geo: Geometry, pano: Panorama):
        self._inputs, self._geo, self._pano = inputs, geo, pano

    def _map(self, event):
        if isinstance(event, Shot | FlashlightMove):
            at = output_to_panorama(event.x_norm, event.y_norm, self._geo, self._pano)
            if at is None:
                return None
            fields = {f: getattr(event, f) for f in event.__slots__}
            fields["x_norm"], fields["y_norm"] = at
            return type(event)(**fields)
        return event

    def put(self, event, host_t_s: float) -> None:
        mapped = self._map(event)
        if mapped is not None:
            self._inputs.put(mapped, host_t_s)

    def put_session(self, event) -> None:
        mapped = self._map(event)
        if mapped is not None:
            self._inputs.put_session(mapped)

    def __getattr__(self, name):
        return getattr(self._inputs, name)


class TheaterApp(SightlineApp):
    #: On a GPU the screens' YUV planes go side by side into the plane textures and are
    #: converted in the projector shader: no colour conversion on the CPU, half the bytes
    #: copied and uploaded. On a software renderer each projector pixel's three plane reads
    #: cost more than the conversion saves (llvmpipe, three 1080p screens, a 6 s headless
    #: run: 73.7 s against 69.6 s with BGR), so there the screens stay BGR.
    #: SIGHTLINE_VIDEO_PLANES=0 (VIDEO_PLANES) keeps BGR everywhere.
    PLANES_ON_SOFTWARE = False

    def video_planes(self) -> bool:
        from engine.panda_setup import is_software_renderer

        software = is_software_renderer(self.base.win)
        return self.VIDEO_PLANES and (self.PLANES_ON_SOFTWARE or not software)

    def __init__(self, pack: Pack, cfg: RunConfig, theater: Theater | None, video_dir):
        from engine.displays import list_displays, pick

        self.pano = pack.scenario.panorama
        self._displays = []
        if cfg.instructor == "split":
            raise DisplayError("a theater run has no split window: use --instructor window")
        if theater is not None:
            if cfg.video_out is not None:
                raise TheaterRunError("a theater writes one video per screen: use --video-out-dir")
            first = theater.projectors[0]
            cfg.width, cfg.height = first.offscreen
            if not cfg.offscreen:
                self._displays = (
                    list_displays()
                    if any(p.display is not None for p in theater.projectors)
                    else []
                )
                if first.display is not None:
                    cfg.trainee_display = pick(self._displays, first.display, f"{first.name}")
                    cfg.width, cfg.height = cfg.trainee_display.width, cfg.trainee_display.height
        elif video_dir is not None:
            raise TheaterRunError("--video-out-dir needs --theater FILE (one screen: --video-out)")
        super().__init__(pack, cfg)
        from engine.capture import FrameCapture
        from engine.theater import (
            PanoramaSource,
            ProjectorPass,
            TheaterView,
            open_buffer,
            open_window,
        )

        if theater is None:  # one screen: a theater of one virtual projector
            geo = single_screen_geometry(self.pano, _pano_aspect(pack), self.screen_aspect)
            theater = Theater(
                Path("<one screen>"),
                self.pano.degrees,
                (Projector("screen-1", geo, Blend(), None, (cfg.width, cfg.height)),),
            )
        self.theater = theater
        base = self.base
        self.view.hide()  # the flat trainee view: the theater draws instead
        outputs = [base.win]
        watchers = [(base.mouseWatcherNode, theater.projectors[0].geometry)]
        for i, p in enumerate(theater.projectors[1:]):
            if cfg.offscreen:
                outputs.append(open_buffer(base, p.name, p.offscreen, 1 + i))
                continue
            d = pick(self._displays, p.display, p.name) if p.display is not None else None
            out = open_window(base, p.name, p, d, 1 + i)
            outputs.append(out)
            if cfg.interactive:
                watchers.append((base.setupMouse(out, True).getParent().node(), p.geometry))
        self._watchers = watchers
        texture = TheaterView.make_texture()
        passes = [
            ProjectorPass(out, p.geometry, p.blend, self.pano, texture)
            for out, p in zip(outputs, theater.projectors, strict=True)
        ]
        player = self.session.player
        source = PanoramaSource(pack, cfg.offscreen, player.planes, player.hwaccel)
        self.view = TheaterView(passes, source, cfg.markers)
        self._strip(texture, pack)
        self.screen_captures = []
        if video_dir is not None:
            video_dir.mkdir(parents=True, exist_ok=True)
            self.screen_captures = [
                FrameCapture(out, video_dir / f"screen-{k}.mp4", cfg.fps)
                for k, out in enumerate(outputs, 1)
            ]
        self._sampled = [0] * len(self.screen_captures)  # frames written, window runs
        self._open_trackers()
        base.graphicsEngine.renderFrame()  # the new outputs drawn once before frame 0

    def _strip(self, texture, pack: Pack) -> None:
        """The instructor's live picture becomes the whole panorama, letterboxed."""
        from panda3d.core import GraphicsOutput, Texture

        from engine.theater import ProjectorPass, open_buffer

        iv = self.instructor_view
        if iv is None or iv.pic is None:
            return
        left, right, bottom, top = iv.pic
        aspect = (right - left) / (top - bottom)
        size = (STRIP_WIDTH, int(round(STRIP_WIDTH / aspect / 2)) * 2)
        strip_pano = Panorama(self.pano.degrees, "strip")
        geo = single_screen_geometry(strip_pano, _pano_aspect(pack), aspect)
        out = open_buffer(self.base, "panorama-strip", size, -1)
        tex = Texture("panorama-strip")
        out.addRenderTexture(tex, GraphicsOutput.RTM_copy_ram)
        self.view.strip = ProjectorPass(out, geo, Blend(), self.pano, texture)
        for card in iv.root.findAllMatches("**/+GeomNode"):
            t = card.getTexture()
            if t is not None and t.getName() == "trainee-live":
                card.setTexture(tex, 1)

    def _open_trackers(self) -> None:
        """Each projector's camera tracker (`tracker` in the theater file), its shots on
        that screen mapped into the panorama."""
        from drivers.camera import Attributor
        from drivers.devices import DeviceSpecError, open_device
        from engine.session import CommandSink

        attributor = Attributor()
        for i, p in enumerate(self.theater.projectors):
            if p.tracker is None:
                continue
            inputs = ScreenInputs(self.session.inputs, p.geometry, self.pano)
            try:
                device = open_device(p.tracker, inputs, self._device_fault, self.clock, attributor)
            except DeviceSpecError as exc:  # it named --device, which was not given
                why = str(exc).split(": ", 1)[-1]
                raise UserError(f"{self.theater.path}: projectors[{i}].tracker: {why}") from None
            self.devices.append(device)
            self.session.subscribe(CommandSink(device.on_command), presents=True)

    # -- input: the mouse over any projector, in panorama coordinates --------------------

    def _mouse(self) -> tuple[float, float] | None:
        for watcher, geo in self._watchers:
            if watcher is not None and watcher.hasMouse():
                m = watcher.getMouse()
                return output_to_panorama((m.getX() + 1) / 2, (1 - m.getY()) / 2, geo, self.pano)
        return None

    def _click(self) -> None:
        at = self._mouse()
        if at is None:
            return  # off the picture
        self._last_click_s = host_now_s()
        self._put(Shot(0.0, at[0], at[1], "w1"))

    # -- per frame, after drawing ---------------------------------------------------------

    def _capture_task(self, task):
        """Each screen's picture into its video: every frame 1/fps apart headless; a
        window run sampled at --fps on session time, as engine/outputs.py does."""
        if self.last is not None:
            session_s = self.session.loop.session_s
            for i, cap in enumerate(self.screen_captures):
                img = cap.grab()
                if img is None:
                    continue
                if self.cfg.offscreen:
                    cap.submit(img, self.frames / self.cfg.fps)
                    continue
                while self._sampled[i] / self.cfg.fps <= session_s + 1e-9:
                    cap.submit(img, self._sampled[i] / self.cfg.fps)
                    self._sampled[i] += 1
        return super()._capture_task(task)

    def run(self):
        try:
            result = super().run()
        finally:
            self.view.source.close()
            for cap in self.screen_captures:
                cap.close()
        result.warnings += self.view.source.warnings()
        result.screen_videos = [(c.path, c.frames) for c in self.screen_captures]
        return result
