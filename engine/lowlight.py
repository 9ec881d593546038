"""Low light and flashlights: a GLSL pass over the video card.

Dark-adapted vision: the picture drops to an ambient level, loses most of its colour
(rod vision) with a slight blue cast, and gains a little noise. Each flashlight (up to
MAX_LIGHTS: one per trainee, tracked IR beams or the mouse) lights a soft-edged cone with
falloff in which the picture keeps its colours; a shot fired in the dark lights everything
briefly (muzzle flash). `mix` fades between day (0) and night (1) over a moment.

A shader that fails to compile is caught after the first frame (Panda3D only logs it and
draws white): `check()` raises ShaderError and the view falls back to plain video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from panda3d.core import (
    Geom,
    GeomEnums,
    GeomNode,
    GeomTriangles,
    GeomVertexData,
    GeomVertexFormat,
    GeomVertexWriter,
    NodePath,
    PTA_LVecBase4f,
    Shader,
    Vec4,
)

from sim.errors import UserError

MAX_LIGHTS = 8
FADE_S = 0.8  # day <-> night transition
FLASH_S = 0.12  # muzzle flash decay

VERTEX = """
#version 130
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_TextureMatrix;
in vec4 p3d_Vertex;
in vec2 p3d_MultiTexCoord0;
noperspective out vec2 uv;
void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    uv = (p3d_TextureMatrix * vec4(p3d_MultiTexCoord0, 0.0, 1.0)).xy;
}
"""

#: The picture as RGB; the YUV card (engine/yuv_card.py) supplies its own video_rgb.
RGB_SAMPLER = """
uniform sampler2D p3d_Texture0;
vec3 video_rgb(vec2 uv) {
    return texture(p3d_Texture0, uv).rgb;
}
"""

#: GLSL shared by the trainee view's night pass (per vertex of its grid) and a theater's
#: projector pass (per pixel, in panorama coordinates, engine/theater_shader.py); both
#: declare `uniform vec4 lights[8]` and `uniform vec4 night` (see LIGHTS_VERTEX_HEAD).
#: cone_light: the flashlights' summed light at p (normalized, origin top-left; the
#: lights' radius in heights), plus the muzzle flash. night_weights: the blend below as
#: weights, colour = day * w.x + lum * w.yzw + noise * grain_weight. grain_noise: the
#: grain of a pixel (or a panorama cell), -0.5..0.5, a fresh draw each frame: a hash of
#: (p, this frame's `grain_phase`) without a sine (a sine costs more than the whole
#: picture on a software renderer). Interleaved gradient noise, used before, is a little
#: cheaper (0.35 ms of a 720p frame on llvmpipe) but shows as a regular weave in the dark.
LIGHT_GLSL = """
float cone_light(vec2 p, float aspect, int n, float flash) {
    float light = 0.0;
    for (int i = 0; i < 8; ++i) {
        if (i >= n) break;
        vec2 d = (p - lights[i].xy) * vec2(aspect, 1.0);
        float r = lights[i].z;
        float cone = 1.0 - smoothstep(0.55 * r, r, length(d));   // soft edge
        float falloff = 1.0 - 0.35 * clamp(length(d) / r, 0.0, 1.0);
        light += lights[i].w * cone * falloff;
    }
    return clamp(light + flash, 0.0, 1.2);
}

vec4 night_weights(float light, out float grain_weight) {
    float lit = clamp(light, 0.0, 1.0);
    float boost = max(1.0, light);
    float m = night.x;
    float k_dark = m * boost * (1.0 - lit);
    grain_weight = k_dark * night.w * 0.12;
    return vec4(1.0 - m + m * boost * lit + k_dark * night.y * (1.0 - night.z),
                k_dark * night.y * night.z * vec3(0.82, 0.92, 1.12));
}
"""

GRAIN_GLSL = """
float grain_noise(vec2 p, float frame) {
    vec3 q = fract(vec3(p, frame) * 0.1031);
    q += dot(q, q.zyx + 31.32);
    return fract((q.x + q.y) * q.z) - 0.5;
}
"""

#: Added to a vertex shader for the night pass: the flashlights' light at each vertex of
#: the card's grid, interpolated across each cell (20 px at 720p: a cone's soft edge,
#: 0.45 of its radius, spans about three), and the night's blend folded into per-vertex
#: weights (below). Per pixel, on a software renderer, the same sums cost 3x the whole
#: frame.
#:
#: The blend, per pixel: with L = clamp(light, 0, 1), B = max(1, light), m = night mix,
#: z = desaturation, a = ambient, tint = (0.82, 0.92, 1.12), lum = luma of day:
#:   dark = (day (1 - z) + lum z tint) a + grain
#:   lit = (dark (1 - L) + day L) B;   colour = day (1 - m) + lit m
#: which is day * w.x + lum * w.yzw + noise * g, with per-vertex w and g.
LIGHTS_VERTEX_HEAD = (
    """
