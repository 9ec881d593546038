"""The trainee view: the filmed video on a full-screen card, letterboxed to keep its
aspect, with optional shot markers. Everything here is what the projector shows; nothing
for the instructor belongs in this scene graph.

Frames arrive as the decoder's YUV planes (engine/yuv_planes.py YuvFrame: uploaded as they are
and converted in the card's shader, engine/yuv_card.py) or as BGR numpy arrays with the
top row first (Panda3D stores F_rgb8 RAM images in B, G, R order, so they upload without
conversion). Either way the card's texture transform flips V instead of copying the frame
upside down.
"""

from __future__ import annotations

import numpy as np
from panda3d.core import (
    Camera,
    CardMaker,
    NodePath,
    OrthographicLens,
    SamplerState,
    Texture,
    TextureStage,
    TransparencyAttrib,
)

from engine.lowlight import RGB_PREFIX, LowLight, LowLightPass, grain_phase
from engine.panda_setup import is_software_renderer
from engine.yuv_planes import YuvFrame
from sim.hit_zones import letterbox

MARKER_LIFETIME_S = 2.0
#: Marker colours per weapon, in order of first appearance (R, G, B, A).
MARKER_COLOURS = (
    (1.0, 0.2, 0.2, 1),
    (0.2, 0.6, 1.0, 1),
    (1.0, 0.85, 0.1, 1),
    (0.3, 1.0, 0.4, 1),
    (1.0, 0.4, 1.0, 1),
    (1.0, 1.0, 1.0, 1),
)


def _ring_texture(size: int = 64) -> Texture:
    """A ring and centre dot (white, tinted per weapon by the node colour) with a black
    outline, so a marker reads on bright and dark footage alike."""
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - (size - 1) / 2, yy - (size - 1) / 2) / (size / 2)
    white = np.clip(np.maximum(1.0 - np.abs(r - 0.62) / 0.16, 1.0 - r / 0.2), 0, 1)
    outline = np.clip(np.maximum(1.0 - np.abs(r - 0.62) / 0.3, 1.0 - r / 0.32), 0, 1)
    img = np.zeros((size, size, 4), np.uint8)
    img[..., :3] = (white * 255).astype(np.uint8)[..., None]
    img[..., 3] = (np.clip(outline * 1.6, 0, 1) * 255).astype(np.uint8)
    tex = Texture("shot-marker")
    tex.setup2dTexture(size, size, Texture.T_unsigned_byte, Texture.F_rgba8)
    tex.setRamImage(np.ascontiguousarray(img))
    return tex


