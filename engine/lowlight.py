"""Low light and flashlights: a GLSL pass over the video card.

Dark-adapted vision: the picture drops to an ambient level, loses most of its colour
(rod vision) with a slight blue cast, and gains a little noise. Each flashlight (up to
MAX_LIGHTS: one per trainee, tracked IR beams or the mouse) lights a soft-edged cone with
falloff in which the picture keeps its colours; a shot fired in the dark lights everything
briefly (muzzle flash). `mix` fades between day (0) and night (1) over a moment.

At night the card is drawn as a few rectangles (`NightCover`): those no cone reaches with
the blend's weights as uniforms (the light there is the muzzle flash alone), the cones'
boxes per pixel with the one or two cones in them. On a software renderer the rectangles'
count and shape are most of the pass's cost (every triangle shades the 4x4-pixel blocks
along its edges twice), so there are as few as the cones allow. Over a clip's planes the
shaders read the codes and fold the blend into the clip's matrix (`yuv_dark`; the luma is
then the clip's own): fewer operations a pixel than converting to RGB and then blending.

A shader that fails to compile is caught after the first frame (Panda3D only logs it and
draws white): `check()` raises ShaderError and the view falls back to plain video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from panda3d.core import (
    NodePath,
    PTA_LVecBase4f,
    Shader,
    Vec4,
)

from engine.night_cover import NightCover
from engine.yuv_planes import MATRICES, yuv_coefficients
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

#: GLSL shared by the trainee view's night pass (per pixel, `LIT`) and a theater's
#: projector pass (per pixel, in panorama coordinates, engine/theater_shader.py); both
#: declare `uniform vec4 lights[8]` and `uniform vec4 night` (see LIT).
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

RGB_PREFIX = "#version 130\n" + RGB_SAMPLER

#: A fragment shader's grain over planes (VIDEO_YUV), 0..1 (`t` from `video_yuvg()`): the
#: byte the chroma texels carry (GRAIN_TEXEL, engine/yuv_card.py: a software renderer),
#: else the hash.
GRAIN_BYTE = """
#ifdef GRAIN_TEXEL
    float n = t.w;
#else
    float n = grain_noise(pixel, grain.x) + 0.5;
#endif
"""


def grain_phase(time_s: float) -> float:
    """The grain's third coordinate for a frame at time_s (GRAIN_GLSL): another value
    every frame at any frame rate, so each frame draws new grain, and the same time the
    same grain (a replayed or re-rendered frame looks alike)."""
    return math.fmod(time_s * 91.7, 997.0)


#: The vertex shader's additions for the night pass (both parts): the pixel's coordinates
#: for the grain (exact under the orthographic lens; gl_FragCoord costs llvmpipe 0.5 ms a
#: 720p frame more) and, for the lit part, each pixel's offset from the centre of each cone
#: its rectangle holds, in that cone's radii. The offset is linear across the rectangle,
#: so interpolating it is exact, and the cone's light follows from its length per pixel.
NIGHT_VERTEX_HEAD = """
uniform vec4 screen;        // width px, height px, x offset px, y offset px (of the view)
uniform vec4 lights[8];     // x, y (screen, normalized, origin top-left), radius, intensity
in vec2 slots;              // the cones of this vertex's rectangle (-1: none)
noperspective out vec4 rel; // the pixel's offsets from two cones' centres, in their radii
noperspective out vec2 amp; // their intensities
noperspective out vec2 spot;   // the view position (normalized, origin top-left)
noperspective out vec2 pixel;  // the grain's coordinates: pixels, from the view's bottom-left
"""
NIGHT_VERTEX_BODY = """
    vec2 ndc = gl_Position.xy / gl_Position.w;   // -1..1 over the view's display region
    spot = vec2(0.5 + 0.5 * ndc.x, 0.5 - 0.5 * ndc.y);
    pixel = (0.5 + 0.5 * ndc) * screen.xy;       // gl_FragCoord.xy, less the view's offset
    vec2 squash = vec2(screen.x / screen.y, 1.0);
    rel = vec4(4.0);
    amp = vec2(0.0);
    if (slots.x >= 0.0) {
        vec4 l = lights[int(slots.x)];
        rel.xy = (spot - l.xy) * squash / l.z;
        amp.x = l.w;
    }
    if (slots.y >= 0.0) {
        vec4 l = lights[int(slots.y)];
        rel.zw = (spot - l.xy) * squash / l.z;
        amp.y = l.w;
    }
"""


def night_vertex(vertex: str) -> str:
    """A vertex shader (whose main() ends the source) with the night's outputs added."""
    head, _, rest = vertex.strip().partition("\n")  # the #version line
    body = rest.rstrip()
    return f"{head}\n{NIGHT_VERTEX_HEAD}{body[:-1]}{NIGHT_VERTEX_BODY}}}\n"


