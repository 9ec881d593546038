"""The theater's pictures: one output per projector (a full-screen window on its display,
or an offscreen buffer headless), each a warped mesh card drawn with the projector shader
(engine/theater_shader.py) from one shared panorama texture.

`PanoramaSource` makes the panorama frame for the presented media time: a panoramic clip's
frame as it is, or the frames of a segment's screen clips side by side, all asked for
the same media time (lock-step on sim time; the session's own player plays the middle
clip). `TheaterView` presents a session frame on every projector like TraineeView does on
one screen (video, markers, low light, flashlights), and `strip` is the instructor's
whole-panorama picture. Geometry is sim/panorama.py's. Must not import tools.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np
from panda3d.core import (
    Camera,
    FrameBufferProperties,
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexData,
    GeomVertexFormat,
    GeomVertexWriter,
    GraphicsOutput,
    GraphicsPipe,
    NodePath,
    OrthographicLens,
    PTA_LVecBase4f,
    SamplerState,
    Shader,
    Texture,
    Vec4,
    WindowProperties,
)

from content.theater import Blend, Projector, Theater
from engine.lowlight import LowLight, ShaderError, grain_phase
from engine.theater_shader import MAX_MARKS, VERTEX, fragment
from engine.trainee_view import MARKER_COLOURS, MARKER_LIFETIME_S
from engine.video import VideoPlayer
from engine.yuv_card import colour_inputs, plane_texture
from engine.yuv_planes import YuvFrame
from sim.panorama import Geometry, Panorama, content_to_output

log = logging.getLogger(__name__)

MESH_STEPS = 32  # quads a side of a projector's card: the keystone's curvature is sampled
MARK_RADIUS = 0.025  # of the picture's height: TraineeView's marker size
BEAM_RADIUS = 0.18  # of the picture's height: TraineeView's flashlight cone


def warp_card(geo: Geometry, steps: int = MESH_STEPS) -> NodePath:
    """The card a projector's picture is drawn on: a grid of the picture's (s, t) placed
    where the warp puts it on the output (film -1..1, y up)."""
    fmt = GeomVertexFormat.getV3t2()
    vdata = GeomVertexData("warp", fmt, Geom.UH_static)
    vdata.setNumRows((steps + 1) ** 2)
    pos, uv = GeomVertexWriter(vdata, "vertex"), GeomVertexWriter(vdata, "texcoord")
    s, t = np.meshgrid(np.linspace(0, 1, steps + 1), np.linspace(0, 1, steps + 1))
    x, y = content_to_output(s, t, geo.warp)
    for j in range(steps + 1):
        for i in range(steps + 1):
            pos.addData3(2 * x[j, i] - 1, 0, 1 - 2 * y[j, i])
            uv.addData2(s[j, i], t[j, i])
    tris = GeomTriangles(Geom.UH_static)
    for j in range(steps):
        for i in range(steps):
            a = j * (steps + 1) + i
            b, c, d = a + 1, a + steps + 1, a + steps + 2
            tris.addVertices(a, c, b)
            tris.addVertices(b, c, d)
    geom = Geom(vdata)
    geom.addPrimitive(tris)
    node = GeomNode("warp-card")
    node.addGeom(geom)
    return NodePath(node)


class ProjectorPass:
    """One projector's picture on an output: its own 2D scene, camera and shaded card."""

    def __init__(
        self,
        output: GraphicsOutput,
        geo: Geometry,
        blend: Blend,
        pano: Panorama,
        texture: Texture,
        sort: int = 30,
    ):
        self.output, self.geo, self.blend = output, geo, blend
        self.root = NodePath("projector")
        self.root.setDepthTest(False)
        self.root.setDepthWrite(False)
        lens = OrthographicLens()
        lens.setFilmSize(2, 2)
        lens.setNearFar(-10, 10)
        dr = output.makeDisplayRegion()
        dr.setSort(sort)
        dr.setClearColorActive(True)
        dr.setClearColor((0, 0, 0, 1))
        dr.setCamera(self.root.attachNewNode(Camera("projector-camera", lens)))
        self.region = dr
        self.card = warp_card(geo)
        self.card.reparentTo(self.root)
        self._shaders: dict[str, Shader] = {}
        self.source: str | None = None
        self.card.setShaderInput("pano", texture)
        self.use("rgb")
        a0, a1 = geo.arc
        curved = 1.0 if geo.projection == "curved" else 0.0
        self.card.setShaderInput("arc", Vec4(a0, a1, curved, pano.degrees))
        self.card.setShaderInput("edge", Vec4(blend.left, blend.right, blend.gamma, blend.curve))
        self.lights = PTA_LVecBase4f.emptyArray(8)
        self.marks = PTA_LVecBase4f.emptyArray(MAX_MARKS)
        colours = PTA_LVecBase4f.emptyArray(len(MARKER_COLOURS))
        for i, c in enumerate(MARKER_COLOURS):
            colours[i] = Vec4(*c)
        self.card.setShaderInput("lights", self.lights)
        self.card.setShaderInput("marks", self.marks)
        self.card.setShaderInput("colours", colours)
        self.set_aspect(16 / 9)
        self.apply(LowLight(), 0.0, [])

    def use(self, source: str, planes: list[Texture] | None = None) -> None:
        """Read the panorama from the BGR texture ("rgb") or from the `planes` ("yuv")."""
        if planes is not None:
            for name, tex in zip(("y_tex", "u_tex", "v_tex"), planes, strict=True):
                self.card.setShaderInput(name, tex)
        if source == self.source:
            return
        if source not in self._shaders:
            self._shaders[source] = Shader.make(Shader.SL_GLSL, VERTEX, fragment(source))
        self.shader = self._shaders[source]
        self.card.setShader(self.shader)
        self.source = source

    def set_colour(self, k: Vec4, k2: Vec4) -> None:
        self.card.setShaderInput("yuv_k", k)
        self.card.setShaderInput("yuv_k2", k2)

    def set_aspect(self, pano_aspect: float) -> None:
        self.card.setShaderInput(
            "extra2", Vec4(self.blend.black_level, float(pano_aspect), MARK_RADIUS, 0)
        )

    def apply(self, night: LowLight, time_s: float, marks: list[tuple[float, float, int]]):
        for i in range(8):
            x, y, r, a = night.lights[i] if i < len(night.lights) else (0, 0, 0, 0)
            self.lights[i] = Vec4(float(x), float(y), float(r), float(a))
        marks = marks[-MAX_MARKS:]
        for i in range(MAX_MARKS):
            x, y, c = marks[i] if i < len(marks) else (0, 0, 0)
            self.marks[i] = Vec4(float(x), float(y), 0, float(c))
        mix = float(night.mix) if (night.mix or night.flash or night.lights) else 0.0
        self.card.setShaderInput(
            "night", Vec4(mix, float(night.ambient), float(night.desaturation), float(night.noise))
        )
        n = min(len(night.lights), 8)
        self.card.setShaderInput(
            "extra", Vec4(float(night.flash), float(time_s), float(n), float(len(marks)))
        )
        self.card.setShaderInput("grain", Vec4(grain_phase(time_s), 0, 0, 0))

    def check(self) -> None:
        if self.shader.getErrorFlag():
            raise ShaderError("the theater projector shader failed to compile (see the log)")


