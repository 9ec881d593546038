"""The bundled demo packs, one PackSpec each: everything about a pack in one place (its
scene, segments and the figures drawn in them, hit zones, cues, transitions, what the
subject says, its sounds, its guidebook and its demo input script). Adding a pack is
adding one spec to PACKS; tools/make_demo.py turns the specs into files.

  demo       "The doorway": shoot / don't shoot (use of force)
  crisis     "A person in crisis": de-escalation, coded verbal commands, OC spray
  intervene  "Duty to intervene": a partner's excessive force

Together they use every trigger kind. Imports tools.figures, tools.demo_poses and
sim.hit_zones (pure); no engine, no writing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sim.hit_zones import media_to_screen
from tools.demo_poses import (
    agitated,
    approach,
    bad_shoot,
    charge,
    comply,
    crisis_down,
    down,
    draw,
    escalates,
    flee,
    idle,
    knife,
    listening,
    resolved,
    restraint,
    sprayed,
    stopped,
)
from tools.figures import (
    H,
    Pose,
    W,
    body_poly,
    doorway,
    head_poly,
    interior,
    point_in,
    street,
    torso_poly,
)

# -- what a pack is ------------------------------------------------------------------------

#: The trainee screen the demo input scripts are written for (their shots are in
#: trainee-screen coordinates, so the letterbox of this aspect is undone for them).
SCREEN_ASPECT = 16 / 9


@dataclass(frozen=True)
class ZoneSpec:
    """A hit zone that follows figure number `figure` of its segment (poly: its outline)."""

    name: str
    role: str
    points: int
    poly: Callable[[Pose], list[list[float]]]
    figure: int = 0


class Line(NamedTuple):
    """One thing the subject says: a synthesized voice (content/sounds.voice) that sounds
    like talking, not like words."""

    at_s: float  # into the segment
    syllables: int
    shout: bool


@dataclass(frozen=True)
class SegmentSpec:
    """One clip and its scenario segment. `figures(t_s)` are the poses drawn at t_s."""

    name: str
    duration_s: float
    figures: Callable[[float], list[Pose]]
    transitions: tuple[dict, ...] = ()
    zones: tuple[ZoneSpec, ...] = ()
    cues: tuple[tuple[str, float], ...] = ()  # (name, t s)
    loop: bool = False
    ending: bool = False
    flash_at_s: float | None = None  # muzzle flash (and report) from figure 0's pistol
    speech: tuple[Line, ...] = ()  # in the clip's soundtrack
    sounds: tuple[tuple[str, float], ...] = ()  # (bundled sound, t s), scheduled on top
    question: dict | None = None  # [segments.NAME.question]: a community session's question
    views: tuple[str, ...] = ()  # labels of alternate-view clips (NAME-view1.mp4, ...)


class Ambience(NamedTuple):
    """The room or street under the dialogue: band-limited noise."""

    low_hz: float
    high_hz: float
    level: float


@dataclass(frozen=True, kw_only=True)
class PackSpec:
    """Everything about one bundled pack; make_demo writes it to content/packs/<folder>."""

    folder: str
    title: str
    start: str
    scene: Callable[[], np.ndarray]  # the background every clip is drawn on
    meta: dict
    segments: tuple[SegmentSpec, ...]
    guidebook: str
    voice_hz: float  # the subject's voice pitch
    ambience: Ambience
    script: tuple[dict, ...]  # demo-inputs.jsonl: timed input events
    audio: dict = field(default_factory=dict)  # the manifest's [audio] level defaults
    rubric: dict | None = None  # the manifest's [rubric]: its keys, and "items" (a list)


def one(pose_fn: Callable[[float], Pose]) -> Callable[[float], list[Pose]]:
    return lambda t: [pose_fn(t)]


def key(k: str, label: str, to: str) -> dict:
    return {"on": "key", "key": k, "label": label, "to": to}


def item(item_id: str, label: str, anchors: dict[int, str], **extra) -> dict:
    """A rubric item: behaviour anchors by level, and optionally rule, critical."""
    return {"id": item_id, "label": label, **extra, "anchors": anchors}


#: Items more than one pack scores the same way.
FORCE_DECISION = item(
    "force-decision",
    "Force decision",
    {
        1: "Fires on a person who is no threat (a no-shoot hit)",
        4: "Holds fire on those who are no threat, but with the muzzle on them",
        7: "Force only on a present threat, stopped the moment it ends",
    },
    rule={"kind": "no-shoot-hits"},
    critical=True,
    policy=["use-of-force#3.1", "use-of-force#3.2"],
)
VERBAL = item(
    "verbal-commands",
    "Verbal commands",
    {
        1: "No commands, or commands that escalate (insults, threats)",
        3: "Commands given, but late, vague or contradictory",
        5: "Clear, loud, short commands before any force",
        7: "Clear commands early, repeated, adapted to the response; explains consequences",
    },
    rule={"kind": "verbal-before-shot"},
    policy=["use-of-force#2.1"],
)


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

# -- a person in crisis (de-escalation) -----------------------------------------------------

CRISIS_SUBJECT = (ZoneSpec("subject", "no-shoot", -100, body_poly),)
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
CRISIS = PackSpec(
    folder="crisis",
    title="A person in crisis",
    start="agitated",
    scene=interior,
    meta={
        "summary": "A distressed resident paces their living room, shouting. Verbal "
        "de-escalation can calm them; time pressure or a knife can escalate.",
        "category": "de-escalation",
        "difficulty": "intermediate",
        "duration_s": 20,
        "objectives": [
            "Use time, distance and calm verbal commands to de-escalate",
            "Recognise escalation and choose a less-lethal option",
            "Hold fire when the subject is not a threat",
        ],
        "policy_refs": [
            "PERF ICAT: Integrating Communications, Assessment, and Tactics",
            "Agency policy: response to persons in mental-health crisis",
        ],
        "guidebook": "guidebook.md",
        "environment": {"light": "night", "setting": "indoor", "place": "apartment"},
        "subjects": [
            {
                "role": "subject in crisis",
                "age_band": "18-24",
                "gender": "female",
                "race_ethnicity": "unspecified (stylised figure)",
            }
        ],
    },
    segments=(
        SegmentSpec(
            "agitated",
            6.0,
            one(agitated),
            (
                {"on": "action", "action": "verbal-command", "to": "listening"},
                # the trainee's own words, heard on --trainee-mic (issue 17)
                {"on": "said", "phrases": ["let's talk", "i'm here to help"], "to": "listening"},
                key("1", "Calms down", "listening"),
                key("2", "Produces a knife", "knife"),
                {"on": "time", "at": 5.5, "to": "knife"},
                {"on": "shot", "to": "down"},
            ),
            CRISIS_SUBJECT,
            cues=(("fists clenched", 3.0),),
            speech=(Line(0.5, 4, True), Line(2.5, 5, True), Line(4.6, 3, True)),
        ),
        SegmentSpec(
            "listening",
            6.0,
            one(listening),
            (
                {"on": "no-shot", "by": 5.0, "to": "resolved"},
                {"on": "shot", "to": "down"},
                key("2", "Produces a knife", "knife"),
            ),
            CRISIS_SUBJECT,
            speech=(Line(0.6, 6, False), Line(3.2, 5, False)),
        ),
        SegmentSpec(
            "knife",
            5.0,
            one(knife),
            (
                {"on": "hit", "role": "threat", "weapon": "oc", "to": "sprayed"},
                {"on": "hit", "role": "threat", "weapon": "firearm", "to": "down"},
                {"on": "end", "to": "charge"},
            ),
            (ZoneSpec("subject", "threat", 10, body_poly),),
            cues=(("knife visible", 0.4), ("knife raised", 1.5)),
            speech=(Line(0.3, 4, True), Line(2.2, 3, True)),
        ),
        SegmentSpec("sprayed", 3.0, one(sprayed), ending=True, speech=(Line(0.2, 3, True),)),
        SegmentSpec("resolved", 3.0, one(resolved), ending=True, speech=(Line(0.5, 5, False),)),
        SegmentSpec("down", 3.0, one(crisis_down), ending=True),
        SegmentSpec("charge", 2.5, one(charge), ending=True, speech=(Line(0.1, 3, True),)),
    ),
    voice_hz=215.0,
    ambience=Ambience(40, 400, 0.03),
    script=({"t": 2.0, "type": "action", "action": "verbal-command"},),
    audio={"distractor": 60},
    rubric={
        "pass_level": 4,
        "items": [
            VERBAL,
            item(
                "time-and-distance",
                "Time and distance",
                {
                    1: "Closes in on the subject, or corners them",
                    4: "Keeps a safe distance but does not use it to slow things down",
                    7: "Keeps distance and an exit, and uses the time to talk",
                },
                policy=["use-of-force#2.2", "crisis-response#3"],
            ),
            item(
                "threat-recognition",
                "Threat recognition",
                {
                    1: "Does not react to the knife",
                    4: "Reacts to the knife within about 1.5 s",
                    7: "Reacts to the knife the moment it appears",
                },
                rule={
                    "kind": "reaction",
                    "cue": "knife visible",
                    "response": "any",
                    "levels_s": [0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
                },
                policy=["crisis-response#3"],
            ),
            FORCE_DECISION,
            item(
                "less-lethal-choice",
                "Less-lethal choice",
                {
                    1: "Deadly force on a subject a less-lethal option would have stopped",
                    4: "Less-lethal option chosen, late",
                    7: "Less-lethal option chosen and announced as the knife comes up",
                },
                policy=["use-of-force#3.1"],
            ),
        ],
    },
    guidebook="""# A person in crisis