#: The night pass where a cone can fall: SLOTS 1 or 2 cones from the vertices (`rel`,
#: `amp`); SLOTS 0, where three or more overlap, the sum of every light at the pixel. The
#: light is cone_light's, in another order of the same operations (pictures within one
#: level of each other: tests/engine/test_lowlight.py).
#:
#: The blend, per pixel: with L = clamp(light, 0, 1), B = max(1, light), m = night mix,
#: z = desaturation, a = ambient, tint = (0.82, 0.92, 1.12), lum = luma of day:
#:   dark = (day (1 - z) + lum z tint) a + grain
#:   lit = (dark (1 - L) + day L) B;   colour = day (1 - m) + lit m
#: which is day * w.x + lum * w.yzw + noise * g (LIGHT_GLSL's night_weights). lum is the
#: luma: BT.601's weights on an RGB picture; over planes (VIDEO_YUV) the clip's own, its Y
#: code scaled, so that day = lum + chroma terms and the blend needs no luma sum.
LIT = (
    GRAIN_GLSL
    + """
uniform vec4 screen;
uniform vec4 night;         // mix 0..1, ambient 0..1, desaturation 0..1, noise 0..1
uniform vec4 extra;         // muzzle flash 0..1, 0, number of lights, 0
uniform vec4 grain;         // x: this frame's phase of the grain (LowLightPass.apply)
uniform vec4 lights[8];
uniform vec4 blend;         // 1 - mix, mix, ambient (1 - desaturation), noise * 0.12
uniform vec4 blend_tint;    // ambient * desaturation * tint (r, g, b)
#ifdef VIDEO_YUV
uniform vec4 lit_l;         // the clip's luma from its Y code: scale, offset
uniform vec4 lit_o;         // the r, g, b offsets less the luma's (LowLightPass.set_colour)
#endif
noperspective in vec2 uv;
noperspective in vec4 rel;
noperspective in vec2 amp;
noperspective in vec2 spot;
noperspective in vec2 pixel;
out vec4 colour;
"""
    + LIGHT_GLSL
    + """
float beam(vec2 v) {        // one cone's light at v, in its radii from the centre
    float d = length(v);
    return (1.0 - smoothstep(0.55, 1.0, d)) * (1.0 - 0.35 * min(d, 1.0));
}

void main() {
#if SLOTS == 0
    float light = cone_light(spot, screen.x / screen.y, int(extra.z), extra.x);
#elif SLOTS == 1
    float light = clamp(amp.x * beam(rel.xy) + extra.x, 0.0, 1.2);
#else
    float light = clamp(amp.x * beam(rel.xy) + amp.y * beam(rel.zw) + extra.x, 0.0, 1.2);
#endif
    // night_weights, with its products of uniforms made once on the CPU (`blend`)
    float lit = clamp(light, 0.0, 1.0);
    float boost = max(1.0, light);
    float k_dark = blend.y * boost * (1.0 - lit);
    vec4 weights = vec4(blend.x + blend.y * boost * lit + k_dark * blend.z,
                        k_dark * blend_tint.xyz);
    float grain_weight = k_dark * blend.w;
#ifdef VIDEO_YUV
    // lum: the clip's own luma; the day's colour is lum plus its chroma terms
    vec4 t = video_yuvg();
"""
    + GRAIN_BYTE
    + """
    float lum = t.x * lit_l.x + lit_l.y;
    vec3 chroma = vec3(t.z * yuv_k.y + lit_o.x,
                       t.y * yuv_k.z + t.z * yuv_k.w + lit_o.y,
                       t.y * yuv_k2.x + lit_o.z);
    float g = grain_weight * (n - 0.5);
    colour = vec4(lum * (weights.x + weights.yzw) + chroma * weights.x + g, 1.0);
#else
    vec3 day = video_rgb(uv);
    float lum = dot(day, vec3(0.299, 0.587, 0.114));
    float noise = grain_noise(pixel, grain.x);
    colour = vec4(day * weights.x + lum * weights.yzw + noise * grain_weight, 1.0);
#endif
}
"""
)

