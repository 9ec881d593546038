"""The runtime's steps for a community session (sim/community.py): where the room is
asked, what its inputs do, how the scenario goes on after a question.

A mixin of ScenarioRuntime (sim/runtime.py), kept apart so that the runtime's own module
stays about the scenario graph: these methods use the runtime's state (`room`, the
tick, pause records, `_switch` of sim/_runtime_segments.py) and are called at fixed
points of its tick. Must not import outside the standard library and sim; never reads a
clock.
"""

from __future__ import annotations

from functools import partial

from sim.commands import Command, QuestionClosed, QuestionOpened, RoomDecided
from sim.events import Angle, CloseVote, Continue, InputEvent, KeyPress, Resume, Reveal, Vote
from sim.scenario import Segment
from sim.triggers import InstructorBranch

ROOM_EVENTS = (Vote, CloseVote, Reveal, Continue, Angle)


class CommunitySteps:
    """The community-session part of ScenarioRuntime."""

    def _ask(self, seg: Segment, commands: list[Command]) -> bool:
        """Open the segment's question if it is due now: the scenario pauses."""
        room = self.room
        question = room.due(seg, self._seg_ticks, partial(self._ticks_to, seg))
        if question is None:
            return False
        rec = room.open(seg, question, self._tick, self.ignored, self._media_t())
        if not self._paused:
            self.pauses.append((self._tick / self.tick_hz, None))
        self._paused = True
        commands.append(QuestionOpened(rec.number, seg.id, rec.prompt, question.labels()))
        return True

    def _room_tick(self, commands: list[Command]) -> None:
        was = self.room.phase
        choice = self.room.on_tick(self._tick)
        if was == "open" and self.room.phase == "closed":
            self._closed(commands)
        if choice is not None:
            self._go_on(choice, commands)

    def _closed(self, commands: list[Command]) -> None:
        rec = self.room.questions[-1]
        commands.append(QuestionClosed(rec.number, tuple(rec.counts), rec.closed_by))

    def _go_on(self, choice, commands: list[Command]) -> None:
        """After a question: resume and branch down the choice."""
        rec = self.room.questions[-1]
        commands.append(RoomDecided(rec.number, rec.chosen, rec.to, rec.decided_by))
        if self._paused and self.pauses:
            self.pauses[-1] = (self.pauses[-1][0], self._tick / self.tick_hz)
        self._paused = False
        self._ended = False
        self._switch(
            choice.to, InstructorBranch("vote", f"{rec.decided_by}: {choice.label}"), commands
        )

    def _room_event(self, event: InputEvent, commands: list[Command]) -> bool:
        """A community session's inputs; True when the event was the room's business."""
        room, t_s = self.room, self._tick / self.tick_hz
        why = None
        if isinstance(event, Vote):
            why = room.vote(event, self._tick)
            if why:
                why = f"vote ignored: {why}"
        elif isinstance(event, CloseVote):
            if room.close(self._tick, "facilitator"):
                self._closed(commands)
            else:
                why = "close-vote ignored: no question is open"
        elif isinstance(event, Angle):
            why = room.angle(event.view, len(self._segment.views), self._tick)
            why = why and f"angle ignored: {why}"
        elif isinstance(event, Reveal):
            if not room.reveal(self._tick):
                why = "reveal ignored: no question has been answered"
        elif isinstance(event, Continue | KeyPress):
            if room.phase == "idle":
                if isinstance(event, Continue):
                    self.ignored.append(f"{t_s:.3f} s: continue ignored: no question is open")
                return isinstance(event, Continue)  # a key outside a question: a branch
            label = event.choice if isinstance(event, Continue) else room.choice_for_key(event.key)
            by = "room" if isinstance(event, Continue) and not event.choice else "facilitator"
            was = room.phase
            choice = None if label is None else room.decide(label, by, self._tick)
            if choice is None:
                why = (
                    "continue ignored: the room has no majority; pick a choice"
                    if isinstance(event, Continue) and not event.choice
                    else f"no choice {str(label or getattr(event, 'key', ''))[:60]!r} here"
                )
            else:
                if was == "open":
                    self._closed(commands)
                self._go_on(choice, commands)
        elif isinstance(event, Resume) and room.phase != "idle":
            why = "resume ignored: the room is deciding (close the vote and continue)"
        else:
            return False
        if why:
            self.ignored.append(f"{t_s:.3f} s: {why}")
        return True

    def _not_a_room(self, event: InputEvent, t_s: float) -> bool:
        """Outside a community session, the room's events are listed as ignored."""
        if self.room is None and isinstance(event, ROOM_EVENTS):
            self.ignored.append(f"{t_s:.3f} s: {type(event).__name__} ignored: no room votes")
            return True
        return False
