"""The video card's colour conversion on the GPU: a decoder's Y, U and V planes uploaded as
they are (one memcpy each into single-channel textures: a 4:2:0 frame is half the bytes of
RGB and needs no per-pixel repacking on the CPU) and converted to RGB in the fragment
shader with the clip's own matrix (BT.601/709) and range (video/full).

Rows may be padded (FFmpeg aligns them): each texture is as wide as the row and the shader
reads only the picture's part of it, clamped half a texel inside so that linear filtering
never blends in the padding. NV12 (hardware decoders) has U and V interleaved in one
two-channel texture. `SAMPLER` defines `vec3 video_rgb(vec2 uv)`, which the low-light
pass (engine/lowlight.py) uses in place of a plain texture read.

Filtering: a linear texture read is the costliest step of a software renderer (llvmpipe:
about 2.5 ms a 720p plane here, against 1.2 ms nearest; a GPU does either for free). So
the luma plane is read nearest when the picture is drawn at its own size (each pixel on
its texel's centre: exactly what linear would give), and on a software renderer the
chroma planes are read nearest too (each chroma sample covers its 2x2 pixels, as simple
decoders upsample). Everything else is linear.

The night's grain (engine/lowlight.py): on a software renderer with packed chroma, a byte
of each chroma texel (four bytes: U, V, grain, unused; `set_grain`, `refresh_grain`), read
with the chroma: a hash of every pixel cost llvmpipe more than that byte. Elsewhere the
shader hashes the pixel. `video_yuvg()` gives the night pass the codes and that byte: it
folds its blend into the colour matrix (fewer operations a pixel than converting first).

Imports Panda3D; frames come from engine/video.py (YuvFrame, engine/yuv_planes.py).
"""

from __future__ import annotations

import os

import numpy as np
from panda3d.core import NodePath, SamplerState, Shader, Texture, Vec4

from engine.yuv_planes import YuvFrame, yuv_coefficients

#: Each plane's texture coordinate is computed per vertex (x scaled to the picture's part
#: of the padded row), not per pixel: on a software renderer every per-pixel operation
#: counts (llvmpipe: about 2 ms a 720p frame for that one line).
VERTEX = """
#version 130
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_TextureMatrix;
uniform vec4 plane_map;      // x' = x * a + b: luma a, b, then chroma a, b
in vec4 p3d_Vertex;
in vec2 p3d_MultiTexCoord0;
noperspective out vec2 uv;
noperspective out vec2 uv_y;
noperspective out vec2 uv_c;
void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    uv = (p3d_TextureMatrix * vec4(p3d_MultiTexCoord0, 0.0, 1.0)).xy;
    uv_y = vec2(uv.x * plane_map.x + plane_map.y, uv.y);
    uv_c = vec2(uv.x * plane_map.z + plane_map.w, uv.y);
}
"""

#: PLANES_RGB reads a pixel from the Y, U and V plane textures (shared with the theater's
#: projector shader); SAMPLER defines video_rgb(uv) with it (its argument unused: the
#: planes' coordinates come from the vertex shader). NV12 selects the interleaved-chroma
#: variant at compile time. The matrix is written out term by term (BT.601/709 have zeros
#: in fixed places) and not clamped: the 8-bit framebuffer clamps.
PLANES_RGB = """
uniform sampler2D y_tex;
uniform sampler2D u_tex;
uniform sampler2D v_tex;
uniform vec4 yuv_k;          // Y scale, V into R, U into G, V into G
uniform vec4 yuv_k2;         // U into B, then the R, G, B offsets

vec3 planes_rgb(vec2 py, vec2 pc) {   // luma and chroma coordinates
    float y = texture(y_tex, py).r * yuv_k.x;
#ifdef NV12
    vec2 c = texture(u_tex, pc).rg;   // U and V interleaved (hardware decoders, packed)
    float u = c.x;
    float v = c.y;
#else
    float u = texture(u_tex, pc).r;
    float v = texture(v_tex, pc).r;
#endif
    return vec3(y + yuv_k.y * v + yuv_k2.y,
                y + yuv_k.z * u + yuv_k.w * v + yuv_k2.z,
                y + yuv_k2.x * u + yuv_k2.w);
}
"""

SAMPLER = (
    PLANES_RGB
    + """
noperspective in vec2 uv_y;
noperspective in vec2 uv_c;

vec3 video_rgb(vec2 unused) {
    return planes_rgb(uv_y, uv_c);
}

// The night pass (engine/lowlight.py) reads the codes and converts them itself, its blend
// folded into the matrix: y, u, v (0..1), then the night's grain byte where the chroma
// texels carry it (GRAIN_TEXEL), else 0.5.
#define VIDEO_YUV
vec4 video_yuvg() {
    float y = texture(y_tex, uv_y).r;
#ifdef GRAIN_TEXEL
    return vec4(y, texture(u_tex, uv_c).rgb);
#elif defined(NV12)
    return vec4(y, texture(u_tex, uv_c).rg, 0.5);
#else
    return vec4(y, texture(u_tex, uv_c).r, texture(v_tex, uv_c).r, 0.5);
#endif
}
"""
)