# -- outputs -------------------------------------------------------------------------------


def open_buffer(base, name: str, size: tuple[int, int], sort: int) -> GraphicsOutput:
    """An offscreen buffer sharing the main window's graphics context (and textures)."""
    fb = FrameBufferProperties()
    fb.setRgbColor(True)
    fb.setColorBits(24)
    out = base.graphicsEngine.makeOutput(
        base.pipe,
        name,
        sort,
        fb,
        WindowProperties.size(*size),
        GraphicsPipe.BF_refuse_window,
        base.win.getGsg(),
        base.win,
    )
    if out is None:
        raise RuntimeError(f"could not create the offscreen buffer for {name}")
    return out


def open_window(base, name: str, projector: Projector, display, sort: int) -> GraphicsOutput:
    """A borderless window filling `display` (or a plain window of the projector's
    offscreen size), with a graphics context of its own (engine/instructor.py says why
    Mesa's GLX cannot share one between windows); its mouse feeds shots."""
    from engine.displays import window_properties

    props = WindowProperties.size(*projector.offscreen)
    props.setTitle(f"Sightline - {name}")
    if display is not None:
        window_properties(props, display, cursor_hidden=True)
    out = base.openWindow(props=props, makeCamera=False, name=name)
    if out is None:
        raise RuntimeError(f"could not open the window for {name}")
    out.setSort(sort)
    return out