#: The night pass where no cone reaches: the light there is the muzzle flash alone, the
#: same at every pixel, so the blend's weights are uniforms (`night_weights` on the CPU).
#: Over planes they are folded into the clip's matrix (`yuv_dark`): colour = M' (Y, U, V)
#: + offset + grain, with the zeros of the clip's matrix kept (U adds nothing to red, V
#: nothing to blue): on llvmpipe about 1.5 ms less a 720p frame than converting, then
#: blending (docs/performance.md).
DARK = (
    GRAIN_GLSL
    + """
uniform vec4 grain;
noperspective in vec2 uv;
noperspective in vec2 pixel;
out vec4 colour;
#ifdef VIDEO_YUV
uniform vec4 dark_y;        // the Y code into r, g, b; the grain byte's weight
uniform vec4 dark_c;        // U into g, U into b, V into r, V into g
uniform vec4 dark_o;        // the r, g, b offsets (the grain's -0.5 included)
#else
uniform vec4 dark;          // the blend's weights: day, then luma (r, g, b)
uniform vec4 dark_grain;    // x: the grain's weight
#endif

void main() {
#ifdef VIDEO_YUV
    // the blend folded into the clip's matrix on the CPU (LowLightPass.apply)
    vec4 t = video_yuvg();
"""
    + GRAIN_BYTE
    + """
    float g = n * dark_y.w;
    colour = vec4(t.x * dark_y.x + t.z * dark_c.z + g + dark_o.x,
                  t.x * dark_y.y + t.y * dark_c.x + t.z * dark_c.w + g + dark_o.y,
                  t.x * dark_y.z + t.y * dark_c.y + g + dark_o.z, 1.0);
#else
    vec3 day = video_rgb(uv);
    float lum = dot(day, vec3(0.299, 0.587, 0.114));
    float noise = grain_noise(pixel, grain.x);
    colour = vec4(day * dark.x + lum * dark.yzw + noise * dark_grain.x, 1.0);
#endif
}
"""
)


def night_fragment(sampler: str, part: str | int) -> str:
    """The night pass's fragment shader for a part of the cover ("dark", or 1, 2, 0 cones:
    `NightCover.CLASSES`) after `sampler` (its version line, then a `video_rgb`)."""
    if part == "dark":
        return sampler + DARK
    head, _, rest = sampler.partition("\n")
    return f"{head}\n#define SLOTS {int(part)}\n{rest}{LIT}"


TINT = np.array([0.82, 0.92, 1.12])  # rod vision's blue cast (LIGHT_GLSL)


def night_weights(light: float, state: LowLight) -> tuple[float, float, float, float, float]:
    """LIGHT_GLSL's night_weights on the CPU: (day, luma r, g, b, grain) at this light."""
    lit = min(max(light, 0.0), 1.0)
    boost = max(1.0, light)
    m = state.mix
    k_dark = m * boost * (1.0 - lit)
    tint = k_dark * state.ambient * state.desaturation * TINT
    day = 1.0 - m + m * boost * lit + k_dark * state.ambient * (1.0 - state.desaturation)
    return day, float(tint[0]), float(tint[1]), float(tint[2]), k_dark * state.noise * 0.12