## Training points
- Code a verbal command (key V) when the trainee gives one: it is what calms the subject.
- If no one speaks, the subject escalates at 5.5 s and produces a knife.
- OC spray on the armed subject ends the scenario without deadly force.

## Tactical
- How much distance did you keep? Where would you go if the subject advanced?
- Which less-lethal option was available, and when was it appropriate?

## Legal, moral and ethical
- Was the unarmed, shouting subject ever a lawful target? What changed with the knife?
- What does your agency's crisis-response policy ask of you before force?

## Human performance
- How did the shouting affect your own voice and breathing?
- How long did you take to notice the knife after the "knife visible" cue?
""",
)

# -- duty to intervene ---------------------------------------------------------------------

PARTNER_AND_DETAINED = (
    ZoneSpec("partner", "no-shoot", -100, body_poly, 0),
    ZoneSpec("detained", "no-shoot", -100, body_poly, 1),
)

INTERVENE = PackSpec(
    folder="intervene",
    title="Duty to intervene",
    start="restraint",
    scene=street,
    meta={
        "summary": "A handcuffed man is on the ground; your partner starts striking him. "
        "The trainee must step in and stop it.",
        "category": "duty-to-intervene",
        "difficulty": "intermediate",
        "duration_s": 12,
        "objectives": [
            "Recognise excessive force by a colleague",
            "Intervene verbally and physically, early",
            "Report the incident",
        ],
        "policy_refs": [
            "ABLE Project (Active Bystandership for Law Enforcement)",
            "Agency policy: duty to intervene and report",
        ],
        "guidebook": "guidebook.md",
        "environment": {"light": "low-light", "setting": "outdoor", "place": "shopping street"},
        "subjects": [
            {
                "role": "partner officer",
                "age_band": "35-44",
                "gender": "male",
                "race_ethnicity": "unspecified (stylised figure)",
            },
            {
                "role": "detained person",
                "age_band": "45-54",
                "gender": "male",
                "race_ethnicity": "unspecified (stylised figure)",
            },
        ],
    },
    segments=(
        SegmentSpec(
            "restraint",
            6.0,
            restraint,
            (
                {"on": "action", "action": "intervened", "to": "stopped"},
                key("1", "Partner stops on their own", "stopped"),
                {"on": "time", "at": 5.0, "to": "escalates"},
                {"on": "hit", "role": "no-shoot", "to": "bad-shoot"},
            ),
            PARTNER_AND_DETAINED,
            cues=(("strikes begin", 2.0),),
            speech=(Line(0.5, 3, True), Line(2.6, 4, True)),
            sounds=(("crowd", 0.0),),
        ),
        SegmentSpec(
            "escalates",
            4.0,
            escalates,
            (
                {"on": "action", "action": "intervened", "to": "stopped"},
                {"on": "hit", "role": "no-shoot", "to": "bad-shoot"},
            ),
            PARTNER_AND_DETAINED,
            ending=True,
            speech=(Line(0.3, 4, True),),
        ),
        SegmentSpec("stopped", 3.0, stopped, ending=True, speech=(Line(0.6, 4, False),)),
        SegmentSpec("bad-shoot", 2.5, bad_shoot, ending=True),
    ),
    voice_hz=125.0,
    ambience=Ambience(80, 3000, 0.06),
    script=({"t": 3.0, "type": "action", "action": "intervened"},),
    rubric={
        "pass_level": 4,
        "items": [
            item(
                "intervening",
                "Intervening",
                {
                    1: "Does not intervene; watches the strikes",
                    4: "Intervenes within about 2 s of the first strike",
                    7: "Steps in at the first strike, between partner and detained man",
                },
                rule={
                    "kind": "reaction",
                    "cue": "strikes begin",
                    "response": "intervened",
                    "levels_s": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
                },
                critical=True,
                policy=["use-of-force#4"],
            ),
            item(
                "verbal-commands",
                "Verbal commands",
                {
                    1: "Says nothing, or joins in",
                    4: "Tells the partner to stop, once",
                    7: "Short, commanding words to the partner by name, repeated until he stops",
                },
            ),
            FORCE_DECISION,
            item(
                "reporting",
                "Reporting",
                {
                    1: "Does not mean to report what happened",
                    4: "Would report it, but cannot say to whom",
                    7: "Names the supervisor and the report to be made, at once",
                },
                policy=["use-of-force#4"],
            ),
        ],
    },
    guidebook="""# Duty to intervene

## Training points
- Code the intervention (key I) the moment the trainee steps in or tells the partner to stop.
- The strikes begin at 2 s ("strikes begin" cue): the intervention time is measured from it.
- Without an intervention the force escalates at 5 s.

## Tactical
- How did you physically position yourself between your partner and the detained man?
- What words did you use? Were they short and commanding?

## Legal, moral and ethical
- What does the duty to intervene require of you, and what happens to officers who do not?
- How and to whom will you report what you saw?

## Human performance
- What made it hard to step in against a colleague? How long did you hesitate?
""",
)

PACKS = (DOORWAY, CRISIS, INTERVENE)