PLAIN = """
out vec4 colour;
noperspective in vec2 uv;
void main() {
    colour = vec4(video_rgb(uv), 1.0);
}
"""


def fragment(body: str, layout: str) -> str:
    """A fragment shader: version line, the sampler for this plane layout, then `body`
    (which must not carry its own #version line)."""
    define = "#define NV12\n" if layout in ("nv12", "nv12g") else ""
    if layout == "nv12g":
        define += "#define GRAIN_TEXEL\n"
    return "#version 130\n" + define + SAMPLER + body


def colour_inputs(matrix: str, full_range: bool) -> tuple[Vec4, Vec4]:
    """`yuv_k` and `yuv_k2` of SAMPLER (and the theater's projector shader) for a clip's
    matrix and range."""
    m, off = yuv_coefficients(matrix, full_range)
    m, off = [[float(x) for x in row] for row in m], [float(x) for x in off]
    # R = ys Y + rv V, G = ys Y + gu U + gv V, B = ys Y + bu U, plus the offsets
    return Vec4(m[0][0], m[0][2], m[1][1], m[1][2]), Vec4(m[2][1], off[0], off[1], off[2])


def plane_texture(name: str) -> Texture:
    tex = Texture(name)
    tex.setMinfilter(SamplerState.FT_linear)
    tex.setMagfilter(SamplerState.FT_linear)
    tex.setWrapU(SamplerState.WM_clamp)
    tex.setWrapV(SamplerState.WM_clamp)
    return tex


#: On a software renderer, interleave U and V into one texture as they are copied (the
#: NV12 layout): a texture read costs about 1 ms of a 720p frame on llvmpipe and the
#: interleaving 0.14 ms (interleaved A/B on a still frame: 7.23 -> 6.69 ms, the same
#: picture to the bit). A GPU reads three textures for free, so there the planes are
#: copied as they are. SIGHTLINE_PACK_CHROMA=0 turns it off.
PACK_CHROMA = os.environ.get("SIGHTLINE_PACK_CHROMA", "1") != "0"


