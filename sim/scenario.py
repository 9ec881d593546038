"""The scenario graph: segments (a clip between in and out times) joined by transitions.

Owns the graph's data types and its structural checks; the trigger kinds that join
segments live in sim/triggers.py, one class each. Building a graph from a file is content/'s
job. Must not import outside the standard library, numpy and sim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.community import Question, check_question
from sim.errors import UserError
from sim.events import STRESS_EFFECTS, WEAPON_KINDS
from sim.hit_zones import Zone
from sim.sounds import BUILTIN_SOUNDS, BUSES, DEFAULT_LEVELS, DEFAULT_REPORTS, LEVELS, SoundDef

if TYPE_CHECKING:
    from sim.rubric import Rubric
    from sim.triggers import Trigger


class ScenarioError(UserError, ValueError):
    """A structural problem in a scenario graph; the message names the key path."""


def check_in_segment(t: float, seg: Segment, where: str) -> None:
    """A media time `t` (a cue, a trigger's time) must lie within the segment."""
    if not seg.in_s <= t <= seg.out_s:
        raise ScenarioError(f"{where}: {t} s is outside the segment ({seg.in_s}..{seg.out_s})")


@dataclass(frozen=True)
class Transition:
    trigger: Trigger  # one of sim.triggers.TRIGGERS
    to: str


@dataclass(frozen=True)
class Cue:
    """A named decision point in a clip ("weapon visible" at 3.2 s); reaction times are
    measured from it."""

    name: str
    t_s: float


@dataclass(frozen=True)
class SoundCue:
    """A sound the pack plays when media time reaches `t_s` in a segment (a dog starts
    barking at 2 s), on top of the clip's own soundtrack."""

    sound: str
    t_s: float


@dataclass(frozen=True)
class View:
    """The same moments from another camera (the subject's, a bystander's): `clip` shows
    the segment's media time t at its own time t - segment in + `in_s`. Shown to a
    community room after a vote (sim/community.py); the scenario never plays it."""

    label: str
    clip: str
    in_s: float = 0.0


@dataclass(frozen=True)
class Effect:
    """A stress device's effect the pack fires in a segment (`[[segments.X.effects]]`):
    at media time `t_s`, or when the segment passes cue `cue` (a subject fires at the
    trainee). Intensity and duration are requests: the local safety limit caps them."""

    effect: str  # one of sim.events.STRESS_EFFECTS
    intensity_pct: int
    duration_ms: int
    t_s: float | None = None
    cue: str | None = None


@dataclass(frozen=True)
class Segment:
    """One clip span. `out_s` is the media time at which the clip ends; `media_aspect` is
    the clip's display width / height (for mapping screen shots onto zones)."""

    id: str
    clip: str
    in_s: float
    out_s: float
    media_aspect: float
    loop: bool = False
    ending: bool = False
    transitions: tuple[Transition, ...] = ()
    zones: tuple[Zone, ...] = ()
    cues: tuple[Cue, ...] = ()
    sounds: tuple[SoundCue, ...] = ()
    #: what a community session asks the room here (sim/community.py); None: the
    #: segment's key branches, if it has two or more
    question: Question | None = None
    views: tuple[View, ...] = ()  # alternate-view clips of the same moments
    effects: tuple[Effect, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.out_s - self.in_s

    def successors(self) -> tuple[str, ...]:
        """Segments this one can lead to: what the engine pre-buffers (a community
        question's choices too)."""
        room = self.question.choices if self.question is not None else ()
        return tuple(dict.fromkeys([*(t.to for t in self.transitions), *(c.to for c in room)]))


@dataclass(frozen=True)
class Scenario:
    title: str
    start: str
    segments: dict[str, Segment]
    #: Playable sounds by name: the bundled ones plus the pack's own (which may replace one).
    sounds: dict[str, SoundDef] = field(default_factory=lambda: dict(BUILTIN_SOUNDS))
    #: Starting volumes in percent, by control (master and each bus).
    levels: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    #: The report sound of each weapon kind.
    reports: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REPORTS))
    #: What instructors score the session on (sim/rubric.py), if the pack has a rubric.
    rubric: Rubric | None = None

    def reachable(self, start: str | None = None) -> set[str]:
        """Segment ids that can play from `start` (the scenario's start by default),
        `start` included: the one reachability search (lint, graph)."""
        first = self.start if start is None else start
        seen, todo = {first}, [first]
        while todo:
            for nxt in self.segments[todo.pop()].successors():
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def validate(self) -> None:
        """Raise ScenarioError on the first structural problem, naming its key path."""
        if self.start not in self.segments:
            raise ScenarioError(f"start: no segment named {self.start!r}")
        for seg in self.segments.values():
            where = f"segments.{seg.id}"
            if not seg.out_s > seg.in_s >= 0.0:
                raise ScenarioError(
                    f"{where}: needs 0 <= in < out, got in={seg.in_s} out={seg.out_s}"
                )
            slots: dict[str, int] = {}  # what only one transition may use: keys, the end
            for i, tr in enumerate(seg.transitions):
                tw = f"{where}.transitions[{i}]"
                tr.trigger.validate(seg, tw)
                if tr.to not in self.segments:
                    raise ScenarioError(f"{tw}.to: no segment named {tr.to!r}")
                slot = tr.trigger.slot()
                if slot is None:
                    continue
                key, what = slot
                if what in slots:
                    raise ScenarioError(
                        f"{tw}.{key}: {what} is already used by transitions[{slots[what]}]"
                    )
                slots[what] = i
            problem = check_question(seg, self.segments, f"{where}.question")
            if problem is not None:
                raise ScenarioError(problem)
            for i, cue in enumerate(seg.cues):
                check_in_segment(cue.t_s, seg, f"{where}.cues[{i}].t")
            for i, fx in enumerate(seg.effects):
                if fx.effect not in STRESS_EFFECTS:
                    raise ScenarioError(
                        f"{where}.effects[{i}].device: one of {', '.join(STRESS_EFFECTS)}"
                    )
                if (fx.t_s is None) == (fx.cue is None):
                    raise ScenarioError(f"{where}.effects[{i}]: give one of at or cue")
                if fx.t_s is not None:
                    check_in_segment(fx.t_s, seg, f"{where}.effects[{i}].at")
                elif fx.cue not in {c.name for c in seg.cues}:
                    raise ScenarioError(f"{where}.effects[{i}].cue: no cue named {fx.cue!r}")
                if not (0 <= fx.intensity_pct <= 100 and 1 <= fx.duration_ms <= 10_000):
                    raise ScenarioError(
                        f"{where}.effects[{i}]: intensity is 0-100 %, duration_ms 1-10000"
                    )
            for i, sc in enumerate(seg.sounds):
                check_in_segment(sc.t_s, seg, f"{where}.sounds[{i}].t")
                if sc.sound not in self.sounds:
                    raise ScenarioError(f"{where}.sounds[{i}].sound: no sound named {sc.sound!r}")
        for name, sound in self.sounds.items():
            if sound.bus not in BUSES:
                raise ScenarioError(f"sounds.{name}.bus: must be one of {', '.join(BUSES)}")
        for control, pct in self.levels.items():
            if control not in LEVELS or not 0 <= pct <= 100:
                raise ScenarioError(f"audio.{control}: a level is 0-100 (master or a bus)")
        for kind, name in self.reports.items():
            if kind not in WEAPON_KINDS:
                raise ScenarioError(
                    f"audio.reports.{kind}: must be one of {', '.join(WEAPON_KINDS)}"
                )
            if name not in self.sounds:
                raise ScenarioError(f"audio.reports.{kind}: no sound named {name!r}")
        if self.rubric is not None:
            self.rubric.validate()
