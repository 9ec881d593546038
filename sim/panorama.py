"""Panorama coordinates and the geometry of a multi-projector theater, as pure maths.

A theater pack's footage is a cylindrical panorama spanning `degrees` of arc, centred
straight ahead: panorama x runs 0..1 across the whole arc (angle = (x - 0.5) * degrees) and
y 0..1 from the top of the picture to the bottom. Zones, cues, shots and flashlight beams
of such a pack are in panorama coordinates, whichever screen they appear on.

Each projector shows an arc of angles (degrees, 0 ahead, negative to the left) through
its own picture ("content" coordinates s, t in 0..1, origin top-left): on a `curved`
(cylindrical) screen the angle is linear in s; on a `flat` screen the picture is a
perspective view of the cylinder, so the angle goes as atan and the panorama's height is
seen foreshortened by cos(angle off the screen's centre). Its warp places the picture on
the projector's output: an optional mesh grid (fine corrections) then a four-corner
keystone (a homography of the unit square onto the quad of its corners).

Soft-edge blending (Bourke): in an overlap each projector's light ramps by a curve
f(x) = 0.5 (2x)^p for x < 0.5, 1 - 0.5 (2(1-x))^p after, which with its mirror sums to 1
in linear light; the projector's pixel is the picture times f^(1/gamma).

The shader in engine/theater.py computes the same formulas per pixel; these functions are
what shots, mouse clicks, camera trackers, tests and benchmarks use. numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: How a theater pack is shown on one screen: the centre of the arc at its own aspect,
#: or the whole strip letterboxed.
SINGLE_SCREEN_MODES = ("window", "strip")
PROJECTIONS = ("flat", "curved")
IDENTITY_CORNERS = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


@dataclass(frozen=True)
class Panorama:
    """A theater pack's panorama: the arc its footage spans and how one screen shows it."""

    degrees: float
    single_screen: str = "window"

    def angle(self, x: float) -> float:
        return (x - 0.5) * self.degrees

    def x_at(self, angle_deg: float) -> float:
        return 0.5 + angle_deg / self.degrees


@dataclass(frozen=True)
class Warp:
    """Where the picture lands on the projector's output (normalized, origin top-left):
    `corners` for its top-left, top-right, bottom-right and bottom-left, and an optional
    `mesh`: rows x cols points, row by row, each where that grid position of the picture
    goes before the corners are applied (identity: an even grid of the unit square)."""

    corners: tuple[tuple[float, float], ...] = IDENTITY_CORNERS
    mesh: tuple[tuple[float, float], ...] = ()
    mesh_cols: int = 0
    mesh_rows: int = 0


@dataclass(frozen=True)
class Geometry:
    """One projector's view of the panorama: its arc (degrees) and projection, its warp."""

    arc: tuple[float, float]
    projection: str = "flat"
    warp: Warp = Warp()


# -- angles and the picture ------------------------------------------------------------


def content_to_angle(s, geo: Geometry):
    """The angle (degrees) seen at picture x `s` (0..1, scalar or array)."""
    a0, a1 = geo.arc
    if geo.projection == "curved":
        return a0 + np.asarray(s, np.float64) * (a1 - a0)
    centre, half = (a0 + a1) / 2, math.radians((a1 - a0) / 2)
    return centre + np.degrees(np.arctan((2 * np.asarray(s, np.float64) - 1) * math.tan(half)))


def angle_to_content(angle_deg, geo: Geometry):
    """The inverse of content_to_angle: picture x of an angle (outside 0..1 when the
    projector does not show it)."""
    a0, a1 = geo.arc
    if geo.projection == "curved":
        return (np.asarray(angle_deg, np.float64) - a0) / (a1 - a0)
    centre, half = (a0 + a1) / 2, math.radians((a1 - a0) / 2)
    off = np.radians(np.asarray(angle_deg, np.float64) - centre)
    return 0.5 + np.tan(off) / (2 * math.tan(half))


