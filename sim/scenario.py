"""The scenario graph: segments (a clip between in and out times) joined by transitions.

Owns the graph's data types and its structural checks. Each trigger kind is one class that
brings its own check (`validate`) and its own test for firing (`fires_on_*`), so adding a
kind touches one place. Building a graph from a file is content/'s job; running it is
runtime.py's. Must not import outside the standard library, numpy and sim.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.events import BRANCH_KEYS
from sim.hit_zones import Zone


class ScenarioError(ValueError):
    """A structural problem in a scenario graph; the message names the key path."""


@dataclass(frozen=True)
class KeyTrigger:
    """The instructor presses a number key while the segment plays."""

    key: str
    label: str = ""
    kind: str = field(default="key", init=False)

    def validate(self, where: str) -> None:
        if self.key not in BRANCH_KEYS:
            raise ScenarioError(f"{where}.key: must be one of 1-9, got {self.key!r}")

    def describe(self) -> str:
        return f"key {self.key}" + (f" ({self.label})" if self.label else "")


@dataclass(frozen=True)
class EndTrigger:
    """The segment's clip reaches its out time."""

    kind: str = field(default="end", init=False)

    def validate(self, where: str) -> None:
        pass

    def describe(self) -> str:
        return "end of clip"


@dataclass(frozen=True)
class HitTrigger:
    """A shot lands in the named zone (or in any zone of the given role)."""

    zone: str | None = None
    role: str | None = None
    kind: str = field(default="hit", init=False)

    def validate(self, where: str) -> None:
        if (self.zone is None) == (self.role is None):
            raise ScenarioError(f"{where}: a hit trigger names exactly one of 'zone' or 'role'")

    def matches(self, zone: Zone) -> bool:
        return zone.name == self.zone if self.zone is not None else zone.role == self.role

    def describe(self) -> str:
        return f"hit in {self.zone}" if self.zone else f"hit on {self.role}"


Trigger = KeyTrigger | EndTrigger | HitTrigger


@dataclass(frozen=True)
class Transition:
    trigger: Trigger
    to: str


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
            zone_names = {z.name for z in seg.zones}
            for i, tr in enumerate(seg.transitions):
                tw = f"{where}.transitions[{i}]"
                tr.trigger.validate(tw)
                if tr.to not in self.segments:
                    raise ScenarioError(f"{tw}.to: no segment named {tr.to!r}")
                if isinstance(tr.trigger, KeyTrigger):
                    if tr.trigger.key in keys_seen:
                        raise ScenarioError(
                            f"{tw}.key: key {tr.trigger.key} is already used by "
                            f"transitions[{keys_seen[tr.trigger.key]}]"
                        )
                    keys_seen[tr.trigger.key] = i
                trig = tr.trigger
                if isinstance(trig, HitTrigger) and trig.zone and trig.zone not in zone_names:
                    raise ScenarioError(
                        f"{tw}.zone: no zone named {tr.trigger.zone!r} in this segment"
                    )
            ends = [t for t in seg.transitions if isinstance(t.trigger, EndTrigger)]
            if len(ends) > 1:
                raise ScenarioError(f"{where}: more than one end-of-clip transition")
            if ends and (seg.loop or seg.ending):
                raise ScenarioError(
                    f"{where}: an end-of-clip transition cannot be combined with loop or ending"
                )
