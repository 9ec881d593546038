"""The scenario runtime: advances a scenario graph one fixed tick at a time.

`ScenarioRuntime.step(events)` is one tick. In order it: moves media time (unless paused or
holding) and notes the cues it passes; fires the first automatic transition due (triggers
due on the tick, then at the end of the clip); applies the tick's input events in time
order (keys, coded trainee actions, shots with their hit and shot transitions, pause and
resume, rubric scores; in a community session the room's votes and the facilitator's
steps, sim/room_steps.py). When each trigger kind fires is the kind's own business
(sim/triggers.py); this module asks them, in that order. It returns the new state plus
commands for the engine (play a clip, draw a shot marker and start its report, the
scenario ended). Same scenario + same events at the same ticks = same states: each state
carries a digest chained over every tick so far, for replay verification.

The state and commands live in sim/commands.py, the records in sim/records.py; both are
re-exported here. The runtime's steps live in mixins beside it: media time, cues and
branching in sim/_runtime_segments.py, shots in sim/_runtime_shots.py, a community
session's in sim/room_steps.py; this module keeps the tick, the inputs and the state.
Time is the tick count: tick n is at n / tick_hz seconds of session time; the state
returned by the n-th step is the state at that time. Must not import outside the
standard library, numpy and sim; never reads a clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sim._runtime_segments import SegmentSteps
from sim._runtime_shots import ShotSteps
from sim.commands import (
    AmmoChanged,
    Command,
    DryFire,
    PlayClip,
    ScenarioEnded,
    ShotMarker,
    SimState,
    StartSound,
    StepResult,
    StopEffects,
    StoppageInjected,
)
from sim.community import Room, RoomOptions
from sim.events import (
    DeviceStatus,
    Disarm,
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
    Said,
    Score,
    SetLevel,
    SetView,
    Shot,
    TargetHit,
    Threat,
    TraineeAction,
)
from sim.records import (
    ActionRecord,
    BranchRecord,
    CueRecord,
    FlagRecord,
    LevelRecord,
    SaidRecord,
    ScoreRecord,
    SessionLog,
    ShotRecord,
    SoundRecord,
    TargetHitRecord,
)
from sim.room_steps import CommunitySteps
from sim.rubric import ScoreSheet, score_session
from sim.scenario import Scenario
from sim.sounds import DEFAULT_LEVELS, LEVELS, MAX_LEVEL
from sim.triggers import InstructorBranch

__all__ = [
    "ActionRecord",
    "AmmoChanged",
    "BranchRecord",
    "Command",
    "CueRecord",
    "DryFire",
    "FlagRecord",
    "LevelRecord",
    "PlayClip",
    "ScenarioEnded",
    "ScenarioRuntime",
    "ScoreRecord",
    "SessionLog",
    "ShotMarker",
    "ShotRecord",
    "SimState",
    "SoundRecord",
    "StartSound",
    "StepResult",
    "TargetHitRecord",
]


class ScenarioRuntime(SegmentSteps, ShotSteps, CommunitySteps):
    def __init__(
        self,
        scenario: Scenario,
        tick_hz: int = 120,
        screen_aspect: float = 16 / 9,
        levels: dict[str, int] | None = None,
        reports: dict[str, str] | None = None,
        community: RoomOptions | None = None,
    ):
        """`levels` overrides the pack's starting volumes and `reports` its report sounds
        (weapon id or weapon kind -> sound name), both from the command line. With
        `community`, the session asks the room where the scenario branches
        (sim/community.py)."""
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
        self.said: list[SaidRecord] = []  # pack phrases the trainee said
        self.flags: list[FlagRecord] = []
        self.device_events: list[tuple[float, str, bool, str]] = []  # (t_s, device, up, text)
        self.sounds: list[SoundRecord] = []  # every sound started, by the pack or instructor
        self.level_changes: list[LevelRecord] = []
        self._levels = {c: scenario.levels.get(c, DEFAULT_LEVELS[c]) for c in LEVELS}
        for control, pct in (levels or {}).items():
            if control not in LEVELS or not 0 <= pct <= MAX_LEVEL:
                raise ValueError(f"level {control}={pct}: controls are {', '.join(LEVELS)}, 0-100")
            self._levels[control] = pct
        self.reports = dict(reports or {})
        for weapon, name in self.reports.items():
            if name not in scenario.sounds:
                raise ValueError(f"report {weapon}={name}: no sound named {name!r}")
        self.ignored: list[str] = []  # instructor events that could not apply, and why
        self.target_hits: list[TargetHitRecord] = []
        # the instructor's rubric scores, as given (automatic ones: score_sheet())
        self.scores: list[ScoreRecord] = []
        self.pauses: list[tuple[float, float | None]] = []  # (from s, to s or None)
        self._stoppages: set[str] = set()  # weapons whose next trigger pull is dead
        self._disarmed = False  # the instructor disarmed the stress devices (from inputs)
        self.stress: list[tuple[float, str, str]] = []  # (t_s, effect, source) fired
        self._rounds: dict[str, int] = {}  # weapons with a tracked magazine: rounds left
        # flashlight beams by light id: (on, x_norm, y_norm), for the low-light view
        self.flashlights: dict[str, tuple[bool, float, float]] = {}
        self._view = {"markers": True, "low-light": False, "flashlight": False}
        self._hits = 0
        self._score = 0
        self._fired = 0
        self._digest = hashlib.blake2b(scenario.title.encode(), digest_size=16).digest()
        self._log: SessionLog | None = None
        self._log_tick = -1
        self.room = Room(community, tick_hz) if community is not None else None
        self._start_commands: list[Command] = []
        self._enter(scenario.segments[scenario.start], self._start_commands)
        self._state = self._snapshot()

    # -- public -----------------------------------------------------------------------

    @property
    def state(self) -> SimState:
        return self._state

    def log(self) -> SessionLog:
        """A read-only snapshot of the records so far (made once per tick, on demand)."""
        if self._log is None or self._log_tick != self._tick:
            self._log = SessionLog(
                tuple(self.segments_played),
                tuple(self.branches),
                tuple(self.cues),
                tuple(self.actions),
                tuple(self.shots),
                tuple(self.sounds),
                tuple(self.level_changes),
                tuple(self.flags),
                tuple(self.target_hits),
                tuple(self.device_events),
                tuple(self.ignored),
                tuple(self.scores),
                tuple(self.pauses),
                tuple(self.said),
            )
            self._log_tick = self._tick
        return self._log

    def score_sheet(self) -> ScoreSheet:
        """The session scored against the pack's rubric from the records so far: the
        instructor's scores plus the automatic items (sim.rubric.score_session), stamped
        with the current tick. At the end of a session this is its result; the records
        store and the station both call it, so they agree."""
        return score_session(
            self.scenario.rubric, self.log(), self._tick / self.tick_hz, self._tick
        )

    def start_commands(self) -> tuple[Command, ...]:
        seg = self._segment
        return (PlayClip(seg.id, seg.clip, seg.in_s), *self._start_commands)

    def step(self, events: Sequence[InputEvent] = ()) -> StepResult:
        """Run one tick. `events` are those whose time falls in this tick's interval
        ((n-1)/hz, n/hz], in time order."""
        self._tick += 1
        commands: list[Command] = []
        if self.room is not None and not self._ended:
            self._room_tick(commands)
        if not self._ended:
            self._advance_media(commands)
        for event in events:
            self._apply(event, commands)
        self._state = self._snapshot(events)
        return StepResult(self._state, tuple(commands))

    # -- internals ----------------------------------------------------------------------

    def _apply(self, event: InputEvent, commands: list[Command]) -> None:
        t_s = self._tick / self.tick_hz
        if self.room is not None and self._room_event(event, commands):
            return
        if self._not_a_room(event, t_s):
            return
        if isinstance(event, Pause):
            if not self._paused:
                self.pauses.append((t_s, None))
                commands.append(StopEffects())  # a running effect stops with the picture
            self._paused = True
        elif isinstance(event, Disarm):
            self._disarmed = True
            commands.append(StopEffects(disarmed=True))
        elif isinstance(event, Threat):
            self._stress(event.effect, 100, 500, "instructor", commands)  # capped locally
        elif isinstance(event, Resume):
            if self._paused and self.pauses:
                self.pauses[-1] = (self.pauses[-1][0], t_s)
            self._paused = False
        elif isinstance(event, Score):
            self._score_event(event, t_s)  # also after the end: scoring at the debrief
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
                InstructorBranch(
                    "replay" if replay else "jump",
                    "instructor: replay" if replay else "instructor: jump",
                ),
                commands,
            )
        elif isinstance(event, Malfunction):
            self._stoppages.add(event.weapon)
            commands.append(StoppageInjected(event.weapon))  # a magazine device acts on it
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
        elif isinstance(event, TargetHit):
            self.target_hits.append(
                TargetHitRecord(self._tick, t_s, self._segment.id, event.target, event.weapon)
            )
        elif isinstance(event, KeyPress):
            pass  # a key only branches: offered to the triggers below
        elif isinstance(event, TraineeAction):
            self.actions.append(ActionRecord(self._tick, t_s, self._segment.id, event.action))
        elif isinstance(event, Said):
            if event.phrase:  # a verbal command by voice; any said reaches the triggers
                self.said.append(SaidRecord(self._tick, t_s, self._segment.id, event.phrase))
        elif isinstance(event, EndScenario):
            self._ended = True
            commands.append(ScenarioEnded(self._segment.id, by_instructor=True))
            commands.append(StopEffects())
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
            return  # a shot reaches the triggers as its outcome, from _shoot
        if not self._ended and not isinstance(event, JumpTo):
            self._fire_first(commands, event)  # any input may be some trigger kind's cue

    def _score_event(self, event: Score, t_s: float) -> None:
        rubric = self.scenario.rubric
        why = "this pack has no rubric" if rubric is None else None
        why = why or rubric.check_score(event.item, event.level, event.comment)
        if why is not None:
            self.ignored.append(f"{t_s:.3f} s: score ignored: {why}")
            return
        self.scores.append(
            ScoreRecord(
                self._tick,
                t_s,
                event.item,
                event.level,
                event.weapon,
                event.comment.strip(),
                "instructor",
            )
        )

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
        if self.room is not None:  # only then: other sessions' digests stay as they were
            hidden = (*hidden, self.room.key())
        self._digest = hashlib.blake2b(
            self._digest + repr((fields, hidden, tuple(events))).encode(), digest_size=16
        ).digest()
        beams = tuple((x, y) for _, (on, x, y) in sorted(self.flashlights.items()) if on)
        return SimState(*fields, self._digest, beams)