def height_scale(s, geo: Geometry):
    """How much of the panorama's height picture column `s` spans (1 at a flat screen's
    centre, cos of the angle off centre elsewhere; 1 everywhere on a curved screen)."""
    if geo.projection == "curved":
        return np.ones_like(np.asarray(s, np.float64))
    centre = (geo.arc[0] + geo.arc[1]) / 2
    return np.cos(np.radians(content_to_angle(s, geo) - centre))


def content_to_panorama(s, t, geo: Geometry, pano: Panorama):
    """Picture point (s, t) of a projector to panorama (x, y)."""
    x = pano.x_at(content_to_angle(s, geo))
    y = 0.5 + (np.asarray(t, np.float64) - 0.5) * height_scale(s, geo)
    return x, y


def panorama_to_content(x, y, geo: Geometry, pano: Panorama):
    """Panorama (x, y) to the projector's picture (s, t); outside 0..1 when not shown."""
    s = angle_to_content(pano.angle(np.asarray(x, np.float64)), geo)
    t = 0.5 + (np.asarray(y, np.float64) - 0.5) / height_scale(s, geo)
    return s, t


# -- blending --------------------------------------------------------------------------


def ramp(x, curve: float = 2.0):
    """Bourke's blend curve on 0..1: f(x) + f(1 - x) = 1."""
    x = np.clip(np.asarray(x, np.float64), 0.0, 1.0)
    low = 0.5 * np.power(2 * x, curve)
    high = 1.0 - 0.5 * np.power(2 * (1 - x), curve)
    return np.where(x < 0.5, low, high)


def blend_weight(angle_deg, arc, left_deg: float, right_deg: float, curve: float = 2.0):
    """The projector's share of the light at an angle, in linear light: ramps up over
    `left_deg` from its left edge and down over `right_deg` to its right edge."""
    a = np.asarray(angle_deg, np.float64)
    w = np.ones_like(a)
    if left_deg > 0:
        w = w * ramp((a - arc[0]) / left_deg, curve)
    if right_deg > 0:
        w = w * ramp((arc[1] - a) / right_deg, curve)
    inside = (a >= arc[0]) & (a <= arc[1])
    return np.where(inside, w, 0.0)


# -- warping ---------------------------------------------------------------------------


def homography(corners) -> np.ndarray:
    """The 3x3 map of the unit square's corners (0,0) (1,0) (1,1) (0,1) onto `corners`."""
    src = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, corners, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    h = np.linalg.solve(np.array(rows, np.float64), np.array(rhs, np.float64))
    return np.append(h, 1.0).reshape(3, 3)


