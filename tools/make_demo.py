"""Generates the bundled demo packs: animated clips, each pack's scenario.toml with hit
zones that follow the drawn figures, a guidebook and a demo input script.

  demo       "The doorway": shoot / don't shoot (use of force)
  crisis     "A person in crisis": de-escalation, coded verbal commands, OC spray
  intervene  "Duty to intervene": a partner's excessive force

Together they use every trigger kind. Run `sightline make-demo [DIR]` to rebuild them
(the shipped copies live in content/packs/).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from content import sounds
from engine.video_out import H264Writer
from tools.figures import (
    FPS,
    GREEN_JACKET,
    HOODIE,
    OFFICER,
    H,
    Pose,
    W,
    body_poly,
    doorway,
    draw_figure,
    head_poly,
    interior,
    muzzle,
    point_in,
    street,
    torso_poly,
)

KEY_STEP_S = 0.2  # zone keyframe spacing


def _ease(a: float) -> float:
    a = min(max(a, 0.0), 1.0)
    return a * a * (3 - 2 * a)


# -- the doorway (use of force) ------------------------------------------------------------


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


# -- pack specifications -------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneSpec:
    name: str
    role: str
    points: int
    poly: Callable[[Pose], list[list[float]]]
    figure: int = 0


@dataclass(frozen=True)
class SegmentSpec:
    name: str
    duration_s: float
    figures: Callable[[float], list[Pose]]
    transitions: tuple[dict, ...] = ()
    zones: tuple[ZoneSpec, ...] = ()
    cues: tuple[tuple[str, float], ...] = ()
    loop: bool = False
    ending: bool = False
    flash_at_s: float | None = None  # muzzle flash from figure 0's pistol


@dataclass(frozen=True)
class PackSpec:
    folder: str
    title: str
    start: str
    scene: Callable[[], np.ndarray]
    meta: dict
    segments: tuple[SegmentSpec, ...]
    guidebook: str
    script: list[dict] = field(default_factory=list)


def one(pose_fn: Callable[[float], Pose]) -> Callable[[float], list[Pose]]:
    return lambda t: [pose_fn(t)]


def key(k: str, label: str, to: str) -> dict:
    return {"on": "key", "key": k, "label": label, "to": to}


DOORWAY_KEYS = (
    key("1", "Shows hands, complies", "comply"),
    key("2", "Draws a pistol", "draw"),
    key("3", "Turns and runs", "flee"),
)
SUBJECT = (ZoneSpec("subject", "no-shoot", -100, body_poly),)

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
        ),
        SegmentSpec("standoff", 3.0, one(_idle), DOORWAY_KEYS, SUBJECT, loop=True),
        SegmentSpec("comply", 5.0, one(comply), (), SUBJECT, ending=True),
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
        ),
        SegmentSpec("down", 3.0, one(down), ending=True),
        SegmentSpec("flee", 4.0, one(flee), (), SUBJECT, ending=True),
    ),
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
                key("1", "Calms down", "listening"),
                key("2", "Produces a knife", "knife"),
                {"on": "time", "at": 5.5, "to": "knife"},
                {"on": "shot", "to": "down"},
            ),
            CRISIS_SUBJECT,
            cues=(("fists clenched", 3.0),),
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
        ),
        SegmentSpec("sprayed", 3.0, one(sprayed), ending=True),
        SegmentSpec("resolved", 3.0, one(resolved), ending=True),
        SegmentSpec("down", 3.0, one(crisis_down), ending=True),
        SegmentSpec("charge", 2.5, one(charge), ending=True),
    ),
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
            (
                ZoneSpec("partner", "no-shoot", -100, body_poly, 0),
                ZoneSpec("detained", "no-shoot", -100, body_poly, 1),
            ),
            cues=(("strikes begin", 2.0),),
        ),
        SegmentSpec(
            "escalates",
            4.0,
            escalates,
            (
                {"on": "action", "action": "intervened", "to": "stopped"},
                {"on": "hit", "role": "no-shoot", "to": "bad-shoot"},
            ),
            (
                ZoneSpec("partner", "no-shoot", -100, body_poly, 0),
                ZoneSpec("detained", "no-shoot", -100, body_poly, 1),
            ),
            ending=True,
        ),
        SegmentSpec("stopped", 3.0, stopped, ending=True),
        SegmentSpec("bad-shoot", 2.5, bad_shoot, ending=True),
    ),
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


def _doorway_script(screen_aspect: float = 16 / 9) -> list[dict]:
    """Hold for a moment, branch to 'draw', miss once, then hit the torso."""
    branch_t, hit_media_t, miss_t = 2.5, 1.9, 4.0
    x, y = to_screen(point_in(torso_poly(draw(hit_media_t))), screen_aspect)
    return [
        {"t": branch_t, "type": "key", "key": "2"},
        {"t": miss_t, "type": "shot", "x": 0.12, "y": 0.3, "weapon": "w1"},
        {"t": round(branch_t + hit_media_t, 3), "type": "shot", "x": x, "y": y, "weapon": "w1"},
    ]


def to_screen(media_xy: tuple[float, float], screen_aspect: float = 16 / 9) -> tuple[float, float]:
    """Media-normalized point to trainee-screen-normalized, undoing the letterbox."""
    media_aspect = W / H
    h = screen_aspect / media_aspect if media_aspect >= screen_aspect else 1.0
    w = media_aspect / screen_aspect if media_aspect < screen_aspect else 1.0
    return (round((1 - w) / 2 + media_xy[0] * w, 4), round((1 - h) / 2 + media_xy[1] * h, 4))


SCRIPTS = {
    "demo": _doorway_script,
    "crisis": lambda: [{"t": 2.0, "type": "action", "action": "verbal-command"}],
    "intervene": lambda: [{"t": 3.0, "type": "action", "action": "intervened"}],
}


# -- sound ----------------------------------------------------------------------------------

#: What the subject says, by (pack, segment): (start s, syllables, shouted). A synthesized
#: voice (content/sounds.voice): it sounds like talking, not like words.
SPEECH: dict[tuple[str, str], tuple[tuple[float, int, bool], ...]] = {
    ("demo", "approach"): ((1.0, 5, False), (3.2, 3, False)),
    ("demo", "standoff"): ((0.5, 4, False),),
    ("demo", "comply"): ((0.3, 6, False), (2.6, 4, False)),
    ("demo", "draw"): ((0.2, 3, True),),
    ("demo", "flee"): ((0.2, 2, True),),
    ("crisis", "agitated"): ((0.5, 4, True), (2.5, 5, True), (4.6, 3, True)),
    ("crisis", "listening"): ((0.6, 6, False), (3.2, 5, False)),
    ("crisis", "knife"): ((0.3, 4, True), (2.2, 3, True)),
    ("crisis", "sprayed"): ((0.2, 3, True),),
    ("crisis", "resolved"): ((0.5, 5, False),),
    ("crisis", "charge"): ((0.1, 3, True),),
    ("intervene", "restraint"): ((0.5, 3, True), (2.6, 4, True)),
    ("intervene", "escalates"): ((0.3, 4, True),),
    ("intervene", "stopped"): ((0.6, 4, False),),
}
VOICE_HZ = {"demo": 115.0, "crisis": 215.0, "intervene": 125.0}
#: The room or street under the dialogue: (low Hz, high Hz, level).
AMBIENCE = {"demo": (60, 1500, 0.05), "crisis": (40, 400, 0.03), "intervene": (80, 3000, 0.06)}
#: Sounds the packs schedule on top of their clips (bundled ones), and level defaults.
PACK_SOUNDS = {("demo", "approach"): (("dog", 1.5),), ("intervene", "restraint"): (("crowd", 0.0),)}
PACK_AUDIO = {"crisis": {"distractor": 60}}


def soundtrack(folder: str, spec: SegmentSpec) -> np.ndarray:
    """A segment's audio track (mono, sounds.RATE): ambience, the subject's voice, and the
    pistol's report on the frame its muzzle flash appears (a sync mark you can hear)."""
    rate = sounds.RATE
    n = round(spec.duration_s * rate)
    seed = zlib.crc32(f"{folder}/{spec.name}".encode())
    lo, hi, level = AMBIENCE[folder]
    rng = np.random.default_rng(seed)
    # filtered in the frequency domain, so it is circular: a looping segment loops cleanly
    bed = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * _bandpass(n, lo, hi), n)
    out = bed * (level / (np.abs(bed).max() + 1e-12))
    for i, (at, syllables, shout) in enumerate(SPEECH.get((folder, spec.name), ())):
        line = sounds.voice(syllables, VOICE_HZ[folder], seed=seed + i, shout=shout)
        j = round(at * rate)
        k = min(n, j + len(line))
        out[j:k] += line[: k - j] * (0.9 if shout else 0.6)
    if spec.flash_at_s is not None:
        bang = sounds.bundled("pistol")
        j = round(spec.flash_at_s * rate)
        k = min(n, j + len(bang))
        out[j:k] += bang[: k - j]
    return np.clip(out, -1, 1).astype(np.float32)