# -- the panorama frame --------------------------------------------------------------------


class PanoramaSource:
    """The panorama frame at the presented media time (see the module docstring)."""

    def __init__(self, pack, block: bool, planes: bool = False, hwaccel: str | None = None):
        """`planes`, `hwaccel`: the other screens' players decode as the session's own does
        (YUV planes, in hardware where it asks for it)."""
        self.pack = pack
        self.block = block
        self.planes = planes
        self.hwaccel = hwaccel
        self.players: dict[int, VideoPlayer] = {}  # screen index -> player, middle excluded
        self._segment: str | None = None
        self._frames: dict[int, tuple[float, object]] = {}  # BGR arrays or YuvFrames

    def frame(self, out) -> tuple[list | None, object]:
        """The screens' frames, left to right (TheaterView.show_pano places them), and a
        token that changes when any of them does."""
        seg = self.pack.scenario.segments[out.state.segment]
        if not seg.screen_clips:
            if out.video is None:
                return None, None
            return [out.video[1]], out.video_token
        mid = len(seg.screen_clips) // 2
        if seg.id != self._segment or out.entered:
            self._segment = seg.id
            self._play(seg, mid)
        parts, token = [], [out.video_token]
        for k in range(len(seg.screen_clips)):
            if k == mid:
                got = out.video
            else:
                got = self.players[k].frame_at(out.media_t_s)
                token.append((k, got[0] if got else None))
            if got is None:
                got = self._frames.get(k)
            if got is None:
                return None, None
            self._frames[k] = got
            parts.append(got[1])
        return parts, tuple(token)

    def _play(self, seg, mid: int) -> None:
        segments = self.pack.scenario.segments
        for k in range(len(seg.screen_clips)):
            if k == mid:
                continue
            player = self.players.get(k)
            if player is None:
                player = self.players[k] = VideoPlayer(
                    self.pack.clip_path, block=self.block, planes=self.planes, hwaccel=self.hwaccel
                )
            keep = {
                (segments[s].screen_clips[k], segments[s].in_s)
                for s in seg.successors()
                if len(segments[s].screen_clips) > k
            }
            player.play(seg.screen_clips[k], seg.in_s, keep)
        self._frames.clear()

    def warnings(self) -> list[str]:
        return [w for p in self.players.values() for w in p.warnings]

    def close(self) -> None:
        for p in self.players.values():
            p.close()


# -- the view ------------------------------------------------------------------------------


