"""Drawing tools for generated scenario footage: stylised figures with a simple skeleton,
scenes, and the polygons of hit zones that follow a figure. Used by make_demo.py.

No footage to license: every frame is drawn with OpenCV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

W, H, FPS = 854, 480, 30
PISTOL = (25, 25, 25)

# (skin, upper body, legs, shoes, hair), BGR
Palette = tuple[tuple[int, int, int], ...]
CIVILIAN: Palette = ((92, 125, 170), (70, 52, 40), (110, 80, 52), (30, 30, 34), (30, 32, 40))
HOODIE: Palette = ((60, 90, 140), (95, 95, 100), (45, 45, 50), (40, 40, 40), (20, 20, 25))
OFFICER: Palette = ((120, 160, 200), (60, 30, 20), (50, 25, 15), (15, 15, 15), (50, 60, 80))
GREEN_JACKET: Palette = ((80, 110, 150), (40, 90, 50), (90, 70, 60), (30, 30, 34), (35, 35, 45))


@dataclass(frozen=True)
class Pose:
    """A figure in frame pixels: feet centre x, ground y, standing height, lean (rad),
    arm angles (rad from hanging straight down, positive = raised outward), walk phase,
    fall angle (rad, body rotated about the feet), whether it holds a pistol."""

    x: float = W * 0.5
    ground: float = H * 0.92
    height: float = H * 0.66
    lean: float = 0.0
    l_sh: float = 0.15
    l_el: float = 0.1
    r_sh: float = 0.15
    r_el: float = 0.1
    walk: float | None = None
    fall: float = 0.0
    pistol: bool = False
    knife: bool = False
    palette: Palette = field(default_factory=lambda: CIVILIAN)


def _rot(v: np.ndarray, a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def joints(p: Pose) -> dict[str, np.ndarray]:
    h = p.height
    feet = np.array([p.x, p.ground])
    up = lambda dy, dx=0.0: _rot(np.array([dx, -dy]), p.fall)  # noqa: E731
    hip = feet + up(0.48 * h)
    neck = hip + _rot(up(0.30 * h), p.lean)
    j = {"feet": feet, "hip": hip, "neck": neck, "head": neck + up(0.09 * h)}
    swing = 0.35 * math.sin(p.walk) if p.walk is not None else 0.0
    for side, sgn, sh, el in (("l", -1, p.l_sh, p.l_el), ("r", 1, p.r_sh, p.r_el)):
        shoulder = neck + up(-0.02 * h, sgn * 0.12 * h)
        upper = -sgn * (sh + (-swing if side == "l" else swing))  # sh > 0: arm goes outward
        elbow = shoulder + _rot(up(-0.17 * h), upper)
        hand = elbow + _rot(up(-0.16 * h), upper - sgn * el)
        j[f"{side}_shoulder"], j[f"{side}_elbow"], j[f"{side}_hand"] = shoulder, elbow, hand
        hipj = hip + up(0.0, sgn * 0.05 * h)
        step = sgn * swing if p.walk is not None else 0.0
        j[f"{side}_hip"] = hipj
        j[f"{side}_knee"] = hipj + _rot(up(-0.24 * h, sgn * 0.01 * h), step)
        j[f"{side}_foot"] = j[f"{side}_knee"] + _rot(up(-0.24 * h, sgn * 0.01 * h), step * 0.5)
    return j


def _pt(v: np.ndarray) -> tuple[int, int]:
    return int(round(v[0] * 16)), int(round(v[1] * 16))  # 4 fractional bits for LINE_AA


def _line(img, a, b, color, width):
    cv2.line(img, _pt(a), _pt(b), color, max(1, int(width)), cv2.LINE_AA, shift=4)


def draw_figure(img: np.ndarray, p: Pose) -> None:
    j, h = joints(p), p.height
    skin, jacket, legs, shoes, hair = p.palette
    for side in ("l", "r"):
        _line(img, j[f"{side}_hip"], j[f"{side}_knee"], legs, 0.075 * h)
        _line(img, j[f"{side}_knee"], j[f"{side}_foot"], legs, 0.065 * h)
        _line(
            img,
            j[f"{side}_foot"],
            j[f"{side}_foot"] + _rot(np.array([0.03 * h * (-1 if side == "l" else 1), 0]), p.fall),
            shoes,
            0.05 * h,
        )
    torso = np.array(
        [
            j["l_shoulder"],
            j["r_shoulder"],
            j["hip"] + _rot(np.array([0.075 * h, 0]), p.fall),
            j["hip"] + _rot(np.array([-0.075 * h, 0]), p.fall),
        ]
    )
    cv2.fillConvexPoly(img, (torso * 16).astype(np.int32), jacket, cv2.LINE_AA, shift=4)
    _line(img, j["neck"], j["hip"], jacket, 0.17 * h)
    for side in ("l", "r"):
        _line(img, j[f"{side}_shoulder"], j[f"{side}_elbow"], jacket, 0.06 * h)
        _line(img, j[f"{side}_elbow"], j[f"{side}_hand"], jacket, 0.052 * h)
        cv2.circle(img, _pt(j[f"{side}_hand"]), int(0.028 * h * 16), skin, -1, cv2.LINE_AA, 4)
    if p.pistol:
        hand = j["r_hand"]
        d = hand - j["r_elbow"]
        d = d / (np.linalg.norm(d) + 1e-9)
        _line(img, hand - d * 0.01 * h, muzzle(p), PISTOL, 0.032 * h)
        _line(img, hand, hand + _rot(d, -1.3) * 0.045 * h, PISTOL, 0.026 * h)
    if p.knife:
        hand = j["r_hand"]
        d = hand - j["r_elbow"]
        d = d / (np.linalg.norm(d) + 1e-9)
        _line(img, hand, hand + d * 0.025 * h, (20, 20, 20), 0.022 * h)  # grip
        _line(img, hand + d * 0.025 * h, blade_tip(p), (215, 215, 225), 0.014 * h)
    _line(img, j["neck"], j["neck"] + _rot(np.array([0, -0.03 * h]), p.fall), skin, 0.05 * h)
    cv2.circle(img, _pt(j["head"]), int(0.065 * h * 16), skin, -1, cv2.LINE_AA, 4)
    hair_at = j["head"] + _rot(np.array([0, -0.025 * h]), p.fall)
    cv2.ellipse(
        img,
        _pt(hair_at),
        (int(0.066 * h * 16), int(0.045 * h * 16)),
        math.degrees(p.fall),
        180,
        360,
        hair,
        -1,
        cv2.LINE_AA,
        4,
    )


def doorway() -> np.ndarray:
    """A brick wall with a lit doorway and a pavement."""
    img = np.zeros((H, W, 3), np.uint8)
    rng = np.random.default_rng(7)
    wall_h = int(H * 0.80)
    img[:wall_h] = (58, 66, 104)
    for row, y in enumerate(range(0, wall_h, 18)):
        cv2.line(img, (0, y), (W, y), (44, 50, 80), 2)
        for x in range((row % 2) * 20, W, 40):
            cv2.line(img, (x, y), (x, y + 18), (44, 50, 80), 2)
            shade = int(rng.integers(-10, 10))
            img[y + 2 : y + 17, x + 2 : x + 38] = np.clip(
                img[y + 2 : y + 17, x + 2 : x + 38].astype(int) + shade, 0, 255
            )
    cv2.rectangle(img, (300, 70), (560, wall_h), (30, 30, 32), -1)  # door frame
    cv2.rectangle(img, (316, 86), (544, wall_h), (90, 140, 170), -1)  # lit interior
    cv2.rectangle(img, (620, 120), (760, 250), (40, 40, 44), -1)  # window
    cv2.rectangle(img, (630, 130), (750, 240), (120, 110, 80), -1)
    img[wall_h:] = (92, 96, 100)
    for y in range(wall_h, H, 26):
        cv2.line(img, (0, y), (W, y), (80, 84, 88), 1)
    return _vignette(img)


def blade_tip(p: Pose) -> np.ndarray:
    j = joints(p)
    d = j["r_hand"] - j["r_elbow"]
    return j["r_hand"] + d / (np.linalg.norm(d) + 1e-9) * 0.075 * p.height


def muzzle(p: Pose) -> np.ndarray:
    j = joints(p)
    d = j["r_hand"] - j["r_elbow"]
    return j["r_hand"] + d / (np.linalg.norm(d) + 1e-9) * 0.085 * p.height


def _vignette(img: np.ndarray) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    vignette = 1.0 - 0.35 * (((xx - W / 2) / (W / 2)) ** 2 + ((yy - H / 2) / (H / 2)) ** 2)
    return (img * vignette[..., None].clip(0.4, 1.0)).astype(np.uint8)


def interior() -> np.ndarray:
    """A living room: papered wall, a window at night, a sofa, a wooden floor."""
    img = np.zeros((H, W, 3), np.uint8)
    floor_y = int(H * 0.78)
    img[:floor_y] = (120, 140, 150)
    for x in range(0, W, 24):
        cv2.line(img, (x, 0), (x, floor_y), (112, 132, 142), 2)
    cv2.rectangle(img, (80, 90), (250, 260), (70, 60, 55), -1)
    cv2.rectangle(img, (92, 102), (238, 248), (70, 40, 25), -1)  # night outside
    cv2.line(img, (165, 102), (165, 248), (70, 60, 55), 6)
    cv2.rectangle(img, (560, 250), (800, 340), (50, 60, 110), -1)  # sofa
    cv2.rectangle(img, (560, 215), (800, 260), (45, 55, 100), -1)
    img[floor_y:] = (60, 95, 130)
    for y in range(floor_y, H, 14):
        cv2.line(img, (0, y), (W, y), (50, 80, 112), 1)
    return _vignette(img)


def street() -> np.ndarray:
    """A street at dusk: shop fronts, a kerb, the road."""
    img = np.zeros((H, W, 3), np.uint8)
    kerb_y = int(H * 0.74)
    img[:kerb_y] = (95, 85, 80)
    for i, x in enumerate(range(20, W, 210)):
        cv2.rectangle(img, (x, 90), (x + 180, kerb_y - 20), (60, 55, 50), -1)
        glow = (120, 170, 200) if i % 2 else (150, 150, 120)
        cv2.rectangle(img, (x + 12, 110), (x + 168, kerb_y - 60), glow, -1)
    img[kerb_y : kerb_y + 10] = (150, 150, 150)
    img[kerb_y + 10 :] = (70, 70, 72)
    for x in range(0, W, 90):
        cv2.line(img, (x, H - 30), (x + 45, H - 30), (160, 160, 160), 3)
    return _vignette(img)


# Zone polygons, normalized to the frame ------------------------------------------------


def _norm(pts) -> list[list[float]]:
    return [[round(float(p[0]) / W, 4), round(float(p[1]) / H, 4)] for p in pts]


def torso_poly(p: Pose) -> list[list[float]]:
    j, h = joints(p), p.height
    side = _rot(np.array([0.09 * h, 0]), p.fall)
    return _norm([j["neck"] - side, j["neck"] + side, j["hip"] + side, j["hip"] - side])


def head_poly(p: Pose) -> list[list[float]]:
    c, r = joints(p)["head"], 0.075 * p.height
    return _norm(
        [
            c + r * np.array([math.cos(a), math.sin(a)])
            for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)
        ]
    )


def body_poly(p: Pose) -> list[list[float]]:
    """The whole figure, head to feet, as an 8-sided hull (for no-shoot zones)."""
    pts = np.array(list(joints(p).values()))
    hull = cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2)
    idx = np.linspace(0, len(hull), 8, endpoint=False).astype(int)
    return _norm(list(hull[idx] + (hull[idx] - hull.mean(axis=0)) * 0.12))


def point_in(poly: list[list[float]]) -> tuple[float, float]:
    """A point well inside a zone polygon (its vertex centroid), normalized."""
    a = np.array(poly)
    return float(a[:, 0].mean()), float(a[:, 1].mean())