def _bandpass(n: int, lo: float, hi: float) -> np.ndarray:
    f = np.fft.rfftfreq(n, 1 / sounds.RATE)
    return ((f >= lo) & (f <= hi)).astype(float)


# -- writing --------------------------------------------------------------------------------


def render_segment(spec: SegmentSpec, bg: np.ndarray, path: Path, folder: str = "demo") -> None:
    with H264Writer(
        path, W, H, FPS, crf=26, preset="slow", audio_rate=sounds.RATE, audio_bitrate=32_000
    ) as out:
        out.write_audio(soundtrack(folder, spec))
        for i in range(round(spec.duration_s * FPS)):
            t = i / FPS
            img = bg.copy()
            poses = spec.figures(t)
            for pose in sorted(poses, key=lambda p: p.ground):  # nearer figures last
                draw_figure(img, pose)
            if spec.flash_at_s is not None and 0 <= t - spec.flash_at_s < 0.1:
                tip = muzzle(poses[0])
                pt = (int(round(tip[0] * 16)), int(round(tip[1] * 16)))
                cv2.circle(img, pt, 40 * 16, (120, 230, 255), -1, cv2.LINE_AA, 4)
                cv2.circle(img, pt, 18 * 16, (240, 255, 255), -1, cv2.LINE_AA, 4)
            out.write(img, t)