class TheaterView:
    """Every projector's picture for a session frame; the same interface as TraineeView
    where the app calls it (present, check_shader, root)."""

    def __init__(self, passes: list[ProjectorPass], source: PanoramaSource | None, markers=True):
        self.passes = passes
        self.source = source
        self.root = NodePath("theater-view")
        self.texture = passes[0].card.getShaderInput("pano").getTexture() if passes else None
        self.show_markers = markers
        self.night = LowLight()
        self.strip: ProjectorPass | None = None  # the instructor's picture: always marked
        self._markers: list[tuple[float, float, float, int]] = []  # born, x, y, colour
        self._weapon_colours: dict[str, int] = {}
        self._shown: object = None
        self._size: tuple[int, int] | None = None
        self._last_s = 0.0
        self.uploads = 0
        self.planes = [plane_texture(f"panorama-{c}") for c in "yuv"]  # YUV frames
        self._plane_shapes: list[tuple[int, int, int]] = []
        self._colour: tuple[str, bool] | None = None  # the planes' matrix and range
        self._colour_k: tuple[Vec4, Vec4] | None = None  # and their shader inputs
        self._warned_mixed = False
        self._warned_height = False

    @staticmethod
    def make_texture() -> Texture:
        tex = Texture("panorama")
        tex.setMinfilter(SamplerState.FT_linear)
        tex.setMagfilter(SamplerState.FT_linear)
        tex.setWrapU(SamplerState.WM_clamp)
        tex.setWrapV(SamplerState.WM_clamp)
        tex.setup2dTexture(2, 2, Texture.T_unsigned_byte, Texture.F_rgb8)
        tex.setRamImage(np.zeros((2, 2, 3), np.uint8))
        return tex

    def show_pano(self, frame, token: object) -> None:
        """Upload a panorama frame, or the screens' frames (a list, left to right, one
        height) side by side, unless `token` says it is up already. BGR frames go into the
        BGR texture, each copied straight into its place (top row first: the shader samples
        t = 0 at the top, so no flip is needed); YUV frames (YuvFrame) of one layout,
        size and colour go into the plane textures the same way, converted in the
        projector shader. Other YUV frames are converted on the CPU (logged once)."""
        if token is not None and token == self._shown:
            return
        parts = [frame] if isinstance(frame, np.ndarray | YuvFrame) else list(frame)
        if any(isinstance(p, YuvFrame) for p in parts):
            if _planes_fit(parts):
                self._show_planes(parts)
                self._shown = token
                self.uploads += 1
                return
            if not self._warned_mixed:
                self._warned_mixed = True
                log.warning(
                    "theater: the screens' frames differ in size, layout or colour matrix;"
                    " converting them on the CPU"
                )
            parts = [p.to_bgr() if isinstance(p, YuvFrame) else p for p in parts]
        h = parts[0].shape[0]
        if any(p.shape[0] != h for p in parts):  # a clip that changed size mid-stream
            if not self._warned_height:
                self._warned_height = True
                sizes = ", ".join(f"{p.shape[1]}x{p.shape[0]}" for p in parts)
                log.warning(
                    "theater: the screens' frames differ in height (%s); scaling them to "
                    "the first one's",
                    sizes,
                )
            parts = [_to_height(p, h) for p in parts]
        w = sum(p.shape[1] for p in parts)
        self._use("rgb")
        if self._size != (w, h):
            self.texture.setup2dTexture(w, h, Texture.T_unsigned_byte, Texture.F_rgb8)
            self._size = (w, h)
            self._set_aspect(w / h)
        dst = np.frombuffer(memoryview(self.texture.modifyRamImage()), np.uint8).reshape(h, w, 3)
        x = 0
        for part in parts:
            dst[:, x : x + part.shape[1]] = part
            x += part.shape[1]
        self._shown = token
        self.uploads += 1

    def _show_planes(self, parts: list[YuvFrame]) -> None:
        """Each screen's planes side by side; NV12 (U and V interleaved, as hardware decoders
        give them) into a two-channel chroma texture, its rows copied as they are."""
        first, n = parts[0], len(parts)
        layout = first.layout
        chroma = 2 if layout == "nv12" else 1  # bytes a chroma texel
        # (texels wide, rows, bytes a texel) of each texture
        shapes = [(first.width * n, first.height, 1)] + [
            (first.widths[k] * n // chroma, first.planes[k].shape[0], chroma)
            for k in range(1, len(first.planes))
        ]
        if shapes != self._plane_shapes:
            for tex, (w, h, size) in zip(self.planes, shapes, strict=False):
                fmt = Texture.F_rg if size == 2 else Texture.F_red
                tex.setup2dTexture(w, h, Texture.T_unsigned_byte, fmt)
            self._plane_shapes = shapes
            self._set_aspect(shapes[0][0] / shapes[0][1])
        colour = (first.matrix, first.full_range)
        if colour != self._colour:
            self._colour, self._colour_k = colour, colour_inputs(*colour)
            for p in self._all():
                p.set_colour(*self._colour_k)
        self._use(layout)
        for k, (tex, (w, h, size)) in enumerate(zip(self.planes, shapes, strict=False)):
            row = w * size  # bytes
            dst = np.frombuffer(memoryview(tex.modifyRamImage()), np.uint8).reshape(h, row)
            step = row // n
            for i, part in enumerate(parts):
                dst[:, i * step : (i + 1) * step] = part.planes[k][:h, :step]

    def _use(self, source: str) -> None:
        """Every pass (the strip too, whenever it was added) reads `source`."""
        for p in self._all():
            if p.source != source:
                p.use(source, self.planes if source != "rgb" else None)
                if source != "rgb":
                    p.set_colour(*self._colour_k)

    def _set_aspect(self, aspect: float) -> None:
        for p in self._all():
            p.set_aspect(aspect)

    def _all(self) -> list[ProjectorPass]:
        return self.passes + ([self.strip] if self.strip is not None else [])

    def add_marker(self, x: float, y: float, weapon: str, now_s: float) -> None:
        self.night.muzzle_flash()
        colour = self._weapon_colours.setdefault(weapon, len(self._weapon_colours) % 6)
        self._markers.append((now_s, x, y, colour))

    def present(self, out, beams: list[tuple[float, float]]) -> None:
        st = out.state
        if self.source is not None:
            parts, token = self.source.frame(out)
            if parts is not None:
                self.show_pano(parts, token)
        for m in out.new_markers:
            self.add_marker(m.x_norm, m.y_norm, m.weapon, st.t_s)
        self.show_markers = st.markers
        beams = beams if st.flashlight else []
        self.update(st.low_light, beams, max(0.0, st.t_s - self._last_s), st.t_s)
        self._last_s = st.t_s

    def update(self, low_light: bool, beams, dt_s: float, time_s: float) -> None:
        """Markers, low light and flashlight `beams` (panorama x, y) on every projector."""
        self._markers = [m for m in self._markers if time_s - m[0] < MARKER_LIFETIME_S]
        marks = [(x, y, c) for _, x, y, c in self._markers]
        self.night.target = 1.0 if low_light else 0.0
        self.night.lights = [(x, y, BEAM_RADIUS, 1.0) for x, y in beams]
        self.night.advance(dt_s)
        for p in self.passes:
            p.apply(self.night, time_s, marks if self.show_markers else [])
        if self.strip is not None:
            self.strip.apply(self.night, time_s, marks)

    def check_shader(self) -> None:
        for p in self._all():
            p.check()


def _to_height(frame: np.ndarray, h: int) -> np.ndarray:
    if frame.shape[0] == h:
        return frame
    w = max(1, round(frame.shape[1] * h / frame.shape[0]))
    return cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)


def _planes_fit(parts: list) -> bool:
    """Whether the frames can go into the plane textures side by side: all YUV frames of one
    layout, size and colour (a segment's screen clips share one size)."""

    def key(f):
        return (f.layout, f.matrix, f.full_range, f.width, f.height, tuple(f.widths))

    first = parts[0]
    return (
        isinstance(first, YuvFrame)
        and first.layout in ("yuv", "nv12")
        and all(isinstance(p, YuvFrame) and key(p) == key(first) for p in parts)
    )


def make_passes(
    outputs: list[GraphicsOutput], theater: Theater, pano: Panorama, texture: Texture
) -> list[ProjectorPass]:
    return [
        ProjectorPass(out, p.geometry, p.blend, pano, texture)
        for out, p in zip(outputs, theater.projectors, strict=True)
    ]