uniform vec4 screen;        // width px, height px, x offset px, y offset px (of the view)
uniform vec4 night;         // mix 0..1, ambient 0..1, desaturation 0..1, noise 0..1
uniform vec4 extra;         // muzzle flash 0..1, time s, number of lights, 0
uniform vec4 lights[8];     // x, y (screen, normalized, origin top-left), radius, intensity
noperspective out vec4 weights;  // day weight, then luma weights (r, g, b)
noperspective out float grain_weight;
noperspective out vec2 pixel;    // the grain's coordinates: pixels, from the view's bottom-left
"""
    + LIGHT_GLSL
)
LIGHTS_VERTEX_BODY = """
    vec2 ndc = gl_Position.xy / gl_Position.w;   // -1..1 over the view's display region
    vec2 px = vec2(0.5 + 0.5 * ndc.x, 0.5 - 0.5 * ndc.y);
    float light = cone_light(px, screen.x / screen.y, int(extra.z), extra.x);
    weights = night_weights(light, grain_weight);
    pixel = (0.5 + 0.5 * ndc) * screen.xy;  // gl_FragCoord.xy, less the view's offset
"""


def night_vertex(vertex: str) -> str:
    """A vertex shader (whose main() ends the source) with the lights added."""
    head, _, rest = vertex.strip().partition("\n")  # the #version line
    body = rest.rstrip()
    return f"{head}\n{LIGHTS_VERTEX_HEAD}{body[:-1]}{LIGHTS_VERTEX_BODY}}}\n"


#: The night pass without its version line and sampler (see `FRAGMENT`); its grain is
#: GRAIN_GLSL's, at the pixel. The pixel's coordinates come interpolated from the
#: vertices (exact under the orthographic lens): reading gl_FragCoord instead cost llvmpipe
#: 0.5 ms more a 720p frame.
NIGHT = (
    GRAIN_GLSL
    + """
uniform vec4 grain;         // x: this frame's phase of the grain (LowLightPass.apply)
noperspective in vec2 uv;
noperspective in vec4 weights;
noperspective in float grain_weight;
noperspective in vec2 pixel;
out vec4 colour;

void main() {
    vec3 day = video_rgb(uv);
    float lum = dot(day, vec3(0.299, 0.587, 0.114));
    float noise = grain_noise(pixel, grain.x);
    colour = vec4(day * weights.x + lum * weights.yzw + noise * grain_weight, 1.0);
}
"""
)

FRAGMENT = "#version 130\n" + RGB_SAMPLER + NIGHT


def grain_phase(time_s: float) -> float:
    """The grain's third coordinate for a frame at time_s (GRAIN_GLSL): another value
    every frame at any frame rate, so each frame draws new grain, and the same time the
    same grain (a replayed or re-rendered frame looks alike)."""
    return math.fmod(time_s * 91.7, 997.0)


def grid_card(name: str, nx: int = 64, ny: int = 36) -> GeomNode:
    """A card over -1..1 (x, z) with texture coordinates 0..1, as CardMaker's, but cut into
    nx x ny cells, so that the lights computed per vertex follow the cones' curves."""
    vdata = GeomVertexData(name, GeomVertexFormat.getV3t2(), Geom.UH_static)
    vdata.setNumRows((nx + 1) * (ny + 1))
    vertex = GeomVertexWriter(vdata, "vertex")
    texcoord = GeomVertexWriter(vdata, "texcoord")
    for j in range(ny + 1):
        for i in range(nx + 1):
            u, v = i / nx, j / ny
            vertex.addData3(2 * u - 1, 0, 2 * v - 1)
            texcoord.addData2(u, v)
    tris = GeomTriangles(Geom.UH_static)
    for j in range(ny):
        for i in range(nx):
            a = j * (nx + 1) + i
            b, c, d = a + 1, a + nx + 1, a + nx + 2
            tris.addVertices(a, b, d)
            tris.addVertices(a, d, c)
    geom = Geom(vdata)
    geom.addPrimitive(tris)
    node = GeomNode(name)
    node.addGeom(geom)
    return node