def zone_keys(spec: SegmentSpec, zone: ZoneSpec) -> list[dict]:
    n = round(spec.duration_s / KEY_STEP_S)
    return [
        {
            "t": round(i * KEY_STEP_S, 3),
            "polygon": zone.poly(spec.figures(i * KEY_STEP_S)[zone.figure]),
        }
        for i in range(n + 1)
    ]


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, float | int):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def manifest(pack: PackSpec) -> str:
    lines = [
        "# Sightline scenario pack, format version 1 (docs/scenario-format.md).",
        "# Generated by `sightline make-demo`; the hit zones follow the drawn figures.",
        "format_version = 1",
        f"title = {_toml_value(pack.title)}",
        f"start = {_toml_value(pack.start)}",
        "",
        "[meta]",
    ]
    meta = dict(pack.meta)
    env, subjects = meta.pop("environment"), meta.pop("subjects")
    lines += [f"{k} = {_toml_value(v)}" for k, v in meta.items()]
    lines += ["", "[meta.environment]"] + [f"{k} = {_toml_value(v)}" for k, v in env.items()]
    for s in subjects:
        lines += ["", "[[meta.subjects]]"] + [f"{k} = {_toml_value(v)}" for k, v in s.items()]
    if pack.folder in PACK_AUDIO:
        lines += ["", "[audio]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in PACK_AUDIO[pack.folder].items()]
    for seg in pack.segments:
        lines += ["", f"[segments.{seg.name}]", f'clip = "media/{seg.name}.mp4"']
        if seg.loop:
            lines.append("loop = true")
        if seg.ending:
            lines.append("ending = true")
        for name, t in seg.cues:
            lines += [
                "",
                f"[[segments.{seg.name}.cues]]",
                f"name = {_toml_value(name)}",
                f"t = {t!r}",
            ]
        for name, t in PACK_SOUNDS.get((pack.folder, seg.name), ()):
            lines += [
                "",
                f"[[segments.{seg.name}.sounds]]",
                f"sound = {_toml_value(name)}",
                f"t = {t!r}",
            ]
        for tr in seg.transitions:
            lines += ["", f"[[segments.{seg.name}.transitions]]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in tr.items()]
        for z in seg.zones:
            lines += [
                "",
                f"[[segments.{seg.name}.zones]]",
                f'name = "{z.name}"',
                f'role = "{z.role}"',
                f"points = {z.points}",
                "keys = [",
            ]
            lines += [f"  {_toml_value(k)}," for k in zone_keys(seg, z)]
            lines.append("]")
    return "\n".join(lines) + "\n"


def make_pack(pack: PackSpec, out_dir: Path) -> list[Path]:
    media = out_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    bg = pack.scene()
    written = []
    for seg in pack.segments:
        path = media / f"{seg.name}.mp4"
        render_segment(seg, bg, path, pack.folder)
        written.append(path)
    (out_dir / "scenario.toml").write_text(manifest(pack))
    (out_dir / "guidebook.md").write_text(pack.guidebook)
    script = out_dir / "demo-inputs.jsonl"
    script.write_text("".join(json.dumps(e) + "\n" for e in SCRIPTS[pack.folder]()))
    return [*written, out_dir / "scenario.toml", out_dir / "guidebook.md", script]


def make_demo(out_root: Path) -> list[Path]:
    """Write every demo pack into out_root/<folder>."""
    written = []
    for pack in PACKS:
        written += make_pack(pack, out_root / pack.folder)
    return written
