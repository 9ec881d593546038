"""The scenario runtime: advances a scenario graph one fixed tick at a time.

`ScenarioRuntime.step(events)` is one tick. In order it: moves media time (unless paused or
holding) and notes the cues it passes; fires the first automatic transition due (time,
no-shot, then end of clip); applies the tick's input events in time order (keys, coded
trainee actions, shots with their hit and shot transitions, pause and resume). It returns
the new state plus commands for the engine (play a clip, draw a shot marker, the scenario
ended). Same scenario + same events at the same ticks = same states: each state carries a
digest chained over every tick so far, for replay verification.

Time is the tick count: tick n is at n / tick_hz seconds of session time; the state
returned by the n-th step is the state at that time. Must not import outside the
standard library, numpy and sim; never reads a clock.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.events import (
    DeviceStatus,
    EndScenario,
    Flag,
    FlagNote,
    FlashlightMove,
    InputEvent,
    JumpTo,
    KeyPress,
    MagazineChange,
    Malfunction,
    Pause,
    PlaySound,
    Resume,
    SetLevel,
    SetView,
    Shot,
    TraineeAction,
)
from sim.hit_zones import hit_test, screen_to_media
from sim.scenario import (
    ActionTrigger,
    EndTrigger,
    HitTrigger,
    KeyTrigger,
    NoShotTrigger,
    Scenario,
    Segment,
    ShotTrigger,
    TimeTrigger,
)
from sim.sounds import DEFAULT_LEVELS, LEVELS, MAX_LEVEL


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
    score: int
    flags: int
    markers: bool  # the trainee sees hit markers
    low_light: bool
    flashlight: bool  # the flashlight reveal (issue 7 renders it)
    levels: tuple[int, ...]  # volumes in percent, in sim.sounds.LEVELS order
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
    kind: str = "firearm"  # the weapon kind, for its report


@dataclass(frozen=True, slots=True)
class StartSound:
    """Play a sound now: `source` is "pack" (a segment's scheduled sound) or "instructor"."""

    sound: str
    bus: str
    source: str


@dataclass(frozen=True, slots=True)
class ScenarioEnded:
    segment: str
    by_instructor: bool = False


@dataclass(frozen=True, slots=True)
class DryFire:
    """A trigger pull that did not fire (an injected stoppage, an empty or missing
    magazine): no recoil pulse."""

    weapon: str
    reason: str = "malfunction"


@dataclass(frozen=True, slots=True)
class AmmoChanged:
    """Rounds left in a weapon's magazine changed (for the gun's display)."""

    weapon: str
    rounds: int


Command = PlayClip | ShotMarker | ScenarioEnded | DryFire | AmmoChanged | StartSound


@dataclass(frozen=True, slots=True)
class StepResult:
    state: SimState
    commands: tuple[Command, ...]


# Records for the end-of-run summary and the after-action review -----------------------


@dataclass(frozen=True, slots=True)
class BranchRecord:
    tick: int
    t_s: float
    from_segment: str
    to_segment: str
    trigger: str  # the trigger's description
    kind: str  # the trigger's kind (key, end, time, hit, shot, no-shot, action)


@dataclass(frozen=True, slots=True)
class CueRecord:
    tick: int
    t_s: float
    segment: str
    name: str


@dataclass(frozen=True, slots=True)
class ActionRecord:
    tick: int
    t_s: float
    segment: str
    action: str


@dataclass(frozen=True, slots=True)
class ShotRecord:
    tick: int
    t_s: float
    weapon: str
    kind: str
    x_norm: float
    y_norm: float
    segment: str
    media_t_s: float
    zone: str | None
    role: str | None
    points: int
    cue: str | None  # the latest cue passed in this segment, if any
    since_cue_s: float | None  # reaction time from that cue
    fired: bool = True  # False: a dry trigger pull
    dry_reason: str = ""  # "malfunction" (injected) or "empty" (no rounds, no magazine)


@dataclass(frozen=True, slots=True)
class SoundRecord:
    tick: int
    t_s: float
    segment: str
    sound: str
    source: str  # "pack" or "instructor"


@dataclass(frozen=True, slots=True)
class LevelRecord:
    tick: int
    t_s: float
    control: str
    percent: int


@dataclass(frozen=True, slots=True)
class FlagRecord:
    tick: int
    t_s: float
    segment: str
    media_t_s: float
    note: str


@dataclass(frozen=True, slots=True)
class _Instructor:
    """The trigger of a branch the instructor forced (jump, replay)."""

    kind: str
    text: str

    def describe(self) -> str:
        return self.text


class ScenarioRuntime:
    def __init__(
        self,
        scenario: Scenario,
        tick_hz: int = 120,
        screen_aspect: float = 16 / 9,
        levels: dict[str, int] | None = None,
    ):
        """`levels` overrides the pack's starting volumes (the command line's)."""
        if tick_hz <= 0:
            raise ValueError("tick_hz must be positive")
        scenario.validate()
        self.scenario = scenario
        self.tick_hz = tick_hz
        self.screen_aspect = screen_aspect
        self._tick = 0
        self._paused = False
        self._ended = False
        self.segments_played: list[str] = []
        self.branches: list[BranchRecord] = []
        self.shots: list[ShotRecord] = []
        self.cues: list[CueRecord] = []
        self.actions: list[ActionRecord] = []
        self.flags: list[FlagRecord] = []
        self.device_events: list[tuple[float, str, bool, str]] = []  # (t_s, device, up, text)
        self.sounds: list[SoundRecord] = []  # every sound started, by the pack or instructor
        self.level_changes: list[LevelRecord] = []
        self._levels = {c: scenario.levels.get(c, DEFAULT_LEVELS[c]) for c in LEVELS}
        for control, pct in (levels or {}).items():
            if control not in LEVELS or not 0 <= pct <= MAX_LEVEL:
                raise ValueError(f"level {control}={pct}: controls are {', '.join(LEVELS)}, 0-100")
            self._levels[control] = pct
        self.ignored: list[str] = []  # instructor events that could not apply, and why
        self._stoppages: set[str] = set()  # weapons whose next trigger pull is dead
        self._rounds: dict[str, int] = {}  # weapons with a tracked magazine: rounds left
        # flashlight beams by light id: (on, x_norm, y_norm), for the low-light view
        self.flashlights: dict[str, tuple[bool, float, float]] = {}
        self._view = {"markers": True, "low-light": False, "flashlight": False}
        self._hits = 0
        self._score = 0
        self._fired = 0
        self._digest = hashlib.blake2b(scenario.title.encode(), digest_size=16).digest()
        self._start_commands: list[Command] = []
        self._enter(scenario.segments[scenario.start], self._start_commands)
        self._state = self._snapshot()

    # -- public -----------------------------------------------------------------------

    @property
    def state(self) -> SimState:
        return self._state

    def start_commands(self) -> tuple[Command, ...]:
        seg = self._segment
        return (PlayClip(seg.id, seg.clip, seg.in_s), *self._start_commands)

    def step(self, events: Sequence[InputEvent] = ()) -> StepResult:
        """Run one tick. `events` are those whose time falls in this tick's interval
        ((n-1)/hz, n/hz], in time order."""
        self._tick += 1
        commands: list[Command] = []
        if not self._ended:
            self._advance_media(commands)
        for event in events:
            self._apply(event, commands)
        self._state = self._snapshot(events)
        return StepResult(self._state, tuple(commands))

    # -- time within a segment ----------------------------------------------------------

    def _ticks_to(self, seg: Segment, media_t_s: float) -> int:
        """Ticks from the segment's in time until media time reaches media_t_s."""
        return max(0, math.ceil((media_t_s - seg.in_s) * self.tick_hz - 1e-6))

    def _end_ticks(self, seg: Segment) -> int:
        return max(1, self._ticks_to(seg, seg.out_s))

    def _position(self) -> int:
        """Ticks into the clip (wrapped for loops)."""
        seg = self._segment
        return self._seg_ticks % self._end_ticks(seg) if seg.loop else self._seg_ticks

    def _media_t(self) -> float:
        seg = self._segment
        return min(seg.in_s + self._position() / self.tick_hz, seg.out_s)

    # -- internals ----------------------------------------------------------------------

    def _enter(self, seg: Segment, commands: list[Command]) -> None:
        self._segment = seg
        self._seg_ticks = 0
        self._seg_shots = 0
        self._holding = False
        self._last_cue: CueRecord | None = None
        self.segments_played.append(seg.id)
        self._note_cues(commands)

    def _note_cues(self, commands: list[Command]) -> None:
        """Cues and scheduled sounds at the current position (each loop pass again)."""
        pos = self._position()
        seg = self._segment
        for cue in seg.cues:
            if self._ticks_to(seg, cue.t_s) == pos:
                rec = CueRecord(self._tick, self._tick / self.tick_hz, seg.id, cue.name)
                self.cues.append(rec)
                self._last_cue = rec
        for sc in seg.sounds:
            if self._ticks_to(seg, sc.t_s) == pos:
                self._start_sound(sc.sound, "pack", commands)

    def _start_sound(self, name: str, source: str, commands: list[Command]) -> None:
        sound = self.scenario.sounds.get(name)
        t_s = self._tick / self.tick_hz
        if sound is None:
            self.ignored.append(f"{t_s:.3f} s: no sound named {name!r}")
            return
        self.sounds.append(SoundRecord(self._tick, t_s, self._segment.id, name, source))
        commands.append(StartSound(name, sound.bus, source))

    def _advance_media(self, commands: list[Command]) -> None:
        if self._paused or self._holding:
            return
        self._seg_ticks += 1
        self._note_cues(commands)
        seg = self._segment
        pos = self._position()
        for tr in seg.transitions:
            trig = tr.trigger
            due = (
                isinstance(trig, TimeTrigger) and pos == max(1, self._ticks_to(seg, trig.at_s))
            ) or (
                isinstance(trig, NoShotTrigger)
                and self._seg_shots == 0
                and self._seg_ticks == max(1, self._ticks_to(seg, trig.by_s))
            )
            if due:
                self._switch(tr.to, trig, commands)
                return
        if seg.loop or self._seg_ticks < self._end_ticks(seg):
            return
        for tr in seg.transitions:
            if isinstance(tr.trigger, EndTrigger):
                self._switch(tr.to, tr.trigger, commands)
                return
        if seg.ending:
            self._ended = True
            commands.append(ScenarioEnded(seg.id))
        else:
            self._holding = True

    def _apply(self, event: InputEvent, commands: list[Command]) -> None:
        t_s = self._tick / self.tick_hz
        if isinstance(event, Pause):
            self._paused = True
        elif isinstance(event, Resume):
            self._paused = False
        elif isinstance(event, Flag):
            self.flags.append(
                FlagRecord(self._tick, t_s, self._segment.id, self._media_t(), event.note)
            )
        elif isinstance(event, FlagNote):
            if self.flags:
                last = self.flags[-1]
                self.flags[-1] = FlagRecord(
                    last.tick,
                    last.t_s,
                    last.segment,
                    last.media_t_s,
                    (last.note + " " + event.note).strip(),
                )
        elif isinstance(event, FlashlightMove):
            self.flashlights[event.light] = (event.on, event.x_norm, event.y_norm)
        elif isinstance(event, DeviceStatus):
            self.device_events.append((t_s, event.device, event.connected, event.text))
        elif isinstance(event, SetView):
            self._view[event.setting] = event.on
        elif isinstance(event, JumpTo):
            if event.segment not in self.scenario.segments:
                self.ignored.append(f"{t_s:.3f} s: jump to unknown segment {event.segment!r}")
                return
            replay = event.segment == self._segment.id
            self._ended = False
            self._switch(
                event.segment,
                _Instructor(
                    "replay" if replay else "jump",
                    "instructor: replay" if replay else "instructor: jump",
                ),
                commands,
            )
        elif isinstance(event, Malfunction):
            self._stoppages.add(event.weapon)
        elif isinstance(event, PlaySound):
            self._start_sound(event.sound, "instructor", commands)
        elif isinstance(event, SetLevel):
            self._levels[event.control] = max(0, min(MAX_LEVEL, event.percent))
            self.level_changes.append(
                LevelRecord(self._tick, t_s, event.control, self._levels[event.control])
            )
        elif isinstance(event, MagazineChange):
            self._rounds[event.weapon] = event.rounds if event.inserted else 0
            commands.append(AmmoChanged(event.weapon, self._rounds[event.weapon]))
        elif self._ended:
            return  # keys, actions and shots after the end change nothing
        elif isinstance(event, KeyPress):
            self._fire_first(commands, lambda t: isinstance(t, KeyTrigger) and t.key == event.key)
        elif isinstance(event, TraineeAction):
            self.actions.append(
                ActionRecord(self._tick, self._tick / self.tick_hz, self._segment.id, event.action)
            )
            self._fire_first(
                commands, lambda t: isinstance(t, ActionTrigger) and t.action == event.action
            )
        elif isinstance(event, EndScenario):
            self._ended = True
            commands.append(ScenarioEnded(self._segment.id, by_instructor=True))
        elif isinstance(event, Shot):
            if event.weapon in self._stoppages:
                self._stoppages.discard(event.weapon)
                self._dry(event, commands, "malfunction")
            elif self._rounds.get(event.weapon, 1) <= 0:
                self._dry(event, commands, "empty")
            else:
                if event.weapon in self._rounds:
                    self._rounds[event.weapon] -= 1
                    commands.append(AmmoChanged(event.weapon, self._rounds[event.weapon]))
                self._shoot(event, commands)

    def _fire_first(self, commands: list[Command], wanted) -> bool:
        for tr in self._segment.transitions:
            if wanted(tr.trigger):
                self._switch(tr.to, tr.trigger, commands)
                return True
        return False

    def _record(self, shot: Shot, zone, dry_reason: str = "") -> None:
        cue = self._last_cue
        t_s = self._tick / self.tick_hz
        self.shots.append(
            ShotRecord(
                self._tick,
                t_s,
                shot.weapon,
                shot.kind,
                shot.x_norm,
                shot.y_norm,
                self._segment.id,
                self._media_t(),
                zone.name if zone else None,
                zone.role if zone else None,
                zone.points if zone else 0,
                cue.name if cue else None,
                (t_s - cue.t_s) if cue else None,
                fired=not dry_reason,
                dry_reason=dry_reason,
            )
        )

    def _dry(self, shot: Shot, commands: list[Command], reason: str) -> None:
        self._record(shot, None, reason)
        commands.append(DryFire(shot.weapon, reason))

    def _shoot(self, shot: Shot, commands: list[Command]) -> None:
        seg = self._segment
        zone = None
        mapped = screen_to_media(shot.x_norm, shot.y_norm, self.screen_aspect, seg.media_aspect)
        if mapped is not None:
            zone = hit_test(seg.zones, self._media_t(), *mapped)
        self._fired += 1
        if zone is not None:
            self._hits += 1
            self._score += zone.points
        self._seg_shots += 1
        self._record(shot, zone)
        commands.append(
            ShotMarker(
                shot.x_norm,
                shot.y_norm,
                shot.weapon,
                zone.name if zone else None,
                zone.role if zone else None,
                shot.kind,
            )
        )
        if zone is not None and self._fire_first(
            commands, lambda t: isinstance(t, HitTrigger) and t.matches(zone, shot.kind)
        ):
            return
        self._fire_first(commands, lambda t: isinstance(t, ShotTrigger) and t.matches(shot.kind))

    def _switch(self, to: str, trigger, commands: list[Command]) -> None:
        old = self._segment.id
        self.branches.append(
            BranchRecord(
                self._tick, self._tick / self.tick_hz, old, to, trigger.describe(), trigger.kind
            )
        )
        at = len(commands)
        self._enter(self.scenario.segments[to], commands)
        commands.insert(at, PlayClip(to, self._segment.clip, self._segment.in_s))

    def _snapshot(self, events: Sequence[InputEvent] = ()) -> SimState:
        """The state after this tick; its digest chains the previous digest, every state
        field, hidden counters and the inputs applied at this tick."""
        fields = (
            self._tick,
            self._tick / self.tick_hz,
            self._segment.id,
            self._media_t(),
            self._paused,
            self._holding,
            self._ended,
            self._fired,
            self._hits,
            self._score,
            len(self.flags),
            self._view["markers"],
            self._view["low-light"],
            self._view["flashlight"],
            tuple(self._levels[c] for c in LEVELS),
        )
        hidden = (
            self._seg_ticks,
            self._seg_shots,
            len(self.actions),
            tuple(sorted(self._stoppages)),
            tuple(sorted(self._rounds.items())),
            tuple(sorted(self.flashlights.items())),
        )
        self._digest = hashlib.blake2b(
            self._digest + repr((fields, hidden, tuple(events))).encode(), digest_size=16
        ).digest()
        return SimState(*fields, self._digest)
