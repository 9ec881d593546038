"""Generates the bundled demo pack: animated clips of a person at a doorway, the pack's
scenario.toml with hit zones that follow the figure, and a demo input script.

No footage to license: every frame is drawn here with OpenCV. Run
`sightline make-demo [DIR]` to rebuild it (the shipped copy lives in content/packs/demo).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from engine.video_out import H264Writer

W, H, FPS = 854, 480, 30
KEY_STEP_S = 0.2  # zone keyframe spacing
SKIN, JACKET, JEANS, SHOES = (92, 125, 170), (70, 52, 40), (110, 80, 52), (30, 30, 34)
PISTOL = (25, 25, 25)


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
    for side in ("l", "r"):
        _line(img, j[f"{side}_hip"], j[f"{side}_knee"], JEANS, 0.075 * h)
        _line(img, j[f"{side}_knee"], j[f"{side}_foot"], JEANS, 0.065 * h)
        _line(
            img,
            j[f"{side}_foot"],
            j[f"{side}_foot"] + _rot(np.array([0.03 * h * (-1 if side == "l" else 1), 0]), p.fall),
            SHOES,
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
    cv2.fillConvexPoly(img, (torso * 16).astype(np.int32), JACKET, cv2.LINE_AA, shift=4)
    _line(img, j["neck"], j["hip"], JACKET, 0.17 * h)
    for side in ("l", "r"):
        _line(img, j[f"{side}_shoulder"], j[f"{side}_elbow"], JACKET, 0.06 * h)
        _line(img, j[f"{side}_elbow"], j[f"{side}_hand"], JACKET, 0.052 * h)
        cv2.circle(img, _pt(j[f"{side}_hand"]), int(0.028 * h * 16), SKIN, -1, cv2.LINE_AA, 4)
    if p.pistol:
        hand = j["r_hand"]
        d = hand - j["r_elbow"]
        d = d / (np.linalg.norm(d) + 1e-9)
        _line(img, hand - d * 0.01 * h, muzzle(p), PISTOL, 0.032 * h)
        _line(img, hand, hand + _rot(d, -1.3) * 0.045 * h, PISTOL, 0.026 * h)
    _line(img, j["neck"], j["neck"] + _rot(np.array([0, -0.03 * h]), p.fall), SKIN, 0.05 * h)
    cv2.circle(img, _pt(j["head"]), int(0.065 * h * 16), SKIN, -1, cv2.LINE_AA, 4)
    hair = j["head"] + _rot(np.array([0, -0.025 * h]), p.fall)
    cv2.ellipse(
        img,
        _pt(hair),
        (int(0.066 * h * 16), int(0.045 * h * 16)),
        math.degrees(p.fall),
        180,
        360,
        (30, 32, 40),
        -1,
        cv2.LINE_AA,
        4,
    )


def background() -> np.ndarray:
    """A brick wall with a lit doorway and a pavement: drawn once, shared by every clip."""
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
    yy, xx = np.mgrid[0:H, 0:W]
    vignette = 1.0 - 0.35 * (((xx - W / 2) / (W / 2)) ** 2 + ((yy - H / 2) / (H / 2)) ** 2)
    return (img * vignette[..., None].clip(0.4, 1.0)).astype(np.uint8)


def _ease(a: float) -> float:
    a = min(max(a, 0.0), 1.0)
    return a * a * (3 - 2 * a)


def _idle(t: float, period: float = 3.0) -> Pose:
    s = math.sin(2 * math.pi * t / period)
    return Pose(lean=0.02 * s, l_sh=0.15 + 0.03 * s, r_sh=0.15 - 0.03 * s)


def approach(t: float) -> Pose:
    if t < 2.0:
        a = t / 2.0
        return Pose(x=W * (0.66 - 0.16 * a), height=H * (0.58 + 0.08 * a), walk=t * 7.0)
    p = _idle(t - 2.0)
    if t > 4.0:  # hands drift towards the waistband: ambiguous, on purpose
        a = _ease((t - 4.0) / 1.0)
        p = replace(p, r_sh=p.r_sh - 0.25 * a, r_el=0.1 + 0.9 * a)
    return p


def standoff(t: float) -> Pose:
    return _idle(t)


def comply(t: float) -> Pose:
    a = _ease(t / 1.2)
    return Pose(
        l_sh=0.15 + 2.6 * a,
        l_el=0.1 + 0.4 * a,
        r_sh=0.15 + 2.6 * a,
        r_el=0.1 + 0.4 * a,
        lean=-0.03 * a,
    )


def draw(t: float) -> Pose:
    """Right hand to the waistband, then the pistol comes up and out towards the door."""
    to_hip = _ease(t / 0.6)
    up = _ease((t - 0.7) / 0.6)
    return Pose(
        r_sh=0.15 - 0.35 * to_hip + 1.45 * up,
        r_el=0.1 + 0.8 * to_hip - 0.8 * up,
        pistol=t > 0.6,
        lean=0.05 * up,
    )


def muzzle(p: Pose) -> np.ndarray:
    j = joints(p)
    d = j["r_hand"] - j["r_elbow"]
    return j["r_hand"] + d / (np.linalg.norm(d) + 1e-9) * 0.085 * p.height


def down(t: float) -> Pose:
    """Hit while aiming: the pistol drops and the subject falls."""
    a = _ease(t / 1.0)
    aim = draw(4.0)
    return Pose(
        fall=1.45 * a,
        ground=H * 0.92 - 10 * a,
        l_sh=0.15 + 0.85 * a,
        r_sh=aim.r_sh - 0.6 * a,
        r_el=aim.r_el + 0.3 * a,
        lean=aim.lean * (1 - a),
        pistol=t < 0.25,
    )


def flee(t: float) -> Pose:
    a = _ease(t / 3.4)
    return Pose(x=W * (0.5 + 0.7 * a), walk=t * 11.0, lean=0.12 * min(t / 0.4, 1.0))


@dataclass(frozen=True)
class ClipSpec:
    name: str
    duration_s: float
    pose: Callable[[float], Pose]
    flash_at_s: float | None = None


CLIPS = (
    ClipSpec("approach", 6.0, approach),
    ClipSpec("standoff", 3.0, standoff),
    ClipSpec("comply", 5.0, comply),
    ClipSpec("draw", 4.0, draw, flash_at_s=3.3),
    ClipSpec("down", 3.0, down),
    ClipSpec("flee", 4.0, flee),
)


def render_clip(spec: ClipSpec, bg: np.ndarray, path: Path) -> None:
    with H264Writer(path, W, H, FPS, crf=26, preset="slow") as out:
        for i in range(round(spec.duration_s * FPS)):
            t = i / FPS
            img = bg.copy()
            pose = spec.pose(t)
            draw_figure(img, pose)
            if spec.flash_at_s is not None and 0 <= t - spec.flash_at_s < 0.1:
                hand = muzzle(pose)
                cv2.circle(img, _pt(hand), 40 * 16, (120, 230, 255), -1, cv2.LINE_AA, 4)
                cv2.circle(img, _pt(hand), 18 * 16, (240, 255, 255), -1, cv2.LINE_AA, 4)
            out.write(img, t)


# Hit zones --------------------------------------------------------------------------


def _norm(pts: list[np.ndarray]) -> list[list[float]]:
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
    j = joints(p)
    pts = np.array(list(j.values()))
    hull = cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2)
    # resample the hull to a fixed vertex count so keys interpolate
    idx = np.linspace(0, len(hull), 8, endpoint=False).astype(int)
    grown = hull[idx] + (hull[idx] - hull.mean(axis=0)) * 0.12
    return _norm(list(grown))


def zone_keys(spec: ClipSpec, poly: Callable[[Pose], list[list[float]]]) -> list[dict]:
    n = round(spec.duration_s / KEY_STEP_S)
    return [
        {"t": round(i * KEY_STEP_S, 3), "polygon": poly(spec.pose(i * KEY_STEP_S))}
        for i in range(n + 1)
    ]


# The manifest -----------------------------------------------------------------------

BRANCHES = (
    ("1", "Shows hands, complies", "comply"),
    ("2", "Draws a pistol", "draw"),
    ("3", "Turns and runs", "flee"),
)


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, float | int):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def manifest() -> str:
    specs = {c.name: c for c in CLIPS}
    lines = [
        "# Sightline scenario pack, format version 1 (docs/scenario-format.md).",
        "# Generated by `sightline make-demo`; the clips' hit zones follow the drawn figure.",
        "format_version = 1",
        'title = "Demo: the doorway"',
        'summary = "A person steps out of a doorway. The instructor decides what they do '
        'next: comply, draw a pistol, or run."',
        'start = "approach"',
    ]

    def segment(name, extra, transitions, zones):
        lines.extend(["", f"[segments.{name}]", f'clip = "media/{name}.mp4"'])
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in extra.items())
        for tr in transitions:
            lines.extend(["", f"[[segments.{name}.transitions]]"])
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in tr.items())
        for zname, role, poly in zones:
            lines.extend(
                [
                    "",
                    f"[[segments.{name}.zones]]",
                    f'name = "{zname}"',
                    f'role = "{role}"',
                    "keys = [",
                ]
            )
            lines.extend(f"  {_toml_value(k)}," for k in zone_keys(specs[name], poly))
            lines.append("]")

    keys = [{"on": "key", "key": k, "label": label, "to": to} for k, label, to in BRANCHES]
    subject = [("subject", "no-shoot", body_poly)]
    segment("approach", {}, [*keys, {"on": "end", "to": "standoff"}], subject)
    segment("standoff", {"loop": True}, keys, subject)
    segment("comply", {"ending": True}, [], subject)
    segment(
        "draw",
        {"ending": True},
        [{"on": "hit", "zone": "head", "to": "down"}, {"on": "hit", "zone": "torso", "to": "down"}],
        [("head", "threat", head_poly), ("torso", "threat", torso_poly)],
    )
    segment("down", {"ending": True}, [], [])
    segment("flee", {"ending": True}, [], subject)
    return "\n".join(lines) + "\n"


def demo_script(screen_aspect: float = 16 / 9) -> list[dict]:
    """The headless demo's inputs: hold for a moment, branch to 'draw', miss once, then
    hit the torso. Shot positions are the zone centres, mapped to the letterboxed screen."""
    branch_t, hit_media_t, miss_t = 2.5, 1.9, 4.0
    poly = np.array(torso_poly(draw(hit_media_t)))
    cx, cy = poly.mean(axis=0)
    media_aspect = W / H
    h = screen_aspect / media_aspect if media_aspect >= screen_aspect else 1.0
    w = media_aspect / screen_aspect if media_aspect < screen_aspect else 1.0
    sx, sy = (1 - w) / 2 + cx * w, (1 - h) / 2 + cy * h
    return [
        {"t": branch_t, "type": "key", "key": "2"},
        {"t": miss_t, "type": "shot", "x": 0.12, "y": 0.3, "weapon": "w1"},
        {
            "t": round(branch_t + hit_media_t, 3),
            "type": "shot",
            "x": round(float(sx), 4),
            "y": round(float(sy), 4),
            "weapon": "w1",
        },
    ]


def make_demo(out_dir: Path) -> list[Path]:
    media = out_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    bg = background()
    written = []
    for spec in CLIPS:
        path = media / f"{spec.name}.mp4"
        render_clip(spec, bg, path)
        written.append(path)
    (out_dir / "scenario.toml").write_text(manifest())
    script = out_dir / "demo-inputs.jsonl"
    script.write_text("".join(json.dumps(e) + "\n" for e in demo_script()))
    return [*written, out_dir / "scenario.toml", script]
