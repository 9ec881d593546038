"""The video card's colour conversion on the GPU: a decoder's Y, U and V planes uploaded as
they are (one memcpy each into single-channel textures: a 4:2:0 frame is half the bytes of
RGB and needs no per-pixel repacking on the CPU) and converted to RGB in the fragment
shader with the clip's own matrix (BT.601/709) and range (video/full).

Rows may be padded (FFmpeg aligns them): each texture is as wide as the row and the shader
reads only the picture's part of it, clamped half a texel inside so that linear filtering
never blends in the padding. NV12 (hardware decoders) has U and V interleaved in one
two-channel texture. `SAMPLER` defines `vec3 video_rgb(vec2 uv)`, which the low-light
pass (engine/lowlight.py) uses in place of a plain texture read.

Imports Panda3D; frames come from engine/video.py (YuvFrame).
"""

from __future__ import annotations

import numpy as np
from panda3d.core import NodePath, SamplerState, Shader, Texture, Vec4

from engine.video import YuvFrame, yuv_coefficients

VERTEX = """
#version 130
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_TextureMatrix;
in vec4 p3d_Vertex;
in vec2 p3d_MultiTexCoord0;
out vec2 uv;
void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    uv = (p3d_TextureMatrix * vec4(p3d_MultiTexCoord0, 0.0, 1.0)).xy;
}
"""

#: Defines video_rgb(uv); NV12 selects the interleaved-chroma variant at compile time.
SAMPLER = """
uniform sampler2D y_tex;
uniform sampler2D u_tex;
uniform sampler2D v_tex;
uniform vec4 y_cols;         // picture width, row width (texels) of Y; same for U in zw
uniform vec2 v_cols;         // of V
uniform vec4 yuv_r;          // r = dot(yuv_r.xyz, (y, u, v)) + yuv_r.w, all 0..1
uniform vec4 yuv_g;
uniform vec4 yuv_b;

float picture_x(float x, vec2 cols) {
    return min(x * cols.x, cols.x - 0.5) / cols.y;
}

vec3 video_rgb(vec2 uv) {
    float y = texture(y_tex, vec2(picture_x(uv.x, y_cols.xy), uv.y)).r;
#ifdef NV12
    vec2 c = texture(u_tex, vec2(picture_x(uv.x, y_cols.zw), uv.y)).rg;
#else
    vec2 c = vec2(texture(u_tex, vec2(picture_x(uv.x, y_cols.zw), uv.y)).r,
                  texture(v_tex, vec2(picture_x(uv.x, v_cols), uv.y)).r);
#endif
    vec3 yuv = vec3(y, c);
    return clamp(vec3(dot(yuv_r.xyz, yuv), dot(yuv_g.xyz, yuv), dot(yuv_b.xyz, yuv))
                 + vec3(yuv_r.w, yuv_g.w, yuv_b.w), 0.0, 1.0);
}
"""

PLAIN = """
out vec4 colour;
in vec2 uv;
void main() {
    colour = vec4(video_rgb(uv), 1.0);
}
"""


def fragment(body: str, layout: str) -> str:
    """A fragment shader: version line, the sampler for this plane layout, then `body`
    (which must not carry its own #version line)."""
    define = "#define NV12\n" if layout == "nv12" else ""
    return "#version 130\n" + define + SAMPLER + body


def _texture(name: str) -> Texture:
    tex = Texture(name)
    tex.setMinfilter(SamplerState.FT_linear)
    tex.setMagfilter(SamplerState.FT_linear)
    tex.setWrapU(SamplerState.WM_clamp)
    tex.setWrapV(SamplerState.WM_clamp)
    return tex


class YuvCard:
    """Owns the plane textures and the conversion shader of one card."""

    def __init__(self, card: NodePath):
        self.card = card
        self.textures = [_texture("video-y"), _texture("video-u"), _texture("video-v")]
        for tex in self.textures:  # something valid bound before the first frame
            tex.setup2dTexture(1, 1, Texture.T_unsigned_byte, Texture.F_red)
            tex.setRamImage(np.zeros(1, np.uint8))
        self.layout: str | None = None
        self._colour: tuple[str, bool] | None = None
        self._shapes: list[tuple[int, int, int]] = []
        self._shaders: dict[str, Shader] = {}
        for name, tex in zip(("y_tex", "u_tex", "v_tex"), self.textures, strict=True):
            card.setShaderInput(name, tex)
        card.setShaderInput("y_cols", Vec4(1, 1, 1, 1))
        card.setShaderInput("v_cols", (1.0, 1.0))
        self._set_colour("bt601", False)

    def shader(self, layout: str | None = None) -> Shader:
        """The plain conversion shader for a layout (compiled once)."""
        layout = layout or self.layout or "yuv"
        if layout not in self._shaders:
            self._shaders[layout] = Shader.make(Shader.SL_GLSL, VERTEX, fragment(PLAIN, layout))
        return self._shaders[layout]

    def _set_colour(self, matrix: str, full_range: bool) -> None:
        m, off = yuv_coefficients(matrix, full_range)
        for i, name in enumerate(("yuv_r", "yuv_g", "yuv_b")):
            self.card.setShaderInput(name, Vec4(*(float(x) for x in m[i]), float(off[i])))
        self._colour = (matrix, full_range)

    def upload(self, frame: YuvFrame) -> bool:
        """Copy the planes into the textures; True when the layout changed (the caller
        then binds `shader()` again)."""
        changed = frame.layout != self.layout
        self.layout = frame.layout
        if (frame.matrix, frame.full_range) != self._colour:
            self._set_colour(frame.matrix, frame.full_range)
        shapes = [(p.shape[1], p.shape[0], 0) for p in frame.planes]
        if frame.layout == "nv12":  # the chroma plane: two bytes (U, V) a texel
            shapes[1] = (shapes[1][0] // 2, shapes[1][1], 1)
        if shapes != self._shapes:
            for tex, (w, h, two) in zip(self.textures, shapes, strict=False):
                fmt = Texture.F_rg if two else Texture.F_red
                tex.setup2dTexture(w, h, Texture.T_unsigned_byte, fmt)
            cols = [
                (float(pw) / (2 if frame.layout == "nv12" and i == 1 else 1), float(w))
                for i, (pw, (w, _, _)) in enumerate(zip(frame.widths, shapes, strict=False))
            ]
            self.card.setShaderInput("y_cols", Vec4(*cols[0], *cols[1]))
            self.card.setShaderInput("v_cols", cols[2] if len(cols) > 2 else (1.0, 1.0))
            self._shapes = shapes
        for tex, plane in zip(self.textures, frame.planes, strict=False):
            dst = np.frombuffer(memoryview(tex.modifyRamImage()), np.uint8)
            dst[...] = plane.reshape(-1)
        return changed