class NightGrid:
    """The night card's triangles: the fine grid of `grid_card` only where a cone can
    fall, and elsewhere as few rectangles (two triangles each) as cover the rest. On a
    software renderer the triangles are most of the night pass's cost (64x36 cells: 2.7 ms
    of a 720p frame on llvmpipe; each small triangle costs its setup and shades the 4x4
    pixel blocks along its diagonal twice), and outside every cone's radius the light is
    exactly zero, so the rectangles there draw the same picture. Their edges run along the
    grid's lines, where the light is zero on both sides. The index buffer is rebuilt when a
    beam, the card's scale or the view's aspect moves."""

    def __init__(self, name: str, nx: int = 64, ny: int = 36, block: int = 2):
        if nx % block or ny % block:
            raise ValueError(f"{nx}x{ny} cells do not divide into {block}x{block} blocks")
        self.node = grid_card(name, nx, ny)
        self._key: tuple | None = None
        self._blocks = (ny // block, nx // block)  # rows, columns of blocks
        cy, cx = self._blocks
        row = nx + 1
        fine = []
        for cj in range(cy):
            for ci in range(cx):
                cells = []
                for j in range(cj * block, (cj + 1) * block):
                    for i in range(ci * block, (ci + 1) * block):
                        a = j * row + i
                        cells += [a, a + 1, a + row + 1, a, a + row + 1, a + row]
                fine.append(cells)
        self._fine = np.array(fine, np.uint16)
        # the vertex at each block corner (rows cy + 1, columns cx + 1)
        self._corner = (
            np.arange(cy + 1)[:, None] * block * row + np.arange(cx + 1) * block
        ).astype(np.uint16)
        # each block's extent in the card's coordinates (-1..1; z up)
        xs = np.linspace(-1.0, 1.0, cx + 1)
        zs = np.linspace(-1.0, 1.0, cy + 1)
        gx, gz = np.meshgrid(np.arange(cx), np.arange(cy))
        self._x0, self._x1 = xs[gx.ravel()], xs[gx.ravel() + 1]
        self._z0, self._z1 = zs[gz.ravel()], zs[gz.ravel() + 1]
        self.fine_blocks = 0  # of the last build
        self.rectangles = 0

    def needed(self, lights, aspect: float, sx: float, sz: float) -> np.ndarray:
        """Which blocks (row-major) a cone reaches: those are drawn fine."""
        need = np.zeros(len(self._fine), bool)
        # each block's extent on the view, normalized as the lights are
        px0, px1 = 0.5 + 0.5 * self._x0 * sx, 0.5 + 0.5 * self._x1 * sx
        py0, py1 = 0.5 - 0.5 * self._z1 * sz, 0.5 - 0.5 * self._z0 * sz
        for x, y, r, a in lights:
            if r <= 0 or a <= 0:
                continue
            dx = (np.clip(x, px0, px1) - x) * aspect  # to the block's nearest point
            dy = np.clip(y, py0, py1) - y
            need |= dx * dx + dy * dy < (r * (1.0 + 1e-3)) ** 2
        return need

    def _rectangles(self, need: np.ndarray) -> np.ndarray:
        """Two triangles for each rectangle of a cover of the blocks not needed: each row's
        runs of free blocks, a run merged with the one just above it when both span the
        same columns."""
        cy, cx = self._blocks
        free = np.zeros((cy, cx + 2), np.int8)
        free[:, 1:-1] = ~need.reshape(cy, cx)
        step = np.diff(free, axis=1)
        rows, i0 = np.nonzero(step == 1)  # row-major, so starts and ends pair up
        i1 = np.nonzero(step == -1)[1]
        j1 = rows + 1
        keep = np.ones(len(rows), bool)
        below: dict[tuple[int, int], int] = {}  # (i0, i1) -> the run reaching this row
        for k, (j, a, b) in enumerate(zip(rows.tolist(), i0.tolist(), i1.tolist(), strict=True)):
            up = below.get((a, b))
            if up is not None and j1[up] == j:
                j1[up] = j + 1
                keep[k] = False
            else:
                below[(a, b)] = k
        c = self._corner
        j0, j1, i0, i1 = rows[keep], j1[keep], i0[keep], i1[keep]
        a, b, cc, d = c[j0, i0], c[j0, i1], c[j1, i0], c[j1, i1]
        self.rectangles = len(j0)
        return np.stack([a, b, d, a, d, cc], axis=1).astype(np.uint16).reshape(-1)

    def update(self, lights, aspect: float, sx: float, sz: float) -> None:
        """`lights`: (x, y, radius, intensity) in the view's normalized coordinates (origin
        top-left, radius in heights); `aspect`: the view's width / height; sx, sz: the
        card's scale in the view (-1..1 both ways)."""
        key = (tuple(tuple(round(float(v), 5) for v in lt) for lt in lights), aspect, sx, sz)
        if key == self._key:
            return
        self._key = key
        need = self.needed(lights, aspect, sx, sz)
        idx = np.concatenate([self._fine[need].ravel(), self._rectangles(need)])
        self.fine_blocks = int(need.sum())
        prim = GeomTriangles(Geom.UH_dynamic)
        prim.setIndexType(GeomEnums.NT_uint16)
        rows = prim.modifyVertices()
        rows.setNumRows(len(idx))
        np.frombuffer(memoryview(rows), np.uint16)[:] = idx
        self.node.modifyGeom(0).setPrimitive(0, prim)


class ShaderError(UserError, RuntimeError):
    pass


@dataclass
class LowLight:
    """The night parameters; `apply()` sends them to the card each frame."""

    ambient: float = 0.12
    desaturation: float = 0.85
    noise: float = 0.5
    mix: float = 0.0  # 0 day, 1 night: follows `target` over FADE_S
    target: float = 0.0
    flash: float = 0.0
    lights: list[tuple[float, float, float, float]] = field(default_factory=list)

    def advance(self, dt_s: float) -> None:
        step = dt_s / FADE_S
        self.mix = (
            min(self.target, self.mix + step)
            if self.mix < self.target
            else max(self.target, self.mix - step)
        )
        self.flash = max(0.0, self.flash - dt_s / FLASH_S)

    def muzzle_flash(self) -> None:
        if self.target > 0:
            self.flash = 1.0


class LowLightPass:
    """Binds the shader to a card and feeds it."""

    def __init__(
        self,
        card: NodePath,
        width: int,
        height: int,
        x0: int = 0,
        y0: int = 0,
        fragment: str = FRAGMENT,
        day: NodePath | None = None,
        grid: NightGrid | None = None,
    ):
        """`day`: the card's daylight geometry (two triangles) and `grid` its night grid,
        attached under the card here and shown in turn with `day` (fine only around the
        cones, rebuilt as they move). Without them the card's own geometry serves both."""
        if (day is None) != (grid is None):
            raise ValueError("the night grid and the daylight geometry come together")
        self.card = card
        self.grid = grid
        self.shapes = None
        if grid is not None:
            self.shapes = (day, card.attachNewNode(grid.node))
            self.shapes[1].hide()
        self.aspect = width / height
        self.shader = Shader.make(Shader.SL_GLSL, night_vertex(VERTEX), fragment)
        self.lights = PTA_LVecBase4f.emptyArray(MAX_LIGHTS)
        card.setShader(self.shader)
        card.setShaderInput("screen", Vec4(width, height, x0, y0))
        card.setShaderInput("lights", self.lights)
        self.failed: str | None = None
        self.plain: Shader | None = None  # the card's shader in daylight (None: none)
        self._idle: bool | None = None  # unknown: the first apply() binds either way
        self._state = LowLight(mix=1.0)
        self.apply(self._state, 0.0)  # bound for the first frame: compile errors show

    def use_source(self, fragment: str, plain: Shader | None, vertex: str = VERTEX) -> None:
        """The video now reaches the card another way (the YUV planes): night with these
        shaders, and `plain` in daylight. Checked again after the next frame."""
        self.shader = Shader.make(Shader.SL_GLSL, night_vertex(vertex), fragment)
        self.plain = plain
        self._idle = None  # force the rebind below
        self.apply(self._state, self._time_s)

    def _show(self, night: bool) -> None:
        if self.shapes is not None:
            day, grid = self.shapes
            (grid if night else day).show()
            (day if night else grid).hide()

    def _daylight(self) -> None:
        self._show(False)
        if self.plain is None:
            self.card.clearShader()
        else:
            self.card.setShader(self.plain)

    def apply(self, state: LowLight, time_s: float) -> None:
        self._state, self._time_s = state, time_s
        if self.failed:
            return
        idle = state.mix == 0.0 and state.flash == 0.0 and not state.lights
        if idle != self._idle:  # in daylight with no cones the pass costs nothing
            self._idle = idle
            if idle:
                self._daylight()
            else:
                self._show(True)
                self.card.setShader(self.shader)
        if idle:
            return
        for i in range(MAX_LIGHTS):
            x, y, r, a = state.lights[i] if i < len(state.lights) else (0, 0, 0, 0)
            self.lights[i] = Vec4(float(x), float(y), float(r), float(a))
        n = min(len(state.lights), MAX_LIGHTS)
        if self.grid is not None:
            self.grid.update(state.lights[:n], self.aspect, self.card.getSx(), self.card.getSz())
        self.card.setShaderInput(
            "night",
            Vec4(
                float(state.mix),
                float(state.ambient),
                float(state.desaturation),
                float(state.noise),
            ),
        )
        self.card.setShaderInput("extra", Vec4(float(state.flash), float(time_s), float(n), 0))
        self.card.setShaderInput("grain", Vec4(grain_phase(time_s), 0, 0, 0))

    def check(self) -> None:
        """After a frame has been drawn: a shader that failed to compile is an error (and
        the card goes back to plain video so the session goes on)."""
        if self.failed is None and self.shader.getErrorFlag():
            self.failed = "the low-light shader failed to compile (see the log above)"
            self._daylight()
            raise ShaderError(self.failed)
        if self.plain is not None and self.plain.getErrorFlag():
            raise ShaderError("the video colour shader failed to compile (see the log above)")