def apply_homography(h: np.ndarray, x, y):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    return (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w, (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w


def _mesh_map(s, t, warp: Warp):
    """Bilinear interpolation of the mesh grid (identity without one)."""
    s, t = np.asarray(s, np.float64), np.asarray(t, np.float64)
    if not warp.mesh:
        return s, t
    cols, rows = warp.mesh_cols, warp.mesh_rows
    grid = np.asarray(warp.mesh, np.float64).reshape(rows, cols, 2)
    fx = np.clip(s, 0, 1) * (cols - 1)
    fy = np.clip(t, 0, 1) * (rows - 1)
    i0 = np.minimum(np.floor(fx).astype(int), cols - 2)
    j0 = np.minimum(np.floor(fy).astype(int), rows - 2)
    ax, ay = (fx - i0)[..., None], (fy - j0)[..., None]
    top = grid[j0, i0] * (1 - ax) + grid[j0, i0 + 1] * ax
    bottom = grid[j0 + 1, i0] * (1 - ax) + grid[j0 + 1, i0 + 1] * ax
    p = top * (1 - ay) + bottom * ay
    return p[..., 0], p[..., 1]


def content_to_output(s, t, warp: Warp):
    """Picture point (s, t) to the projector's output (normalized, origin top-left)."""
    ms, mt = _mesh_map(s, t, warp)
    return apply_homography(homography(warp.corners), ms, mt)


def output_to_content(x: float, y: float, warp: Warp) -> tuple[float, float]:
    """The inverse of content_to_output for one point: the homography's inverse, then a
    few Newton steps through the mesh."""
    hi = np.linalg.inv(homography(warp.corners))
    s, t = (float(v) for v in apply_homography(hi, x, y))
    if not warp.mesh:
        return s, t
    for _ in range(12):
        fx, fy = (float(v) for v in content_to_output(s, t, warp))
        ex, ey = fx - x, fy - y
        if abs(ex) + abs(ey) < 1e-9:
            break
        d = 1e-5
        jx = [
            (float(a) - f) / d
            for a, f in zip(content_to_output(s + d, t, warp), (fx, fy), strict=True)
        ]
        jy = [
            (float(a) - f) / d
            for a, f in zip(content_to_output(s, t + d, warp), (fx, fy), strict=True)
        ]
        det = jx[0] * jy[1] - jy[0] * jx[1]
        if abs(det) < 1e-12:
            break
        s -= (ex * jy[1] - ey * jy[0]) / det
        t -= (ey * jx[0] - ex * jx[1]) / det
    return s, t


def output_to_panorama(
    x: float, y: float, geo: Geometry, pano: Panorama
) -> tuple[float, float] | None:
    """A point on a projector's output (a click, a camera tracker's shot, normalized,
    origin top-left) to panorama (x, y); None off the picture or off the panorama."""
    s, t = output_to_content(x, y, geo.warp)
    if not (0.0 <= s <= 1.0 and 0.0 <= t <= 1.0):
        return None
    px, py = (float(v) for v in content_to_panorama(s, t, geo, pano))
    if not (0.0 <= px <= 1.0 and 0.0 <= py <= 1.0):
        return None
    return px, py


def panorama_to_output(
    x: float, y: float, geo: Geometry, pano: Panorama
) -> tuple[float, float] | None:
    """Where a panorama point appears on a projector's output; None if it does not."""
    s, t = (float(v) for v in panorama_to_content(x, y, geo, pano))
    if not (0.0 <= s <= 1.0 and 0.0 <= t <= 1.0):
        return None
    ox, oy = (float(v) for v in content_to_output(s, t, geo.warp))
    return ox, oy


# -- a theater laid out evenly -----------------------------------------------------------


def even_arcs(screens: int, degrees: float, overlap: float) -> list[tuple[float, float]]:
    """Arcs of `screens` projectors sharing `degrees` evenly, each overlapping its
    neighbour by `overlap` of its own width (0..0.5)."""
    width = degrees / (screens - (screens - 1) * overlap)
    step = width * (1 - overlap)
    return [(-degrees / 2 + k * step, -degrees / 2 + k * step + width) for k in range(screens)]


def single_screen_geometry(pano: Panorama, pano_aspect: float, screen_aspect: float) -> Geometry:
    """A theater pack on one screen: `window` shows the centre of the arc at the footage's
    own aspect (a crop, no distortion; the whole strip when the screen is wider), `strip`
    the whole arc letterboxed."""
    if pano.single_screen == "window" and pano_aspect > screen_aspect:
        half = pano.degrees * screen_aspect / pano_aspect / 2
        return Geometry((-half, half), "curved")
    w = min(1.0, pano_aspect / screen_aspect)
    h = min(1.0, screen_aspect / pano_aspect)
    x0, y0 = (1 - w) / 2, (1 - h) / 2
    corners = ((x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h))
    return Geometry((-pano.degrees / 2, pano.degrees / 2), "curved", Warp(corners))


def natural_aspect(geo: Geometry, size: tuple[int, int], pano_degrees: float) -> float:
    """The panorama aspect (width / height) whose pixels come out square at the centre of
    a projector of `size` pixels: footage shot for this theater has it."""
    w, h = size
    half = math.radians((geo.arc[1] - geo.arc[0]) / 2)
    # the height the picture spans on the cylinder (its radius 1), at the centre column
    curved = geo.projection == "curved"
    height = 2 * half * h / w if curved else h * math.tan(half) / (w / 2)
    return math.radians(pano_degrees) / height
