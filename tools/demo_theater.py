"""The theater demo pack's spec: "The side door", 180 degrees on three screens. A man in
the middle of the street shouts and waves his arms (he draws the eye, and he is no
threat); at 2.5 s a second man walks in on the right-hand screen and at 4.6 s draws a
pistol. Hit him and he goes down; let him be and he fires at 6.8 s; the instructor's key
1 has him drop the pistol instead.

The scene is a 1920x480 panorama (4:1, about the aspect three 16:9 flat screens around
180 degrees give), cut into three 640x480 clips played in lock-step; zones and the demo
script's shot are in panorama coordinates. tools/demo_packs_force.py builds the spec (RANGE)
from these; this module imports no other demo module but the figures and poses.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tools.demo_poses import agitated, comply, down, draw, idle
from tools.figures import GREEN_JACKET, HOODIE, Pose, W, body_poly, doorway, point_in, street
from tools.figures import torso_poly as _torso

SCREENS = 3
SCREEN_W = 640
PANO_W = SCREENS * SCREEN_W
CENTRE_X = PANO_W / 2
SIDE_X = 1660.0  # the gunman's spot: about 66 degrees right of centre
ENTER_S, DRAW_S, FIRE_S = 2.5, 4.0, 6.8


def panorama_scene() -> np.ndarray:
    """A street, a doorway in the middle, the street again mirrored: 1920x480."""
    wide = np.hstack([street(), doorway(), street()[:, ::-1]])
    x0 = (wide.shape[1] - PANO_W) // 2
    return np.ascontiguousarray(wide[:, x0 : x0 + PANO_W])


def _pano(poly_fn):
    """A zone outline (figures normalize by the 854-pixel frame) in panorama x, held on
    the panorama (a figure still off its edge leaves a sliver at the edge)."""

    def poly(p: Pose) -> list[list[float]]:
        return [[round(min(1.0, max(0.0, x * W / PANO_W)), 4), y] for x, y in poly_fn(p)]

    return poly


pano_torso = _pano(_torso)
pano_body = _pano(body_poly)


def shouter(t: float) -> Pose:
    p = agitated(t)
    return replace(p, x=CENTRE_X + (p.x - W / 2), palette=HOODIE)


def gunman(t: float) -> Pose:
    """Walks in from off the right edge, stops, draws."""
    if t < DRAW_S:
        a = min(1.0, max(0.0, (t - ENTER_S) / (DRAW_S - ENTER_S)))
        return Pose(
            x=PANO_W + 120 - (PANO_W + 120 - SIDE_X) * a, walk=t * 6.0, palette=GREEN_JACKET
        )
    return replace(draw(t - DRAW_S), x=SIDE_X, palette=GREEN_JACKET)


def range_script() -> tuple[dict, ...]:
    """One shot at the gunman's torso on the right-hand screen once the pistol is out."""
    shot_t = 5.3
    x, y = point_in(pano_torso(gunman(shot_t)))
    return ({"t": shot_t, "type": "shot", "x": round(x, 4), "y": round(y, 4), "weapon": "w1"},)


def street_figures(t: float) -> list[Pose]:
    return [gunman(t), shouter(t)]


def down_figures(t: float) -> list[Pose]:
    return [replace(down(t), x=SIDE_X, palette=GREEN_JACKET), shouter(2.0)]


def fired_figures(t: float) -> list[Pose]:
    return [replace(draw(2.0), x=SIDE_X, palette=GREEN_JACKET), shouter(t)]


def surrender_figures(t: float) -> list[Pose]:
    return [
        replace(comply(t), x=SIDE_X, palette=GREEN_JACKET),
        replace(idle(t), x=CENTRE_X, palette=HOODIE),
    ]
