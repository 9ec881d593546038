"""How the demo packs' figures move: for each segment of each pack, a pose as a function of
the segment's time (s). The drawing itself (figures, scenes, zone polygons) is in
tools/figures.py; the packs that use these poses are in tools/demo_packs_*.py.

Imports tools.figures only (no cv2 drawing here, no sim, no engine).
"""

from __future__ import annotations

import math
from dataclasses import replace

from tools.figures import GREEN_JACKET, HOODIE, OFFICER, H, Pose, W


def _ease(a: float) -> float:
    a = min(max(a, 0.0), 1.0)
    return a * a * (3 - 2 * a)


# -- the doorway (use of force) ------------------------------------------------------------


def idle(t: float, period: float = 3.0) -> Pose:
    s = math.sin(2 * math.pi * t / period)
    return Pose(lean=0.02 * s, l_sh=0.15 + 0.03 * s, r_sh=0.15 - 0.03 * s)


def approach(t: float) -> Pose:
    if t < 2.0:
        a = t / 2.0
        return Pose(x=W * (0.66 - 0.16 * a), height=H * (0.58 + 0.08 * a), walk=t * 7.0)
    p = idle(t - 2.0)
    if t > 4.0:  # hands drift towards the waistband: ambiguous, on purpose
        a = _ease((t - 4.0) / 1.0)
        p = replace(p, r_sh=p.r_sh - 0.25 * a, r_el=0.1 + 0.9 * a)
    return p


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


# -- a person in crisis (de-escalation) -----------------------------------------------------


def agitated(t: float) -> Pose:
    s = math.sin(2 * math.pi * t / 3.0)
    g = abs(math.sin(3.1 * t))
    return Pose(
        x=W * (0.5 + 0.09 * s),
        walk=t * 6.0,
        palette=HOODIE,
        lean=0.04 * s,
        l_sh=0.3 + 0.7 * g,
        l_el=0.2 + 0.8 * g,
        r_sh=0.3 + 0.6 * (1 - g),
        r_el=0.2 + 0.7 * (1 - g),
    )


def listening(t: float) -> Pose:
    a = _ease(t / 2.0)
    return Pose(
        palette=HOODIE,
        lean=-0.04 * a,
        l_sh=0.5 - 0.35 * a,
        l_el=0.6 - 0.5 * a,
        r_sh=0.5 - 0.35 * a,
        r_el=0.6 - 0.5 * a,
    )


def knife(t: float) -> Pose:
    up = _ease((t - 1.2) / 0.6)
    return Pose(
        palette=HOODIE,
        knife=True,
        r_sh=0.2 + 0.9 * up,
        r_el=0.2 + 0.3 * up,
        lean=0.06 * up,
        l_sh=0.35,
        l_el=0.3,
    )


def sprayed(t: float) -> Pose:
    a = _ease(t / 0.5)
    return Pose(
        palette=HOODIE,
        lean=-0.12 * a,
        l_sh=0.15 + 0.45 * a,
        l_el=0.1 + 2.4 * a,
        r_sh=0.15 + 0.45 * a,
        r_el=0.1 + 2.4 * a,
        knife=t < 0.3,
    )


def resolved(t: float) -> Pose:
    a = _ease(t / 1.5)
    return Pose(
        palette=HOODIE,
        l_sh=0.15 + 0.5 * a,
        l_el=0.1 + 0.4 * a,
        r_sh=0.15 + 0.5 * a,
        r_el=0.1 + 0.4 * a,
        lean=-0.02,
    )


def crisis_down(t: float) -> Pose:
    a = _ease(t / 1.0)
    return Pose(
        palette=HOODIE,
        fall=1.45 * a,
        ground=H * 0.92 - 10 * a,
        l_sh=0.3 + 0.7 * a,
        r_sh=0.3 + 0.8 * a,
    )


def charge(t: float) -> Pose:
    a = _ease(t / 2.0)
    return Pose(
        palette=HOODIE,
        knife=True,
        height=H * (0.66 + 0.3 * a),
        ground=H * (0.92 + 0.07 * a),
        walk=t * 8.0,
        r_sh=1.1,
        r_el=0.5,
        lean=0.08,
    )


# -- duty to intervene ---------------------------------------------------------------------


def on_ground(t: float, rise: float = 0.0) -> Pose:
    return Pose(
        x=W * 0.36,
        palette=GREEN_JACKET,
        fall=1.45 - 0.35 * rise,
        ground=H * 0.9,
        l_sh=0.9,
        r_sh=0.4,
    )


def partner(t: float, rate: float, start: float = 2.0, back: float = 0.0) -> Pose:
    strike = 0.0 if t < start else 0.5 - 0.5 * math.cos(2 * math.pi * rate * (t - start))
    p = Pose(
        x=W * (0.6 + 0.1 * back),
        palette=OFFICER,
        lean=-0.28 * (1 - back),
        l_sh=0.5 * (1 - back) + 0.15,
        l_el=0.6 * (1 - back) + 0.1,
        r_sh=0.4 + 1.6 * strike * (1 - back),
        r_el=0.3 + 0.6 * strike * (1 - back),
    )
    return p


def restraint(t: float) -> list[Pose]:
    return [partner(t, 0.9), on_ground(t)]


def escalates(t: float) -> list[Pose]:
    return [partner(t, 1.6, start=0.0), on_ground(t)]


def stopped(t: float) -> list[Pose]:
    return [partner(0.0, 0.0, back=_ease(t / 1.2)), on_ground(t, rise=_ease((t - 1.0) / 1.5))]


def bad_shoot(t: float) -> list[Pose]:
    a = _ease(t / 1.0)
    return [replace(partner(0.0, 0.0), fall=-1.3 * a, lean=0.0), on_ground(t)]
