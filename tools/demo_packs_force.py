"""The demo packs where the decision is to shoot or not (tools/demo_packs.py):
  demo   "The doorway": shoot / don't shoot (use of force)
  range  "The side door": a three-screen 180-degree theater pack (tools/demo_theater.py)
Imports tools.demo_pack_spec, tools.figures, tools.demo_poses, tools.demo_theater and
sim.hit_zones (pure); no engine, no writing.
"""

from __future__ import annotations

from sim.hit_zones import media_to_screen
from tools.demo_pack_spec import (
    FORCE_DECISION,
    SCREEN_ASPECT,
    VERBAL,
    Ambience,
    Line,
    PackSpec,
    SegmentSpec,
    ZoneSpec,
    item,
    key,
    one,
)
from tools.demo_poses import approach, comply, down, draw, flee, idle
from tools.demo_theater import (
    DRAW_S,
    FIRE_S,
    SCREENS,
    down_figures,
    fired_figures,
    pano_body,
    pano_torso,
    panorama_scene,
    range_script,
    street_figures,
    surrender_figures,
)
from tools.figures import H, W, body_poly, doorway, head_poly, point_in, torso_poly

# -- the doorway (use of force) ------------------------------------------------------------

DOORWAY_KEYS = (
    key("1", "Shows hands, complies", "comply"),
    key("2", "Draws a pistol", "draw"),
    key("3", "Turns and runs", "flee"),
)
SUBJECT = (ZoneSpec("subject", "no-shoot", -100, body_poly),)
#: What a community session asks the room at the waistband cue: the officer's options
#: (the branch labels say what the subject does), each leading to the subject's response.
DOORWAY_QUESTION = {
    "prompt": "His hand goes to his waistband. What would you do?",
    "choices": [
        {"label": "Take cover, give clear commands", "to": "comply"},
        {"label": "Draw and order him to stop", "to": "draw"},
        {"label": "Close in and grab his arm", "to": "flee"},
    ],
    "points": [
        "A hand moving to the waistband is ambiguous: it is a reason for caution and "
        "commands, not by itself a reason to shoot.",
        "Distance and cover buy time to see what the hand brings out.",
        "Deadly force is reasonable only against an imminent threat of death or serious "
        "injury, judged from what the officer knew at that moment.",
    ],
    "policy": ["use-of-force#2.1", "use-of-force#2.2", "use-of-force#3.1"],
    "discuss": [
        "What did you notice first, and what did you make of it?",
        "What would have changed your choice?",
        "How would you want an officer to treat you, or your family, at that door?",
    ],
}


def _doorway_script() -> tuple[dict, ...]:
    """Hold for a moment, branch to 'draw', miss once, then hit the torso."""
    branch_t, hit_media_t, miss_t = 2.5, 1.9, 4.0
    mx, my = point_in(torso_poly(draw(hit_media_t)))
    x, y = media_to_screen(mx, my, SCREEN_ASPECT, W / H)
    return (
        {"t": branch_t, "type": "key", "key": "2"},
        {"t": miss_t, "type": "shot", "x": 0.12, "y": 0.3, "weapon": "w1"},
        {
            "t": round(branch_t + hit_media_t, 3),
            "type": "shot",
            "x": round(x, 4),
            "y": round(y, 4),
            "weapon": "w1",
        },
    )


