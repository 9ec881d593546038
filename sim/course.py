"""Courses of fire: stages, targets with scored zones, the schedule of a run, and scoring.

A course (docs/courses.md) is a list of stages; each stage shows its instructions for
`ready_s`, sounds the start beep and then runs for at most `time_s`, with targets that may
move, turn and appear. A course runs on the ordinary scenario machinery: `to_scenario`
compiles it into a scenario graph (a ready segment and a live segment per stage, the
targets' zones keyframed over the live segment's media time), so the session, bus,
recorder, replay and review work unchanged. Scoring reads the session's records
(`score_log`); the same rules serve the live instructor overlay (`live_status`) and
`sightline course report`.

Coordinates: normalized trainee screen (origin top-left); the course's backdrop clip has
the screen's aspect (16:9), so media and screen coordinates agree. A target's zones are
given in target units: x and y from the target's centre, as fractions of its height.
Pure: standard library, numpy and sim only; times are passed in, never read.

Where the parts live: what a course is made of (shapes, zones, targets, stages, the
course) in sim/course_model.py; scoring (`score_log`, `live_status`) in
sim/course_scoring.py; compiling into a scenario (`to_scenario`) and the plan of a run
here. Callers import each name from the module that defines it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from sim.course_model import (
    ASPECT,
    BEEP,
    END_S,
    END_SEGMENT,
    READY,
    Course,
    Stage,
    Target,
    ZoneSpec,
)
from sim.scenario import Scenario, Segment, SoundCue, Transition
from sim.sounds import BUILTIN_SOUNDS
from sim.triggers import EndTrigger, SegmentClock, TriggerBase

__all__ = [
    "HitsTrigger",
    "plan",
    "stage_window",
    "to_scenario",
]


@dataclass(frozen=True)
class HitsTrigger(TriggerBase):
    """A course's "hits to advance": the segment has `count` hits that scored. Not a pack
    trigger kind (sim.triggers.TRIGGERS): courses compile it in. It fires on the tick after
    the hit that completes the count."""

    count: int
    kind: ClassVar[str] = "hits"
    station: ClassVar[str] = "trainee"
    colour: ClassVar[tuple[int, int, int]] = (200, 30, 30)

    def describe(self) -> str:
        return f"{self.count} hits"

    def due_on_tick(self, clock: SegmentClock) -> bool:
        return clock.seg_hits >= self.count


# -- the scenario graph ------------------------------------------------------------------


def to_scenario(course: Course, clip: str, media_aspect: float = ASPECT) -> Scenario:
    """Per stage a ready segment (instructions, no targets) and a live one (the beep at
    0 s, a second beep at the par time, the targets' zones), then the end segment."""
    segments: dict[str, Segment] = {}
    for i, stage in enumerate(course.stages):
        nxt = course.stages[i + 1].id + READY if i + 1 < len(course.stages) else END_SEGMENT
        segments[stage.id + READY] = Segment(
            stage.id + READY,
            clip,
            0.0,
            stage.ready_s,
            media_aspect,
            transitions=(Transition(EndTrigger(), stage.id),),
        )
        sounds = [SoundCue(BEEP, 0.0)]
        if stage.par_s is not None:
            sounds.append(SoundCue(BEEP, stage.par_s))
        transitions = [Transition(EndTrigger(), nxt)]
        if stage.advance_hits:
            transitions.insert(0, Transition(HitsTrigger(stage.advance_hits), nxt))
        segments[stage.id] = Segment(
            stage.id,
            clip,
            0.0,
            stage.time_s,
            media_aspect,
            transitions=tuple(transitions),
            zones=stage.zones(media_aspect),
            sounds=tuple(sounds),
        )
    segments[END_SEGMENT] = Segment(END_SEGMENT, clip, 0.0, END_S, media_aspect, ending=True)
    return Scenario(
        title=course.title,
        start=course.stages[0].id + READY,
        segments=segments,
        sounds=dict(BUILTIN_SOUNDS),
    )


# -- the plan ----------------------------------------------------------------------------


def plan(course: Course, tick_hz: int = 120) -> dict:
    """The schedule of a run in session seconds when every stage runs its full time
    (docs/courses.md): each stage's start (its beep) and window, the span in which every
    target it wants shot shows its full face; per target where to aim (the centre of its
    highest-scoring zone in the middle of the window: a moving target is there then) and
    the rounds the stage wants on it (0 on a no-shoot target)."""
    t = 0.0
    stages = []
    for i, stage in enumerate(course.stages):
        t += _ticks(stage.ready_s, tick_hz)
        start = t
        w0, w1 = stage_window(stage)
        mid = (w0 + w1) / 2
        targets = [
            {
                "name": target.name,
                "aim": [round(v, 6) for v in _zone_centre(target, target.best_zone(), mid)],
                "shoot": target.shoot,
                "shots": target.shots if target.shoot else 0,
            }
            for target in stage.targets
        ]
        stages.append(
            {
                "index": i,
                "start": round(start, 6),
                "window": [round(start + w0, 6), round(start + w1, 6)],
                "targets": targets,
            }
        )
        t += _ticks(stage.time_s, tick_hz)
    return {"stages": stages}


def stage_window(stage: Stage) -> tuple[float, float]:
    """Stage times in which every target the stage wants shot shows its full face (the
    whole stage when it wants none); lint refuses a stage where they never all do."""
    w0, w1 = 0.0, stage.time_s
    for target in stage.targets:
        if target.shoot and target.shots:
            win = target.window(stage.time_s)
            if win is None:
                return (0.0, 0.0)
            w0, w1 = max(w0, win[0]), min(w1, win[1])
    return (w0, w1) if w1 > w0 else (0.0, 0.0)


def _ticks(seconds: float, tick_hz: int) -> float:
    """A segment's length as the runtime plays it: whole ticks."""
    return max(1, math.ceil(seconds * tick_hz - 1e-6)) / tick_hz


def _zone_centre(target: Target, zone: ZoneSpec, t_s: float) -> tuple[float, float]:
    cx, cy = target.position(t_s)
    zx, zy = zone.centre()
    return cx + zx * target.height / ASPECT * target.face(t_s), cy + zy * target.height
