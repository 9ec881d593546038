"""The demo packs where words and conduct decide (tools/demo_packs.py):
  crisis     "A person in crisis": de-escalation, coded verbal commands, OC spray
  intervene  "Duty to intervene": a partner's excessive force
Imports tools.demo_pack_spec, tools.figures and tools.demo_poses (pure); no engine, no
writing.
"""

from __future__ import annotations

from tools.demo_pack_spec import (
    FORCE_DECISION,
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
from tools.demo_poses import (
    agitated,
    bad_shoot,
    charge,
    crisis_down,
    escalates,
    knife,
    listening,
    resolved,
    restraint,
    sprayed,
    stopped,
)
from tools.figures import body_poly, interior, street

# -- a person in crisis (de-escalation) -----------------------------------------------------

CRISIS_SUBJECT = (ZoneSpec("subject", "no-shoot", -100, body_poly),)
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
