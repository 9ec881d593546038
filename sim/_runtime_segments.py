"""The runtime's steps within and between segments: media time, the cues, sounds and stress
effects a segment schedules, its automatic transitions, and switching to another segment
(every branch, whoever takes it, goes through `_switch` and is recorded there).

A mixin of ScenarioRuntime (sim/runtime.py), kept apart as sim/room_steps.py is, so that
the runtime's own module stays its tick, its inputs and its state: these methods use the
runtime's state (`scenario`, `tick_hz`, the tick, the current segment and its counters,
the records) and are called at fixed points of its tick. When each trigger kind fires is
the kind's own business (sim/triggers.py); these methods ask them. Must not import outside
the standard library and sim; never reads a clock.
"""

from __future__ import annotations

import math
from functools import partial

from sim.commands import (
    Command,
    PlayClip,
    ScenarioEnded,
    StartSound,
    StopEffects,
    StressEffect,
)
from sim.events import InputEvent
from sim.records import BranchRecord, CueRecord, SoundRecord
from sim.scenario import Segment
from sim.triggers import SegmentClock, ShotOutcome


class SegmentSteps:
    """The segment part of ScenarioRuntime: time, cues and branching."""

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

    # -- entering, scheduling and advancing a segment ------------------------------------

    def _enter(self, seg: Segment, commands: list[Command]) -> None:
        self._segment = seg
        self._seg_ticks = 0
        self._seg_shots = 0
        self._seg_hits = 0  # derived from the shots, so not part of the digest
        self._holding = False
        self._last_cue: CueRecord | None = None
        if self.room is not None:
            self.room.entered(self._tick)
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
        for fx in seg.effects:
            at = fx.t_s if fx.t_s is not None else next(c.t_s for c in seg.cues if c.name == fx.cue)
            if self._ticks_to(seg, at) == pos:
                self._stress(fx.effect, fx.intensity_pct, fx.duration_ms, "pack", commands)

    def _stress(
        self, effect: str, intensity_pct: int, duration_ms: int, source: str, commands
    ) -> None:
        """A stress effect, unless paused, ended or disarmed (then why, in `ignored`)."""
        t_s = self._tick / self.tick_hz
        why = (
            "disarmed"
            if self._disarmed
            else "paused"
            if self._paused
            else "the scenario has ended"
            if self._ended
            else None
        )
        if why is not None:
            self.ignored.append(f"{t_s:.3f} s: {source} {effect} not fired: {why}")
            return
        self.stress.append((t_s, effect, source))
        commands.append(StressEffect(effect, intensity_pct, duration_ms, source))

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
        if self.room is not None and self._ask(seg, commands):
            return  # the room is asked: the scenario holds here
        clock = SegmentClock(
            self._position(),
            self._seg_ticks,
            self._seg_shots,
            partial(self._ticks_to, seg),
            self._seg_hits,
        )
        for tr in seg.transitions:
            if tr.trigger.due_on_tick(clock):
                self._switch(tr.to, tr.trigger, commands)
                return
        if seg.loop or self._seg_ticks < self._end_ticks(seg):
            return
        for tr in seg.transitions:
            if tr.trigger.due_at_clip_end():
                self._switch(tr.to, tr.trigger, commands)
                return
        if seg.ending:
            self._ended = True
            commands.append(ScenarioEnded(seg.id))
            commands.append(StopEffects())
        else:
            self._holding = True

    # -- branching ----------------------------------------------------------------------

    def _fire_first(self, commands: list[Command], event: InputEvent | ShotOutcome) -> None:
        """Branch on the first trigger the input matches: lowest `order`, then authored."""
        matching = [tr for tr in self._segment.transitions if tr.trigger.on_input(event)]
        if matching:
            tr = min(matching, key=lambda tr: tr.trigger.order)  # min keeps the first of ties
            self._switch(tr.to, tr.trigger, commands)

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
