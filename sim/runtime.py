"""The scenario runtime: advances a scenario graph one fixed tick at a time.

`ScenarioRuntime.step(events)` is one tick. It applies the input events given for that
tick, moves media time (unless paused), fires transitions, and returns the new state plus
the commands for the engine (play a clip, draw a shot marker, the scenario ended). Given
the same scenario and the same events at the same ticks it produces the same states: each
state carries a digest chained over every tick so far, for replay verification.

Time is the tick count: tick n is at n / tick_hz seconds of session time; the state
returned by the n-th step is the state at that time. Must not import outside the
standard library, numpy and sim; never reads a clock.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.events import InputEvent, KeyPress, Pause, Resume, Shot
from sim.hit_zones import hit_test, screen_to_media
from sim.scenario import EndTrigger, HitTrigger, KeyTrigger, Scenario, Segment


@dataclass(frozen=True, slots=True)
class SimState:
    tick: int
    t_s: float
    segment: str
    media_t_s: float
    paused: bool
    holding: bool  # the clip reached its out time and nothing follows: wait on the instructor
    ended: bool
    shots: int
    hits: int
    digest: bytes = field(repr=False)


# Commands for the engine ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayClip:
    segment: str
    clip: str
    media_in_s: float


@dataclass(frozen=True, slots=True)
class ShotMarker:
    x_norm: float
    y_norm: float
    weapon: str
    zone: str | None
    role: str | None


@dataclass(frozen=True, slots=True)
class ScenarioEnded:
    segment: str


Command = PlayClip | ShotMarker | ScenarioEnded


@dataclass(frozen=True, slots=True)
class StepResult:
    state: SimState
    commands: tuple[Command, ...]


# Records for the end-of-run summary and, later, the after-action review ---------------


@dataclass(frozen=True, slots=True)
class BranchRecord:
    tick: int
    t_s: float
    from_segment: str
    to_segment: str
    trigger: str


@dataclass(frozen=True, slots=True)
class ShotRecord:
    tick: int
    t_s: float
    weapon: str
    x_norm: float
    y_norm: float
    segment: str
    media_t_s: float
    zone: str | None
    role: str | None


class ScenarioRuntime:
    def __init__(self, scenario: Scenario, tick_hz: int = 120, screen_aspect: float = 16 / 9):
        if tick_hz <= 0:
            raise ValueError("tick_hz must be positive")
        scenario.validate()
        self.scenario = scenario
        self.tick_hz = tick_hz
        self.screen_aspect = screen_aspect
        self._tick = 0
        self._segment = scenario.segments[scenario.start]
        self._seg_ticks = 0
        self._paused = False
        self._holding = False
        self._ended = False
        self.segments_played: list[str] = [scenario.start]
        self.branches: list[BranchRecord] = []
        self.shots: list[ShotRecord] = []
        self._hits = 0
        self._digest = hashlib.blake2b(scenario.title.encode(), digest_size=16).digest()
        self._state = self._snapshot()

    # -- public -----------------------------------------------------------------------

    @property
    def state(self) -> SimState:
        return self._state

    def start_commands(self) -> tuple[Command, ...]:
        seg = self._segment
        return (PlayClip(seg.id, seg.clip, seg.in_s),)

    def step(self, events: Sequence[InputEvent] = ()) -> StepResult:
        """Run one tick. `events` are those whose time falls in this tick's interval
        ((n-1)/hz, n/hz], in time order."""
        self._tick += 1
        commands: list[Command] = []
        if not self._ended:
            self._advance_media(commands)
        for event in events:
            self._apply(event, commands)
        self._state = self._snapshot()
        return StepResult(self._state, tuple(commands))

    # -- internals ----------------------------------------------------------------------

    def _end_ticks(self, seg: Segment) -> int:
        return max(1, math.ceil(seg.duration_s * self.tick_hz - 1e-6))

    def _media_t(self) -> float:
        seg = self._segment
        ticks = self._seg_ticks
        if seg.loop:
            ticks %= self._end_ticks(seg)
        return min(seg.in_s + ticks / self.tick_hz, seg.out_s)

    def _advance_media(self, commands: list[Command]) -> None:
        if self._paused or self._holding:
            return
        self._seg_ticks += 1
        seg = self._segment
        if seg.loop or self._seg_ticks < self._end_ticks(seg):
            return
        for tr in seg.transitions:
            if isinstance(tr.trigger, EndTrigger):
                self._switch(tr.to, tr.trigger.describe(), commands)
                return
        if seg.ending:
            self._ended = True
            commands.append(ScenarioEnded(seg.id))
        else:
            self._holding = True

    def _apply(self, event: InputEvent, commands: list[Command]) -> None:
        if isinstance(event, Pause):
            self._paused = True
        elif isinstance(event, Resume):
            self._paused = False
        elif self._ended:
            return  # keys and shots after the end change nothing
        elif isinstance(event, KeyPress):
            for tr in self._segment.transitions:
                if isinstance(tr.trigger, KeyTrigger) and tr.trigger.key == event.key:
                    self._switch(tr.to, tr.trigger.describe(), commands)
                    return
        elif isinstance(event, Shot):
            self._shoot(event, commands)

    def _shoot(self, shot: Shot, commands: list[Command]) -> None:
        seg = self._segment
        media_t = self._media_t()
        zone = None
        mapped = screen_to_media(shot.x_norm, shot.y_norm, self.screen_aspect, seg.media_aspect)
        if mapped is not None:
            zone = hit_test(seg.zones, media_t, *mapped)
        if zone is not None:
            self._hits += 1
        self.shots.append(
            ShotRecord(
                self._tick,
                self._tick / self.tick_hz,
                shot.weapon,
                shot.x_norm,
                shot.y_norm,
                seg.id,
                media_t,
                zone.name if zone else None,
                zone.role if zone else None,
            )
        )
        commands.append(
            ShotMarker(
                shot.x_norm,
                shot.y_norm,
                shot.weapon,
                zone.name if zone else None,
                zone.role if zone else None,
            )
        )
        if zone is None:
            return
        for tr in seg.transitions:
            if isinstance(tr.trigger, HitTrigger) and tr.trigger.matches(zone):
                self._switch(tr.to, tr.trigger.describe(), commands)
                return

    def _switch(self, to: str, why: str, commands: list[Command]) -> None:
        old = self._segment.id
        self._segment = self.scenario.segments[to]
        self._seg_ticks = 0
        self._holding = False
        self.segments_played.append(to)
        self.branches.append(BranchRecord(self._tick, self._tick / self.tick_hz, old, to, why))
        commands.append(PlayClip(to, self._segment.clip, self._segment.in_s))

    def _snapshot(self) -> SimState:
        media_t = self._media_t()
        h = hashlib.blake2b(self._digest, digest_size=16)
        h.update(self._segment.id.encode())
        h.update(
            struct.pack(
                "<qq????ii",
                self._tick,
                self._seg_ticks,
                self._paused,
                self._holding,
                self._ended,
                False,
                len(self.shots),
                self._hits,
            )
        )
        self._digest = h.digest()
        return SimState(
            self._tick,
            self._tick / self.tick_hz,
            self._segment.id,
            media_t,
            self._paused,
            self._holding,
            self._ended,
            len(self.shots),
            self._hits,
            self._digest,
        )
