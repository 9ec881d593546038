"""The scenario graph: segments (a clip between in and out times) joined by transitions.

Owns the graph's data types and its structural checks. Each trigger kind is one class that
brings its own check (`validate`) and description; when a trigger fires is decided in
runtime.py, one method per kind. Building a graph from a file is content/'s job. Must not
import outside the standard library, numpy and sim.

Trigger kinds (the `on` of a transition in a pack):
  key      the instructor presses 1-9 (with a label the overlay shows)
  end      the clip reaches its out time
  time     media time reaches `at_s`
  hit      a shot lands in a named zone or a zone of a role (optionally one weapon kind)
  shot     any shot is fired (optionally of one weapon kind)
  no-shot  no shot has been fired in this segment by media time `by_s`
  action   the instructor codes a trainee action (verbal command given, cover taken...)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.errors import UserError
from sim.events import ACTIONS, BRANCH_KEYS, WEAPON_KINDS
from sim.hit_zones import ROLES, Zone
from sim.sounds import BUILTIN_SOUNDS, BUSES, DEFAULT_LEVELS, DEFAULT_REPORTS, LEVELS, SoundDef


class ScenarioError(UserError, ValueError):
    """A structural problem in a scenario graph; the message names the key path."""


def _check_kind(weapon: str | None, where: str) -> None:
    if weapon is not None and weapon not in WEAPON_KINDS:
        raise ScenarioError(
            f"{where}.weapon: must be one of {', '.join(WEAPON_KINDS)}, got {weapon!r}"
        )


def _check_time(t: float, seg: Segment, where: str) -> None:
    if not seg.in_s <= t <= seg.out_s:
        raise ScenarioError(f"{where}: {t} s is outside the segment ({seg.in_s}..{seg.out_s})")


@dataclass(frozen=True)
class KeyTrigger:
    key: str
    label: str = ""
    kind: str = field(default="key", init=False)

    def validate(self, seg: Segment, where: str) -> None:
        if self.key not in BRANCH_KEYS:
            raise ScenarioError(f"{where}.key: must be one of 1-9, got {self.key!r}")

    def describe(self) -> str:
        return f"key {self.key}" + (f" ({self.label})" if self.label else "")


@dataclass(frozen=True)
class EndTrigger:
    kind: str = field(default="end", init=False)

    def validate(self, seg: Segment, where: str) -> None:
        if seg.loop or seg.ending:
            raise ScenarioError(
                f"{where}: an end-of-clip transition cannot be combined with loop or ending"
            )

    def describe(self) -> str:
        return "end of clip"


@dataclass(frozen=True)
class TimeTrigger:
    at_s: float
    kind: str = field(default="time", init=False)

    def validate(self, seg: Segment, where: str) -> None:
        _check_time(self.at_s, seg, f"{where}.at")

    def describe(self) -> str:
        return f"at {self.at_s:g} s"


@dataclass(frozen=True)
class HitTrigger:
    zone: str | None = None
    role: str | None = None
    weapon: str | None = None
    kind: str = field(default="hit", init=False)

    def validate(self, seg: Segment, where: str) -> None:
        if (self.zone is None) == (self.role is None):
            raise ScenarioError(f"{where}: a hit trigger names exactly one of 'zone' or 'role'")
        if self.zone is not None and self.zone not in {z.name for z in seg.zones}:
            raise ScenarioError(f"{where}.zone: no zone named {self.zone!r} in this segment")
        if self.role is not None and self.role not in ROLES:
            raise ScenarioError(f"{where}.role: must be one of {', '.join(ROLES)}")
        _check_kind(self.weapon, where)

    def matches(self, zone: Zone, weapon_kind: str) -> bool:
        if self.weapon is not None and weapon_kind != self.weapon:
            return False
        return zone.name == self.zone if self.zone is not None else zone.role == self.role

    def describe(self) -> str:
        what = f"hit in {self.zone}" if self.zone else f"hit on {self.role}"
        return what + (f" ({self.weapon})" if self.weapon else "")


@dataclass(frozen=True)
class ShotTrigger:
    weapon: str | None = None
    kind: str = field(default="shot", init=False)

    def validate(self, seg: Segment, where: str) -> None:
        _check_kind(self.weapon, where)

    def matches(self, weapon_kind: str) -> bool:
        return self.weapon is None or weapon_kind == self.weapon

    def describe(self) -> str:
        return "shot fired" + (f" ({self.weapon})" if self.weapon else "")


@dataclass(frozen=True)
class NoShotTrigger:
    by_s: float
    kind: str = field(default="no-shot", init=False)

    def validate(self, seg: Segment, where: str) -> None:
        _check_time(self.by_s, seg, f"{where}.by")

    def describe(self) -> str:
        return f"no shot by {self.by_s:g} s"


@dataclass(frozen=True)
class ActionTrigger:
    action: str
    kind: str = field(default="action", init=False)

    def validate(self, seg: Segment, where: str) -> None:
        if self.action not in ACTIONS:
            raise ScenarioError(
                f"{where}.action: must be one of {', '.join(ACTIONS)}, got {self.action!r}"
            )

    def describe(self) -> str:
        return f"trainee action: {self.action}"


Trigger = (
    KeyTrigger | EndTrigger | TimeTrigger | HitTrigger | ShotTrigger | NoShotTrigger | ActionTrigger
)
TRIGGER_KINDS = ("key", "end", "time", "hit", "shot", "no-shot", "action")


@dataclass(frozen=True)
class Transition:
    trigger: Trigger
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

    @property
    def duration_s(self) -> float:
        return self.out_s - self.in_s

    def successors(self) -> tuple[str, ...]:
        """Segments this one can lead to: what the engine pre-buffers."""
        return tuple(dict.fromkeys(t.to for t in self.transitions))


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
            keys_seen: dict[str, int] = {}
            ends = 0
            for i, tr in enumerate(seg.transitions):
                tw = f"{where}.transitions[{i}]"
                tr.trigger.validate(seg, tw)
                if tr.to not in self.segments:
                    raise ScenarioError(f"{tw}.to: no segment named {tr.to!r}")
                if isinstance(tr.trigger, KeyTrigger):
                    if tr.trigger.key in keys_seen:
                        raise ScenarioError(
                            f"{tw}.key: key {tr.trigger.key} is already used by "
                            f"transitions[{keys_seen[tr.trigger.key]}]"
                        )
                    keys_seen[tr.trigger.key] = i
                ends += isinstance(tr.trigger, EndTrigger)
            if ends > 1:
                raise ScenarioError(f"{where}: more than one end-of-clip transition")
            for i, cue in enumerate(seg.cues):
                _check_time(cue.t_s, seg, f"{where}.cues[{i}].t")
            for i, sc in enumerate(seg.sounds):
                _check_time(sc.t_s, seg, f"{where}.sounds[{i}].t")
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