class TraineeView:
    def __init__(
        self,
        render2d: NodePath,
        screen_aspect: float,
        markers: bool = True,
        pixels: tuple[int, int, int, int] | None = None,
        output=None,
        region: tuple[float, float, float, float] = (0, 1, 0, 1),
    ):
        """`pixels` (width, height, x0, y0 of the view in its window) turns on the low-light
        shader. With `output`, the video gets its own display region drawn before the 3D
        scene (sort -5), so 3D overlays compose over it with depth; without, it sits in
        render2d (tests, benchmarks)."""
        self.root = render2d.attachNewNode("trainee-view")
        video_parent = self.root
        if output is not None:
            video_parent = NodePath("trainee-video")
            video_parent.setDepthTest(False)
            video_parent.setDepthWrite(False)
            lens = OrthographicLens()
            lens.setFilmSize(2, 2)
            lens.setNearFar(-10, 10)
            dr = output.makeDisplayRegion(*region)
            dr.setSort(-5)
            dr.setCamera(video_parent.attachNewNode(Camera("trainee-video-camera", lens)))
            dr.setClearColor((0, 0, 0, 1))
        self._output, self._region = output, (dr if output is not None else None)
        # On a software renderer every clear is a fill of the whole buffer (with ShowBase's
        # defaults, a colour and two depth clears were about 11 % of a 720p video frame's
        # CPU time under perf). The card draws every pixel of its region unless the picture
        # is letterboxed, so the region clears its own colour only then (`_layout`), and a
        # window that is all trainee view needs no colour clear of its own. render2d never
        # tests depth (ShowBase turns it off, and nothing here turns it on), so its region's
        # depth clear goes; the 3D scene's is engine/scene3d.py's.
        self._owns_window_clear = output is not None and tuple(region) == (0, 1, 0, 1)
        if self._owns_window_clear:
            output.setClearColorActive(False)
        if output is not None:
            for i in range(output.getNumDisplayRegions()):
                cam = output.getDisplayRegion(i).getCamera()
                if not cam.isEmpty() and cam.getTop() == render2d.getTop():
                    output.getDisplayRegion(i).setClearDepthActive(False)
        self.screen_aspect = screen_aspect
        # the view's size in pixels (to know when the picture is drawn 1:1) and whether the
        # renderer is a software one (engine/yuv_card.py picks its texture filters by both)
        self._view_px: tuple[float, float] | None = None
        self._software = False
        self._drawn_px: tuple[float, float] | None = None
        if pixels:
            self._view_px = (pixels[0], pixels[1])
        if output is not None:
            self._view_px = (
                output.getXSize() * (region[1] - region[0]),
                output.getYSize() * (region[3] - region[2]),
            )
            self._software = is_software_renderer(output)
        self.show_markers = markers
        self._tex = Texture("video")
        self._tex.setMinfilter(SamplerState.FT_linear)
        self._tex.setMagfilter(SamplerState.FT_linear)
        self._tex.setWrapU(SamplerState.WM_clamp)
        self._tex.setWrapV(SamplerState.WM_clamp)
        self._size: tuple[int, int] | None = None
        self._aspect: float | None = None
        # The card exists from the start (black until the first frame arrives): Panda3D
        # skips the first node ever attached under render2d on its first frame, so it must
        # not be created on the frame that first shows video.
        # The card's state (textures, shaders, scale) is on this node; under it, two
        # triangles in daylight and, at night, the low-light pass's rectangles.
        self._card = video_parent.attachNewNode("video-card")
        cm = CardMaker("video-quad")
        cm.setFrame(-1, 1, -1, 1)
        quad = self._card.attachNewNode(cm.generate())
        self._tex.setup2dTexture(2, 2, Texture.T_unsigned_byte, Texture.F_rgb8)
        self._tex.setRamImage(np.zeros((2, 2, 3), np.uint8))
        self._card.setTexture(self._tex)
        self._card.setTexScale(TextureStage.getDefault(), 1, -1)  # top row first
        self._card.setTexOffset(TextureStage.getDefault(), 0, 1)
        self._card.setBin("background", 0)
        self._card.setDepthTest(False)
        self._card.setDepthWrite(False)
        self.night = LowLight()
        self.lowlight = LowLightPass(self._card, quad, *pixels) if pixels else None
        self._yuv = None  # engine.yuv_card.YuvCard, made for the first YuvFrame
        self._bound: str | None = None  # the plane layout whose shaders are on the card
        self._shown: object = None  # token of the frame on the card
        self._ring = _ring_texture()
        self._markers: list[tuple[float, NodePath]] = []
        self._weapon_colours: dict[str, tuple] = {}
        self.uploads = 0
        self._last_present_s = 0.0

    def hide(self) -> None:
        """Draw nothing (a theater run draws the picture through engine/theater.py)."""
        self.root.hide()
        self._card.hide()
        if self._owns_window_clear:
            self._output.setClearColorActive(True)

    def present(self, out, beams: list[tuple[float, float]]) -> None:
        """Show one frame of the session (engine.session.FrameOut): the video for its
        media time, this frame's new shot markers, the marker setting, low light and the
        flashlight `beams` (normalized screen positions)."""
        st = out.state
        if out.video is not None:
            self.show_frame(out.video[1], out.segment_aspect, out.video_token)
        for m in out.new_markers:
            self.add_marker(m.x_norm, m.y_norm, m.weapon, st.t_s)
        self.expire_markers(st.t_s)
        self.set_markers_visible(st.markers)
        beams = beams if st.flashlight else []
        self.update_night(st.low_light, beams, max(0.0, st.t_s - self._last_present_s), st.t_s)
        self._last_present_s = st.t_s

    def _layout(self, media_aspect: float) -> None:
        hw, hh = letterbox(media_aspect, self.screen_aspect)
        self._card.setScale(hw, 1, hh)
        if self._region is not None:  # the bars are the region's own clear colour
            w, h = self._view_px
            # a bar under half a pixel each side covers no pixel's centre
            self._region.setClearColorActive((1 - hw) * w >= 1 or (1 - hh) * h >= 1)
        self._drawn_px = (hw * self._view_px[0], hh * self._view_px[1]) if self._view_px else None

    def show_frame(self, frame: np.ndarray | YuvFrame, media_aspect: float, token: object) -> None:
        """Upload a frame (YuvFrame planes, or a BGR array) unless `token` (clip and
        timestamp) says it is already up."""
        if token == self._shown:
            return
        if isinstance(frame, YuvFrame):
            self._show_planes(frame, media_aspect)
            self._shown = token
            self.uploads += 1
            return
        if self._yuv is not None:  # back to BGR frames: the plain texture, no conversion
            self._yuv = self._bound = None
            if self.lowlight is not None:
                self.lowlight.use_source(RGB_PREFIX, None)
            else:
                self._card.clearShader()
        h, w = frame.shape[:2]
        if self._size != (w, h):
            self._tex.setup2dTexture(w, h, Texture.T_unsigned_byte, Texture.F_rgb8)
            self._size = (w, h)
        if media_aspect != self._aspect:
            self._layout(media_aspect)
            self._aspect = media_aspect
        # One memcpy into the texture's own buffer: setRamImage(frame) copies through the
        # buffer protocol at a fraction of the speed (1.7 vs 0.4 ms a 720p frame here).
        dst = np.frombuffer(memoryview(self._tex.modifyRamImage()), np.uint8)
        dst.reshape(frame.shape)[...] = frame
        self._shown = token
        self.uploads += 1

    def _show_planes(self, frame: YuvFrame, media_aspect: float) -> None:
        from engine.yuv_card import YuvCard

        if self._yuv is None:
            self._yuv = YuvCard(self._card, self._software)
            self._yuv_size = None
        if media_aspect != self._aspect:
            self._layout(media_aspect)
            self._aspect = media_aspect
        size = (frame.width, frame.height, self._aspect)
        if size != self._yuv_size:  # 1:1 when the picture fills exactly its own pixels
            self._yuv_size = size
            drawn = self._drawn_px
            self._yuv.set_filters(
                drawn is not None
                and abs(drawn[0] - frame.width) < 0.5
                and abs(drawn[1] - frame.height) < 0.5
            )
        if self._yuv.upload(frame) or self._yuv.layout != self._bound:
            self._bind_planes()
        if self.lowlight is not None:  # the night converts the codes itself
            self.lowlight.set_colour(frame.matrix, frame.full_range)

    def _bind_planes(self) -> None:
        """The shaders for the plane layout now on the card."""
        from engine.yuv_card import VERTEX, fragment

        self._bound = self._yuv.layout
        plain = self._yuv.shader()
        if self.lowlight is not None:
            self.lowlight.use_source(fragment("", self._yuv.layout), plain, VERTEX)
        else:
            self._card.setShader(plain)

    # -- markers ------------------------------------------------------------------------

    def add_marker(self, x_norm: float, y_norm: float, weapon: str, now_s: float) -> None:
        self.night.muzzle_flash()  # a shot in the dark lights the scene for a moment
        if not self.show_markers:
            return
        colour = self._weapon_colours.setdefault(
            weapon, MARKER_COLOURS[len(self._weapon_colours) % len(MARKER_COLOURS)]
        )
        cm = CardMaker("marker")
        r = 0.05  # of the screen's half-height: 18 px radius at 720p
        cm.setFrame(-r / self.screen_aspect, r / self.screen_aspect, -r, r)
        node = self.root.attachNewNode(cm.generate())
        node.setTexture(self._ring)
        node.setTransparency(TransparencyAttrib.M_alpha)
        node.setColor(*colour)
        node.setPos(2 * x_norm - 1, 0, 1 - 2 * y_norm)
        node.setBin("fixed", 10)
        self._markers.append((now_s, node))

    def set_markers_visible(self, on: bool) -> None:
        """The instructor's H key: hide or show the trainee's hit markers."""
        if on != self.show_markers:
            self.show_markers = on
            for _, node in self._markers:
                node.show() if on else node.hide()

    def update_night(
        self,
        low_light: bool,
        beams: list[tuple[float, float]],
        dt_s: float,
        time_s: float,
        radius: float = 0.18,
    ) -> None:
        """Low light fades in and out; `beams` are the flashlights to draw (normalized
        screen positions). Without the shader (no pixel size given) nothing changes."""
        if self.lowlight is None:
            return
        self.night.target = 1.0 if low_light else 0.0
        self.night.lights = [(x, y, radius, 1.0) for x, y in beams]
        self.night.advance(dt_s)
        self.lowlight.apply(self.night, time_s)
        if self._yuv is not None:  # the grain in the chroma texels, where it goes there
            if self._yuv.set_grain(self.lowlight.active):
                self._bind_planes()
            self._yuv.refresh_grain(grain_phase(time_s))

    def check_shader(self) -> None:
        if self.lowlight is not None:
            self.lowlight.check()

    def expire_markers(self, now_s: float) -> None:
        """Markers older than MARKER_LIFETIME_S go, and so do markers from later than
        now_s: the session's time went back (a replay seeking backwards, or another session
        in the same view), and those shots have not happened yet."""
        keep = []
        for born, node in self._markers:
            if now_s - born >= MARKER_LIFETIME_S or born > now_s:
                node.removeNode()
            else:
                keep.append((born, node))
        self._markers = keep