DOORWAY = PackSpec(
    folder="demo",
    title="Demo: the doorway",
    start="approach",
    scene=doorway,
    meta={
        "summary": "A person steps out of a doorway towards the officer. The instructor "
        "decides what happens next: they comply, draw a pistol, or run.",
        "category": "use-of-force",
        "difficulty": "basic",
        "duration_s": 15,
        "objectives": [
            "Identify a threat from behaviour, not assumption",
            "Give clear verbal commands before and during a confrontation",
            "Stop shooting when the threat stops",
        ],
        "policy_refs": [
            "Graham v. Connor, 490 U.S. 386 (1989)",
            "Agency use-of-force policy: deadly force",
        ],
        "guidebook": "guidebook.md",
        "environment": {"light": "day", "setting": "outdoor", "place": "residential doorway"},
        "subjects": [
            {
                "role": "subject",
                "age_band": "25-34",
                "gender": "male",
                "race_ethnicity": "unspecified (stylised figure)",
            }
        ],
    },
    segments=(
        SegmentSpec(
            "approach",
            6.0,
            one(approach),
            (*DOORWAY_KEYS, {"on": "end", "to": "standoff"}),
            SUBJECT,
            cues=(("hand to waistband", 4.0),),
            speech=(Line(1.0, 5, False), Line(3.2, 3, False)),
            sounds=(("dog", 1.5),),
            question=DOORWAY_QUESTION,
            views=("A bystander across the street",),
        ),
        SegmentSpec(
            "standoff",
            3.0,
            one(idle),
            DOORWAY_KEYS,
            SUBJECT,
            loop=True,
            speech=(Line(0.5, 4, False),),
        ),
        SegmentSpec(
            "comply",
            5.0,
            one(comply),
            (),
            SUBJECT,
            ending=True,
            speech=(Line(0.3, 6, False), Line(2.6, 4, False)),
        ),
        SegmentSpec(
            "draw",
            4.0,
            one(draw),
            (
                {"on": "hit", "zone": "head", "to": "down"},
                {"on": "hit", "zone": "torso", "to": "down"},
            ),
            (
                ZoneSpec("head", "threat", 10, head_poly),
                ZoneSpec("torso", "threat", 10, torso_poly),
            ),
            cues=(("weapon visible", 0.8),),
            ending=True,
            flash_at_s=3.3,
            speech=(Line(0.2, 3, True),),
        ),
        SegmentSpec("down", 3.0, one(down), cues=(("threat down", 0.0),), ending=True),
        SegmentSpec("flee", 4.0, one(flee), (), SUBJECT, ending=True, speech=(Line(0.2, 2, True),)),
    ),
    voice_hz=115.0,
    ambience=Ambience(60, 1500, 0.05),
    script=_doorway_script(),
    rubric={
        "pass_level": 3,
        "items": [
            VERBAL,
            item(
                "use-of-cover",
                "Use of cover",
                {
                    1: "Stands in the open in front of the doorway throughout",
                    4: "Moves to the door frame, but only after the subject steps out",
                    7: "Takes the door frame before contact and fires, if at all, from it",
                },
                policy=["use-of-force#2.2"],
            ),
            item(
                "threat-recognition",
                "Threat recognition",
                {
                    1: "No response to the drawn pistol",
                    4: "Responds to the pistol within about 1.5 s",
                    7: "Responds to the pistol within half a second of it appearing",
                },
                rule={
                    "kind": "reaction",
                    "cue": "weapon visible",
                    "levels_s": [0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
                },
                policy=["use-of-force#3.1"],
            ),
            FORCE_DECISION,
            item(
                "stop-when-threat-stops",
                "Stops when the threat stops",
                {
                    1: "Keeps firing at the subject on the ground",
                    3: "One more shot after the subject went down",
                    7: "Stops firing as the subject goes down and reassesses",
                },
                rule={"kind": "shots-after", "cue": "threat down", "levels": [7, 3, 1]},
                policy=["use-of-force#3.3"],
            ),
        ],
    },
    guidebook="""# The doorway

## Training points
- The subject's hands are the first thing to watch; the drift to the waistband at 4 s is
  ambiguous on purpose.
- A drawn pistol (the "weapon visible" cue) is where reaction time is measured from.

## Tactical
- Where was your cover when the subject stepped out? Could you have used the door frame?
- What commands did you give, and when?

## Legal, moral and ethical
- At which moment did deadly force become objectively reasonable (Graham v. Connor)?
- Would shooting the subject who ran have been justified? Why not?

## Human performance
- How long after the weapon appeared did you fire? What did you see first?
- Did you stop shooting when the subject went down?
""",
)

# -- the range theater: three screens, 180 degrees (tools/demo_theater.py) -----------------


def _range_spec() -> PackSpec:

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
                street_figures,
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
                down_figures,
                (),
                (bystander,),
                cues=(("threat down", 0.0),),
                ending=True,
            ),
            SegmentSpec(
                "fired",
                3.0,
                fired_figures,
                (),
                (bystander,),
                ending=True,
                flash_at_s=0.3,
            ),
            SegmentSpec(
                "surrender",
                3.0,
                surrender_figures,
                (),
                (bystander,),
                ending=True,
            ),
        ),
        voice_hz=130.0,
        ambience=Ambience(80, 2000, 0.05),
        script=range_script(),
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
