"""The projector shader of a theater: one pass that maps each pixel of a projector's
picture to the panorama (sim/panorama.py's formulas, per pixel), draws the shot markers
and the low light with flashlight cones in panorama coordinates (so both run on across
the seams: two projectors showing one panorama point light it the same), and applies the
soft-edge blend in linear light and the black-level lift. The warp is the card's mesh
(engine/theater.py); this pass sees only the picture coordinates (s, t).

The panorama comes from one BGR texture or from its YUV planes (`fragment`, PANO_RGB and
PANO_YUV). Uniforms (all vec4 so that one Vec4 each feeds them):
  arc       left deg, right deg, curved (1) or flat (0), the panorama's degrees
  edge      left soft edge deg, right soft edge deg, gamma, ramp curve
  extra2    black level, panorama aspect (width / height), marker radius (of the
            height), 0
  night     mix, ambient, desaturation, noise (engine/lowlight.py, whose LIGHT_GLSL and
            GRAIN_GLSL this pass shares)
  grain     this frame's grain (engine/lowlight.py grain_phase), 0, 0, 0
  extra     muzzle flash, time s, number of lights, number of markers
  lights[8] x, y (panorama), radius (of the height), intensity
  marks[16] x, y (panorama), 0, colour index
  colours[6] the marker colours
"""

from __future__ import annotations

from engine.lowlight import GRAIN_GLSL, LIGHT_GLSL
from engine.yuv_card import PLANES_RGB

MAX_MARKS = 16

VERTEX = """
#version 130
uniform mat4 p3d_ModelViewProjectionMatrix;
in vec4 p3d_Vertex;
in vec2 p3d_MultiTexCoord0;
noperspective out vec2 st;
void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    st = p3d_MultiTexCoord0;
}
"""

#: The panorama as RGB, from one BGR texture (`pano`) or from its Y, U and V planes converted
#: with the clips' own matrix and range (engine/yuv_card.py colour_inputs), clamped as an
#: 8-bit texture would be. The planes are the screens' planes side by side, each texture
#: exactly as wide as its picture, so one coordinate reads all three.
PANO_RGB = """
uniform sampler2D pano;
vec3 pano_rgb(vec2 p) {
    return texture(pano, p).rgb;
}
"""
PANO_YUV = (
    PLANES_RGB
    + """
vec3 pano_rgb(vec2 p) {
    return clamp(planes_rgb(p, p), 0.0, 1.0);
}
"""
)

BODY = (
    """
uniform vec4 arc;
uniform vec4 edge;
uniform vec4 extra2;
uniform vec4 night;
uniform vec4 extra;
uniform vec4 lights[8];
uniform vec4 marks[16];
uniform vec4 colours[6];
uniform vec4 grain;         // x: this frame's grain (engine/lowlight.py grain_phase)
noperspective in vec2 st;
out vec4 colour;
"""
    + LIGHT_GLSL
    + GRAIN_GLSL
    + """
float ramp(float x, float p) {
    x = clamp(x, 0.0, 1.0);
    return x < 0.5 ? 0.5 * pow(2.0 * x, p) : 1.0 - 0.5 * pow(2.0 * (1.0 - x), p);
}

void main() {
    float s = clamp(st.x, 0.0, 1.0);
    float t = st.y;
    float ang;
    float hs = 1.0;
    if (arc.z > 0.5) {
        ang = arc.x + s * (arc.y - arc.x);
    } else {
        float half_w = radians(0.5 * (arc.y - arc.x));
        float off = atan((2.0 * s - 1.0) * tan(half_w));
        ang = 0.5 * (arc.x + arc.y) + degrees(off);
        hs = cos(off);
    }
    vec2 p = vec2(0.5 + ang / arc.w, 0.5 + (t - 0.5) * hs);
    float aspect = extra2.y;
    vec3 day = vec3(0.0);
    if (p.x >= 0.0 && p.x <= 1.0 && p.y >= 0.0 && p.y <= 1.0) {
        day = pano_rgb(p);
    }
    // shot markers: a ring and centre dot with a dark outline, tinted per weapon
    int nm = int(extra.w);
    for (int i = 0; i < 16; ++i) {
        if (i >= nm) break;
        vec2 d = (p - marks[i].xy) * vec2(aspect, 1.0);
        float r = length(d) / extra2.z;
        float white = clamp(max(1.0 - abs(r - 0.62) / 0.16, 1.0 - r / 0.2), 0.0, 1.0);
        float outline = clamp(1.6 * max(1.0 - abs(r - 0.62) / 0.3, 1.0 - r / 0.32), 0.0, 1.0);
        vec3 tint = colours[int(marks[i].w)].rgb;
        day = mix(day, tint * white, outline);
    }
    // low light and flashlight cones, in panorama coordinates
    vec3 col = day;
    if (night.x > 0.0) {
        float lum = dot(day, vec3(0.299, 0.587, 0.114));
        float grain_weight;
        vec4 w = night_weights(cone_light(p, aspect, int(extra.z), extra.x), grain_weight);
        vec2 cell = floor(p * vec2(720.0 * aspect, 720.0));  // one grain per panorama cell
        col = day * w.x + lum * w.yzw + grain_noise(cell, grain.x) * grain_weight;
    }
    // soft edges in linear light; the black level lifted outside the overlaps
    float w = 1.0;
    float band = 0.0;
    if (edge.x > 0.0) {
        float x = (ang - arc.x) / edge.x;
        w *= ramp(x, edge.w);
        band = max(band, 1.0 - step(1.0, x));
    }
    if (edge.y > 0.0) {
        float x = (arc.y - ang) / edge.y;
        w *= ramp(x, edge.w);
        band = max(band, 1.0 - step(1.0, x));
    }
    if (edge.x > 0.0 || edge.y > 0.0 || extra2.x > 0.0) {  // uniform: no cost otherwise
        vec3 lin = pow(clamp(col, 0.0, 1.0), vec3(edge.z));
        lin = lin * w * (1.0 - extra2.x) + extra2.x * (1.0 - band);
        col = pow(lin, vec3(1.0 / edge.z));
    }
    colour = vec4(col, 1.0);
}
"""
)


def fragment(source: str = "rgb") -> str:
    """The projector shader reading the panorama from a BGR texture ("rgb") or from its YUV
    planes ("yuv"; "nv12": U and V interleaved in one texture, as hardware decoders give
    them)."""
    if source == "rgb":
        return "#version 130\n" + PANO_RGB + BODY
    return "#version 130\n" + ("#define NV12\n" if source == "nv12" else "") + PANO_YUV + BODY


FRAGMENT = fragment("rgb")
