"""Trigger kinds: what makes a transition fire. One class per kind owns all of it.

Each kind is one class, listed once in `TRIGGERS` (the `on` of a transition in a pack):
  - `parse` reads its fields from a pack's transition table (through a `FieldReader`, so
    content/ keeps the file handling and its line-numbered errors);
  - `validate` checks it against its segment; `slot` names what may appear only once per
    segment (a branch key, the end of the clip);
  - `describe` is its text for summaries, reviews and the station; `graph_label` and
    `colour` are its edge in the branch graph;
  - `station` says how the instructor's station shows it: "key" (a branch row with a
    thumbnail), "countdown" (an automatic branch with the time left, from `countdown`) or
    "trainee" (waits on what the trainee does);
  - when it fires: `due_on_tick` (each tick media time advances), `due_at_clip_end` (the
    clip reached its out time) or `on_input` (an instructor or trainee input of the tick;
    a fired shot arrives as a `ShotOutcome` with the zone it hit). Among the triggers one
    input matches, the lowest `order` fires first (a hit before a plain shot), then the
    authored order.

Adding a kind (a spoken phrase, a study's decision window) is one class here plus its
tests: the loader, lint, runtime, station, graph and summaries all go through this table.
Must not import outside the standard library, numpy and sim; never reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sim.events import (
    ACTIONS,
    BRANCH_KEYS,
    WEAPON_KINDS,
    InputEvent,
    KeyPress,
    Said,
    Shot,
    TraineeAction,
    normalize_phrase,
)
from sim.hit_zones import ROLES, Zone
from sim.scenario import ScenarioError, check_in_segment

if TYPE_CHECKING:
    from sim.scenario import Segment

NUM = (int, float)
_MISSING: Any = object()


class FieldReader(Protocol):
    """Typed access to one transition table of a pack; errors name the file and line."""

    def get(self, key: str, kind: type | tuple, default: Any = _MISSING) -> Any: ...

    def choice(self, key: str, options: tuple, default: Any = _MISSING) -> Any: ...


@dataclass(frozen=True, slots=True)
class SegmentClock:
    """Where the current segment is, for automatic triggers: `position` is ticks into the
    clip (wrapped for loops), `seg_ticks` ticks since the segment started, `seg_shots`
    shots fired in it; `ticks_to(t)` is the position at which media time reaches t."""

    position: int
    seg_ticks: int
    seg_shots: int
    ticks_to: Callable[[float], int]
    seg_hits: int = 0  # shots in it that hit a zone worth points (courses' hits to advance)


@dataclass(frozen=True, slots=True)
class ShotOutcome:
    """A shot that fired (not a dry pull), with the zone it hit, as triggers see it."""

    shot: Shot
    zone: Zone | None


def _check_kind(weapon: str | None, where: str) -> None:
    if weapon is not None and weapon not in WEAPON_KINDS:
        raise ScenarioError(
            f"{where}.weapon: must be one of {', '.join(WEAPON_KINDS)}, got {weapon!r}"
        )


class TriggerBase:
    """Defaults for a trigger kind; each subclass is a frozen dataclass."""

    kind: ClassVar[str]
    station: ClassVar[str]  # "key", "countdown" or "trainee"
    colour: ClassVar[tuple[int, int, int]]  # its edges in the branch graph, RGB
    order: ClassVar[int] = 0  # among triggers matching one input, lower fires first

    @classmethod
    def parse(cls, fields: FieldReader) -> TriggerBase:
        return cls()

    def validate(self, seg: Segment, where: str) -> None:
        """Raise ScenarioError naming `where` if this trigger cannot work in `seg`."""

    def slot(self) -> tuple[str, str] | None:
        """What only one transition of a segment may use, or None: (the field that names
        it, what it is), e.g. ("key", "key 2")."""
        return None

    def describe(self) -> str:
        raise NotImplementedError

    def graph_label(self) -> str:
        return self.describe()

    def countdown(self, seg: Segment, media_t_s: float) -> str | None:
        """For the station: "in 2.5 s  at 5 s" while it can still fire, else None."""
        return None

    def due_on_tick(self, clock: SegmentClock) -> bool:
        return False

    def due_at_clip_end(self) -> bool:
        return False

    def on_input(self, event: InputEvent | ShotOutcome) -> bool:
        return False


@dataclass(frozen=True)
class KeyTrigger(TriggerBase):
    """The instructor presses 1-9 (with a label the overlay shows)."""

    key: str
    label: str = ""
    kind: ClassVar[str] = "key"
    station: ClassVar[str] = "key"
    colour: ClassVar[tuple[int, int, int]] = (40, 100, 220)

    @classmethod
    def parse(cls, fields: FieldReader) -> KeyTrigger:
        return cls(fields.get("key", str), fields.get("label", str, ""))

    def validate(self, seg: Segment, where: str) -> None:
        if self.key not in BRANCH_KEYS:
            raise ScenarioError(f"{where}.key: must be one of 1-9, got {self.key!r}")

    def slot(self) -> tuple[str, str]:
        return "key", f"key {self.key}"

    def describe(self) -> str:
        return f"key {self.key}" + (f" ({self.label})" if self.label else "")

    def graph_label(self) -> str:
        return f"[{self.key}] {self.label}".strip()

    def on_input(self, event: InputEvent | ShotOutcome) -> bool:
        return isinstance(event, KeyPress) and event.key == self.key


@dataclass(frozen=True)
class EndTrigger(TriggerBase):
    """The clip reaches its out time."""

    kind: ClassVar[str] = "end"
    station: ClassVar[str] = "countdown"
    colour: ClassVar[tuple[int, int, int]] = (110, 110, 110)

    def validate(self, seg: Segment, where: str) -> None:
        if seg.loop or seg.ending:
            raise ScenarioError(
                f"{where}: an end-of-clip transition cannot be combined with loop or ending"
            )

    def slot(self) -> tuple[str, str]:
        return "on", "the end of the clip"

    def describe(self) -> str:
        return "end of clip"

    def countdown(self, seg: Segment, media_t_s: float) -> str:
        return f"in {seg.out_s - media_t_s:4.1f} s  end of clip"

    def due_at_clip_end(self) -> bool:
        return True


@dataclass(frozen=True)
class TimeTrigger(TriggerBase):
    """Media time reaches `at_s`."""

    at_s: float
    kind: ClassVar[str] = "time"
    station: ClassVar[str] = "countdown"
    colour: ClassVar[tuple[int, int, int]] = (110, 110, 110)

    @classmethod
    def parse(cls, fields: FieldReader) -> TimeTrigger:
        return cls(fields.get("at", NUM))

    def validate(self, seg: Segment, where: str) -> None:
        check_in_segment(self.at_s, seg, f"{where}.at")

    def describe(self) -> str:
        return f"at {self.at_s:g} s"

    def countdown(self, seg: Segment, media_t_s: float) -> str:
        left = self.at_s - media_t_s
        if seg.loop and left < 0:
            left += seg.duration_s
        return f"in {max(left, 0):4.1f} s  at {self.at_s:g} s"

    def due_on_tick(self, clock: SegmentClock) -> bool:
        return clock.position == max(1, clock.ticks_to(self.at_s))


@dataclass(frozen=True)
class NoShotTrigger(TriggerBase):
    """No shot has been fired in this segment by media time `by_s`."""

    by_s: float
    kind: ClassVar[str] = "no-shot"
    station: ClassVar[str] = "countdown"
    colour: ClassVar[tuple[int, int, int]] = (200, 110, 0)

    @classmethod
    def parse(cls, fields: FieldReader) -> NoShotTrigger:
        return cls(fields.get("by", NUM))

    def validate(self, seg: Segment, where: str) -> None:
        check_in_segment(self.by_s, seg, f"{where}.by")

    def describe(self) -> str:
        return f"no shot by {self.by_s:g} s"

    def countdown(self, seg: Segment, media_t_s: float) -> str | None:
        if media_t_s > self.by_s:
            return None
        return f"in {self.by_s - media_t_s:4.1f} s  if no shot"

    def due_on_tick(self, clock: SegmentClock) -> bool:
        return clock.seg_shots == 0 and clock.seg_ticks == max(1, clock.ticks_to(self.by_s))


@dataclass(frozen=True)
class HitTrigger(TriggerBase):
    """A shot lands in a named zone or a zone of a role (optionally one weapon kind)."""

    zone: str | None = None
    role: str | None = None
    weapon: str | None = None
    kind: ClassVar[str] = "hit"
    station: ClassVar[str] = "trainee"
    colour: ClassVar[tuple[int, int, int]] = (200, 30, 30)
    order: ClassVar[int] = 0  # a hit is more specific than a plain shot

    @classmethod
    def parse(cls, fields: FieldReader) -> HitTrigger:
        return cls(
            fields.get("zone", str, None),
            fields.get("role", str, None),
            fields.choice("weapon", WEAPON_KINDS, None),
        )

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

    def on_input(self, event: InputEvent | ShotOutcome) -> bool:
        return (
            isinstance(event, ShotOutcome)
            and event.zone is not None
            and self.matches(event.zone, event.shot.kind)
        )


@dataclass(frozen=True)
class ShotTrigger(TriggerBase):
    """Any shot is fired (optionally of one weapon kind)."""

    weapon: str | None = None
    kind: ClassVar[str] = "shot"
    station: ClassVar[str] = "trainee"
    colour: ClassVar[tuple[int, int, int]] = (200, 30, 30)
    order: ClassVar[int] = 1  # after any hit trigger the same shot matches

    @classmethod
    def parse(cls, fields: FieldReader) -> ShotTrigger:
        return cls(fields.choice("weapon", WEAPON_KINDS, None))

    def validate(self, seg: Segment, where: str) -> None:
        _check_kind(self.weapon, where)

    def matches(self, weapon_kind: str) -> bool:
        return self.weapon is None or weapon_kind == self.weapon

    def describe(self) -> str:
        return "shot fired" + (f" ({self.weapon})" if self.weapon else "")

    def on_input(self, event: InputEvent | ShotOutcome) -> bool:
        return isinstance(event, ShotOutcome) and self.matches(event.shot.kind)


@dataclass(frozen=True)
class ActionTrigger(TriggerBase):
    """The instructor codes a trainee action (verbal command given, cover taken...)."""

    action: str
    kind: ClassVar[str] = "action"
    station: ClassVar[str] = "trainee"
    colour: ClassVar[tuple[int, int, int]] = (30, 150, 60)

    @classmethod
    def parse(cls, fields: FieldReader) -> ActionTrigger:
        return cls(fields.choice("action", ACTIONS))

    def validate(self, seg: Segment, where: str) -> None:
        if self.action not in ACTIONS:
            raise ScenarioError(
                f"{where}.action: must be one of {', '.join(ACTIONS)}, got {self.action!r}"
            )

    def describe(self) -> str:
        return f"trainee action: {self.action}"

    def graph_label(self) -> str:
        return f"action: {self.action}"

    def on_input(self, event: InputEvent | ShotOutcome) -> bool:
        return isinstance(event, TraineeAction) and event.action == self.action


MAX_PHRASES = 32  # phrases one said trigger lists
MAX_PHRASE_WORDS = 12


@dataclass(frozen=True)
class SaidTrigger(TriggerBase):
    """The trainee says one of `phrases` (recognized from the trainee microphone, or a
    scripted `said` event). Compared normalized: case and punctuation do not matter; the
    recognized phrase must be one of them, or the transcript must contain one."""

    phrases: tuple[str, ...]
    kind: ClassVar[str] = "said"
    station: ClassVar[str] = "trainee"
    colour: ClassVar[tuple[int, int, int]] = (0, 140, 160)

    @classmethod
    def parse(cls, fields: FieldReader) -> SaidTrigger:
        raw = fields.get("phrases", list)
        if not all(isinstance(p, str) for p in raw):
            # validate names the position; a non-string cannot be normalized
            return cls(tuple(p if isinstance(p, str) else "\0" for p in raw))
        return cls(tuple(normalize_phrase(p) for p in raw))

    def validate(self, seg: Segment, where: str) -> None:
        if not 0 < len(self.phrases) <= MAX_PHRASES:
            raise ScenarioError(f"{where}.phrases: list 1 to {MAX_PHRASES} phrases")
        for i, phrase in enumerate(self.phrases):
            if phrase == "":  # "🙌🙌" was reported as got ''
                raise ScenarioError(
                    f"{where}.phrases[{i}]: no words once punctuation and symbols are left out"
                )
            if phrase == "\0" or len(phrase.split()) > MAX_PHRASE_WORDS:
                raise ScenarioError(
                    f"{where}.phrases[{i}]: must be words (1 to {MAX_PHRASE_WORDS}), got {phrase!r}"
                )

    def describe(self) -> str:
        return "said " + " / ".join(f"'{p}'" for p in self.phrases)

    def graph_label(self) -> str:
        more = f" (+{len(self.phrases) - 1})" if len(self.phrases) > 1 else ""
        return f"said '{self.phrases[0]}'{more}"

    def on_input(self, event: InputEvent | ShotOutcome) -> bool:
        if not isinstance(event, Said):
            return False
        if normalize_phrase(event.phrase) in self.phrases:
            return True
        text = f" {normalize_phrase(event.text)} "
        return any(f" {p} " in text for p in self.phrases)


#: Every trigger kind, by the name a pack gives it in `on`. The one list of them.
TRIGGERS: dict[str, type[TriggerBase]] = {
    cls.kind: cls
    for cls in (
        KeyTrigger,
        EndTrigger,
        TimeTrigger,
        HitTrigger,
        ShotTrigger,
        NoShotTrigger,
        ActionTrigger,
        SaidTrigger,
    )
}
TRIGGER_KINDS = tuple(TRIGGERS)
Trigger = TriggerBase


@dataclass(frozen=True)
class InstructorBranch(TriggerBase):
    """Not a pack trigger: the cause of a branch the instructor forced (a jump, a replay
    of the segment), recorded like a trigger."""

    kind: str = "jump"  # "jump" or "replay"
    station: ClassVar[str] = "key"
    colour: ClassVar[tuple[int, int, int]] = (40, 100, 220)
    text: str = field(default="instructor: jump")

    def describe(self) -> str:
        return self.text