class YuvCard:
    """Owns the plane textures and the conversion shader of one card."""

    def __init__(self, card: NodePath, software: bool = False):
        """`software`: the renderer is a software rasterizer (see the module docstring)."""
        self.card = card
        self.software = software
        self.one_to_one = False  # the picture is drawn at its own size: nearest luma
        self.textures = [plane_texture(f"video-{c}") for c in "yuv"]
        for tex in self.textures:  # something valid bound before the first frame
            tex.setup2dTexture(1, 1, Texture.T_unsigned_byte, Texture.F_red)
            tex.setRamImage(np.zeros(1, np.uint8))
        self.layout: str | None = None
        self._colour: tuple[str, bool] | None = None
        self._shapes: list[tuple[int, int, int]] = []
        self._shaders: dict[str, Shader] = {}
        for name, tex in zip(("y_tex", "u_tex", "v_tex"), self.textures, strict=True):
            card.setShaderInput(name, tex)
        card.setShaderInput("plane_map", Vec4(1, 0, 1, 0))
        self._cols: list[tuple[float, float]] = []  # (picture width, row width) a plane
        self._set_colour("bt601", False)
        self.grain = False  # the night's grain rides in the packed chroma texels
        self._noise: np.ndarray | None = None
        self._grain_phase: float | None = None  # the draw in the chroma texels now
        self._frame: YuvFrame | None = None  # the last one uploaded (repacked by set_grain)

    def shader(self, layout: str | None = None) -> Shader:
        """The plain conversion shader for a layout (compiled once)."""
        layout = layout or self.layout or "yuv"
        if layout not in self._shaders:
            self._shaders[layout] = Shader.make(Shader.SL_GLSL, VERTEX, fragment(PLAIN, layout))
        return self._shaders[layout]

    def _set_colour(self, matrix: str, full_range: bool) -> None:
        k, k2 = colour_inputs(matrix, full_range)
        self.card.setShaderInput("yuv_k", k)
        self.card.setShaderInput("yuv_k2", k2)
        self._colour = (matrix, full_range)

    def _set_map(self) -> None:
        """Texture x of each plane for the card's x in 0..1. Nearest: scaled to the
        picture's part of the row (at 1:1, pixel centres on texel centres). Linear: from
        the first texel's centre to the last one's, so filtering never reaches padding."""
        if not self._cols:
            return
        terms = []
        for i in (0, 1):
            pic, row = self._cols[i]
            if (i == 0 and self.one_to_one) or (i == 1 and self.software):
                terms += [pic / row, 0.0]
            else:
                terms += [(pic - 1.0) / row, 0.5 / row]
        self.card.setShaderInput("plane_map", Vec4(*terms))

    def set_filters(self, one_to_one: bool | None = None) -> None:
        if one_to_one is not None:
            self.one_to_one = one_to_one
        near, lin = SamplerState.FT_nearest, SamplerState.FT_linear
        luma = near if self.one_to_one else lin
        chroma = near if self.software else lin
        for tex, mode in zip(self.textures, (luma, chroma, chroma), strict=True):
            tex.setMinfilter(mode)
            tex.setMagfilter(mode)
        self._set_map()

    def upload(self, frame: YuvFrame) -> bool:
        """Copy the planes into the textures; True when the layout changed (the caller
        then binds `shader()` again). On a software renderer U and V go into one
        two-channel texture (the NV12 layout), interleaved on the way: one texture read a
        pixel fewer (`PACK_CHROMA`); with `grain` on, a four-byte texel whose third byte is
        the night's grain (layout "nv12g", see `set_grain`)."""
        layout = frame.layout
        pack = self.software and PACK_CHROMA and layout == "yuv"
        if pack:
            layout = "nv12g" if self.grain else "nv12"
        changed = layout != self.layout
        self.layout = layout
        if (frame.matrix, frame.full_range) != self._colour:
            self._set_colour(frame.matrix, frame.full_range)
        shapes = [(p.shape[1], p.shape[0], 1) for p in frame.planes]
        if pack:  # the chroma's picture, no row padding: U, V (and the grain) a texel
            shapes = [shapes[0], (frame.widths[1], shapes[1][1], 4 if self.grain else 2)]
        elif layout == "nv12":  # the chroma plane: two bytes (U, V) a texel
            shapes[1] = (shapes[1][0] // 2, shapes[1][1], 2)
        if shapes != self._shapes:
            for tex, (w, h, n) in zip(self.textures, shapes, strict=False):
                fmt = {1: Texture.F_red, 2: Texture.F_rg, 4: Texture.F_rgba}[n]
                tex.setup2dTexture(w, h, Texture.T_unsigned_byte, fmt)
            self._grain_phase = None  # new texels: no grain in them yet
            if pack:
                chroma = float(shapes[1][0])
                self._cols = [(float(frame.widths[0]), float(shapes[0][0])), (chroma, chroma)]
            else:
                self._cols = [
                    (float(pw) / (2 if layout == "nv12" and i == 1 else 1), float(w))
                    for i, (pw, (w, _, _)) in enumerate(zip(frame.widths, shapes, strict=False))
                ]
            self._shapes = shapes
            self.set_filters()
        planes = frame.planes
        if pack:
            y, u, v = planes
            w, h, n = shapes[1]
            dst = np.frombuffer(memoryview(self.textures[1].modifyRamImage()), np.uint8)
            texel = dst.reshape(h, w, n)
            if n == 4:  # Panda3D keeps RGBA texels as B, G, R, A
                texel[..., 2] = u[:, :w]
                texel[..., 1] = v[:, :w]
            else:
                texel[..., 0] = u[:, :w]
                texel[..., 1] = v[:, :w]
            planes = (y,)
        for tex, plane in zip(self.textures, planes, strict=False):
            dst = np.frombuffer(memoryview(tex.modifyRamImage()), np.uint8)
            dst[...] = plane.reshape(-1)
        self._frame = frame
        return changed

    def set_grain(self, on: bool) -> bool:
        """The night's grain in the chroma texels (software renderers with packed chroma:
        a hash of every pixel costs llvmpipe more than a texture read, and the packed
        chroma is read anyway; `refresh_grain` draws it anew each frame). True when the
        layout changed: the caller binds the shaders again. Takes effect at once, the
        frame on the card repacked."""
        on = bool(on and self.software and PACK_CHROMA)
        if on == self.grain:
            return False
        self.grain = on
        frame = self._frame
        if frame is None or frame.layout != "yuv":
            return False
        return self.upload(frame)

    def refresh_grain(self, phase: float) -> None:
        """A new draw of the grain (uniform bytes; -0.5..0.5 in the shader) for the frame
        at this phase (`engine.lowlight.grain_phase`): a window of a fixed random buffer at
        an offset the phase sets, so the same time draws the same grain. The same phase
        again (a paused session's clock stands still) leaves the texels, and the upload,
        alone: the grain there is that draw already."""
        if self.layout != "nv12g" or phase == self._grain_phase:
            return
        self._grain_phase = phase
        w, h, _ = self._shapes[1]
        n = w * h
        if self._noise is None or len(self._noise) != 2 * n:
            self._noise = np.random.default_rng(20).integers(0, 256, 2 * n, dtype=np.uint8)
        start = (int(phase * 1000.0) * 2654435761) % n  # far from the last frame's
        texel = np.frombuffer(memoryview(self.textures[1].modifyRamImage()), np.uint8)
        texel.reshape(h, w, 4)[..., 0] = self._noise[start : start + n].reshape(h, w)
