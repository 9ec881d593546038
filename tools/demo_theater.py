"""The theater demo pack's spec: "The side door", 180 degrees on three screens. A man in
the middle of the street shouts and waves his arms (he draws the eye, and he is no
threat); at 2.5 s a second man walks in on the right-hand screen and at 4.6 s draws a
pistol. Hit him and he goes down; let him be and he fires at 6.8 s; the instructor's key
1 has him drop the pistol instead.

The scene is a 1920x480 panorama (4:1, about the aspect three 16:9 flat screens around
180 degrees give), cut into three 640x480 clips played in lock-step; zones and the demo
script's shot are in panorama coordinates. Imported by tools/demo_packs.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tools.demo_poses import agitated, comply, down, draw, idle
from tools.figures import GREEN_JACKET, HOODIE, W, Pose, body_poly, doorway, point_in, street
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
        return Pose(x=PANO_W + 120 - (PANO_W + 120 - SIDE_X) * a, walk=t * 6.0, palette=GREEN_JACKET)
    return replace(draw(t - DRAW_S), x=SIDE_X, palette=GREEN_JACKET)


def _script() -> tuple[dict, ...]:
    """One shot at the gunman's torso on the right-hand screen once the pistol is out."""
    shot_t = 5.3
    x, y = point_in(pano_torso(gunman(shot_t)))
    return ({"t": shot_t, "type": "shot", "x": round(x, 4), "y": round(y, 4), "weapon": "w1"},)


def _range_spec():
    from tools.demo_packs import (
        FORCE_DECISION,
        Ambience,
        Line,
        PackSpec,
        SegmentSpec,
        ZoneSpec,
        item,
        key,
    )

    bystander = ZoneSpec("shouter", "no-shoot", -100, pano_body, figure=1)
    return PackSpec(
        folder="range",
        title="Theater demo: the side door",
        start="street",
        scene=panorama_scene,
        meta={
            "summary": "Three screens, 180 degrees: a man shouting in the middle of the "
            "street holds the eye while another walks in on the right-hand screen and "
            "draws a pistol.",
            "category": "active-threat",
            "difficulty": "intermediate",
            "duration_s": 12,
            "objectives": [
                "Scan the whole arc, not only the loudest person",
                "Identify the threat on the side screen before it fires",
            ],
            "policy_refs": ["Graham v. Connor, 490 U.S. 386 (1989)"],
            "guidebook": "guidebook.md",
            "environment": {"light": "day", "setting": "outdoor", "place": "street, doorway"},
            "subjects": [
                {
                    "role": "shouting man",
                    "age_band": "25-34",
                    "gender": "male",
                    "race_ethnicity": "unspecified (stylised figure)",
                },
                {
                    "role": "armed man",
                    "age_band": "35-44",
                    "gender": "male",
                    "race_ethnicity": "unspecified (stylised figure)",
                },
            ],
        },
        panorama={"degrees": 180.0, "single_screen": "window"},
        screens=SCREENS,
        segments=(
            SegmentSpec(
                "street",
                7.0,
                lambda t: [gunman(t), shouter(t)],
                (
                    {"on": "hit", "zone": "gunman", "to": "down"},
                    key("1", "Armed man drops the pistol", "surrender"),
                    {"on": "time", "at": FIRE_S, "to": "fired"},
                ),
                (ZoneSpec("gunman", "threat", 10, pano_torso), bystander),
                cues=(("side threat", DRAW_S + 0.6),),
                speech=(Line(0.4, 6, True), Line(2.2, 5, True), Line(4.4, 4, True)),
            ),
            SegmentSpec(
                "down",
                3.0,
                lambda t: [replace(down(t), x=SIDE_X, palette=GREEN_JACKET), shouter(2.0)],
                (),
                (bystander,),
                cues=(("threat down", 0.0),),
                ending=True,
            ),
            SegmentSpec(
                "fired",
                3.0,
                lambda t: [replace(draw(2.0), x=SIDE_X, palette=GREEN_JACKET), shouter(t)],
                (),
                (bystander,),
                ending=True,
                flash_at_s=0.3,
            ),
            SegmentSpec(
                "surrender",
                3.0,
                lambda t: [
                    replace(comply(t), x=SIDE_X, palette=GREEN_JACKET),
                    replace(idle(t), x=CENTRE_X, palette=HOODIE),
                ],
                (),
                (bystander,),
                ending=True,
            ),
        ),
        voice_hz=130.0,
        ambience=Ambience(80, 2000, 0.05),
        script=_script(),
        rubric={
            "pass_level": 3,
            "items": [
                item(
                    "threat-recognition",
                    "Threat recognition on the side screen",
                    {
                        1: "Never looks away from the shouting man",
                        4: "Finds the pistol within about 1.5 s",
                        7: "Finds the pistol within half a second",
                    },
                    rule={
                        "kind": "reaction",
                        "cue": "side threat",
                        "levels_s": [0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
                    },
                ),
                FORCE_DECISION,
            ],
        },
        guidebook="""# The side door

## Training points
- The shouting man in the middle is loud and close, and no threat: he is there to hold
  the eye.
- The armed man walks in on the right-hand screen at 2.5 s and draws at 4.0 s; the
  "side threat" cue (pistol out) is where reaction time is measured from.

## Tactical
- When did you first look at the right-hand screen? What made you look?
- Did a shot at the armed man put the shouting man at risk?

## Legal, moral and ethical
- At which moment did deadly force become objectively reasonable (Graham v. Connor)?

## Human performance
- Attention narrows under stress: how much of the 180 degrees did you scan?
""",
    )


RANGE = _range_spec()