def yuv_luma(matrix: str, full_range: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """(M, offset, luma offset) of a clip's colour: rgb = M @ codes + offset (codes 0..1,
    engine.yuv_planes.yuv_coefficients) and its luma Kr R + Kg G + Kb B = M[0, 0] Y + the
    luma offset (the matrix's chroma terms cancel in it exactly)."""
    m, off = yuv_coefficients(matrix, full_range)
    kr, kb = MATRICES[matrix]
    return m, off, float(np.array([kr, 1.0 - kr - kb, kb]) @ off)


def yuv_dark(w: tuple[float, ...], colour: tuple[np.ndarray, np.ndarray, float]) -> tuple:
    """DARK's uniforms over planes (dark_y, dark_c, dark_o) for the blend's weights `w`
    (`night_weights`: day, luma r, g, b, grain) and a clip's colour (`yuv_luma`):
    day * w.x + luma * w.yzw + grain * (n - 0.5), written as weights of the Y, U, V codes
    and of the grain byte n."""
    m, off, l0 = colour
    dx, tint, gw = w[0], np.array(w[1:4]), w[4]
    ys = dx * m[:, 0] + tint * m[0, 0]
    o = dx * off + tint * l0 - 0.5 * gw
    return (
        (*ys.tolist(), gw),
        tuple(float(dx * m[i, j]) for i, j in ((1, 1), (2, 1), (0, 2), (1, 2))),
        (*o.tolist(), 0.0),
    )


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
    """Binds the night's shaders to a card and feeds them."""

    def __init__(
        self,
        card: NodePath,
        day: NodePath,
        width: int,
        height: int,
        x0: int = 0,
        y0: int = 0,
        sampler: str = RGB_PREFIX,
    ):
        """`card`: the node that holds the picture's state (textures, scale); `day`: its
        daylight geometry under it (two triangles), shown in turn with the night cover made
        here. `sampler`: the fragment shaders' start (version line and a `video_rgb`)."""
        self.card = card
        self.cover = NightCover("night-cover", width, height)
        self.cover.node.reparentTo(card)
        self.cover.node.hide()
        self.day = day
        self.aspect = width / height
        self.lights = PTA_LVecBase4f.emptyArray(MAX_LIGHTS)
        card.setShaderInput("screen", Vec4(width, height, x0, y0))
        card.setShaderInput("lights", self.lights)
        self.failed: str | None = None
        self.plain: Shader | None = None  # the card's shader in daylight (None: none)
        self.shaders: dict[str | int, Shader] = {}
        self._idle: bool | None = None  # unknown: the first apply() binds either way
        self._state = LowLight(mix=1.0)
        self._time_s = 0.0
        self._lights: tuple | None = None  # as last sent to the shaders
        self._inputs: dict[str, tuple] = {}
        self._colour: tuple | None = None  # yuv_luma of the clip on planes
        self._colour_key: tuple[str, bool] | None = None
        self.use_source(sampler, None)  # bound for the first frame: compile errors show

    def use_source(self, sampler: str, plain: Shader | None, vertex: str = VERTEX) -> None:
        """The video reaches the card through this sampler and vertex shader: night with
        shaders built on them, and `plain` in daylight. Checked again after the next
        frame."""
        for part in self.cover.parts:
            self.shaders[part] = Shader.make(
                Shader.SL_GLSL, night_vertex(vertex), night_fragment(sampler, part)
            )
            self.cover.parts[part].setShader(self.shaders[part])
        self.plain = plain
        self._idle = None  # force the rebind below
        self.apply(self._state, self._time_s)

    def set_colour(self, matrix: str, full_range: bool) -> None:
        """The colour matrix and range of the clip on planes (the YUV sampler): the night
        converts the codes itself (DARK, LIT over VIDEO_YUV)."""
        if (matrix, full_range) == self._colour_key:
            return
        self._colour_key = (matrix, full_range)
        self._colour = m, off, l0 = yuv_luma(matrix, full_range)
        self.card.setShaderInput("lit_l", Vec4(float(m[0, 0]), l0, 0.0, 0.0))
        self.card.setShaderInput("lit_o", Vec4(*(off - l0).tolist(), 0.0))
        self.apply(self._state, self._time_s)

    @property
    def active(self) -> bool:
        """The night pass draws (night, fading, a flash or a cone), not plain video."""
        return self._idle is False and not self.failed

    def _show(self, night: bool) -> None:
        (self.cover.node if night else self.day).show()
        (self.day if night else self.cover.node).hide()

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
        if idle:
            return
        n = min(len(state.lights), MAX_LIGHTS)
        lights = tuple(tuple(float(v) for v in lt) for lt in state.lights[:n])
        if lights != self._lights:
            self._lights = lights
            for i in range(MAX_LIGHTS):
                self.lights[i] = Vec4(*(lights[i] if i < n else (0.0, 0.0, 0.0, 0.0)))
        self.cover.update(lights, self.aspect, self.card.getSx(), self.card.getSz())
        m, a, z = float(state.mix), float(state.ambient), float(state.desaturation)
        w = night_weights(min(float(state.flash), 1.2), state)  # where no cone reaches
        inputs = {
            "night": (m, a, z, float(state.noise)),
            "extra": (float(state.flash), 0.0, float(n), 0.0),
            "blend": (1.0 - m, m, a * (1.0 - z), float(state.noise) * 0.12),
            "blend_tint": (*(a * z * TINT).tolist(), 0.0),
            "dark": w[:4],
            "dark_grain": (w[4], 0.0, 0.0, 0.0),
        }
        if self._colour is not None:
            inputs.update(
                zip(("dark_y", "dark_c", "dark_o"), yuv_dark(w, self._colour), strict=True)
            )
        for name, value in inputs.items():  # a new input is a new render state: only changes
            if self._inputs.get(name) != value:
                self._inputs[name] = value
                self.card.setShaderInput(name, Vec4(*value))
        self.card.setShaderInput("grain", Vec4(grain_phase(time_s), 0, 0, 0))

    def check(self) -> None:
        """After a frame has been drawn: a shader that failed to compile is an error (and
        the card goes back to plain video so the session goes on)."""
        if self.failed is None and any(s.getErrorFlag() for s in self.shaders.values()):
            self.failed = "the low-light shader failed to compile (see the log above)"
            self._daylight()
            raise ShaderError(self.failed)
        if self.plain is not None and self.plain.getErrorFlag():
            raise ShaderError("the video colour shader failed to compile (see the log above)")
