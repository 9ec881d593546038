"""Community sessions: a room decides together where the scenario offers branches.

Owns the audience's questions and the vote: where a segment offers branches, a community
session pauses and asks the room "What would you do?" with the branch labels (or the
choices the pack names for the audience, `[segments.ID.question]`); votes arrive as input
events (`Vote`, from phones through tools/community, or a script); the question closes
when the facilitator says so (`CloseVote`, or a choice key) or after `vote_s`; the result
is shown; the facilitator reveals what the training says (`Reveal`) and goes on
(`Continue`, or a key 1-9 for a choice) down the room's choice or another one.

Pure and deterministic like the rest of sim: the runtime (sim/runtime.py) owns a `Room`
when its session is a community session and calls it at fixed points of a tick; time is
ticks. A vote arriving while no question is open counts for the next one to open (a
script's votes may come early); a vote for a question that has closed does not. Must not
import outside the standard library and sim (sim.events only: sim.scenario imports this).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.events import MAX_LABEL_LEN, Vote

if TYPE_CHECKING:
    from sim.scenario import Segment

PROMPT = "What would you do?"
MAX_CHOICES = 9  # keys 1-9 pick them
MAX_LINES = 64  # discussion questions or training points of one question
MAX_VOTES = 100_000  # votes one question counts (a flood is refused before, by the server)
MAX_PENDING = 1_000  # early votes held for the next question


@dataclass(frozen=True)
class Choice:
    label: str
    to: str  # the segment the scenario goes on to


@dataclass(frozen=True)
class Question:
    """What the room is asked at a segment. `at_s` is the media time it opens (None: the
    segment's first cue, else its out time); `points` are what the training says (None:
    the guidebook's training points), `policy` links into the policy library, `discuss`
    questions for the room after the answer (None: the guidebook's questions)."""

    choices: tuple[Choice, ...]
    prompt: str = PROMPT
    at_s: float | None = None
    points: tuple[str, ...] | None = None
    policy: tuple[str, ...] = ()
    discuss: tuple[str, ...] | None = None
    ask: bool = True

    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.choices)


def question_of(seg: Segment) -> Question | None:
    """The question a community session asks in `seg`: the pack's own, else one made of
    the segment's key branches (the instructor's labels) when it offers two or more;
    None when the segment asks nothing."""
    if seg.question is not None:
        return seg.question if seg.question.ask and len(seg.question.choices) >= 2 else None
    choices = []
    for tr in seg.transitions:
        if tr.trigger.kind == "key":
            label = getattr(tr.trigger, "label", "") or f"Branch {tr.trigger.key}"
            choices.append(Choice(label, tr.to))
    if len(choices) < 2:
        return None
    return Question(tuple(choices))


def opens_at_s(seg: Segment, question: Question) -> float:
    """The media time the question opens at in `seg`."""
    if question.at_s is not None:
        return question.at_s
    if seg.cues:
        return min(c.t_s for c in seg.cues)
    return seg.out_s


def check_question(seg: Segment, segments: dict, where: str) -> str | None:
    """Why the pack's question in `seg` cannot work (naming the key path), or None."""
    q = seg.question
    if q is None:
        return None
    if not 0 < len(q.choices) <= MAX_CHOICES:
        return f"{where}.choices: list 1 to {MAX_CHOICES} choices"
    seen: dict[str, int] = {}
    for i, c in enumerate(q.choices):
        if not 0 < len(c.label) <= MAX_LABEL_LEN:
            return f"{where}.choices[{i}].label: 1 to {MAX_LABEL_LEN} characters"
        if c.label in seen:
            return f"{where}.choices[{i}].label: {c.label!r} is already choices[{seen[c.label]}]"
        seen[c.label] = i
        if c.to not in segments:
            return f"{where}.choices[{i}].to: no segment named {c.to!r}"
    if q.at_s is not None and not seg.in_s <= q.at_s <= seg.out_s:
        return f"{where}.at: {q.at_s} s is outside the segment ({seg.in_s}..{seg.out_s})"
    if not 0 < len(q.prompt) <= MAX_LABEL_LEN:
        return f"{where}.prompt: 1 to {MAX_LABEL_LEN} characters"
    for name in ("points", "discuss"):
        lines = getattr(q, name)
        if lines is not None and len(lines) > MAX_LINES:
            return f"{where}.{name}: over {MAX_LINES} lines"
    return None


@dataclass(frozen=True)
class RoomOptions:
    """How a community session runs its questions: `vote_s` a question stays open
    unless closed earlier; `reveal_s` after the result the scenario goes on by itself
    down the room's choice (None: it waits for the facilitator)."""

    vote_s: float = 20.0
    reveal_s: float | None = None

    def to_header(self) -> dict:
        return {"vote_seconds": self.vote_s, "reveal_seconds": self.reveal_s}

    @classmethod
    def from_header(cls, table: object) -> RoomOptions | None:
        """From a recording's header (untrusted: bounded); None when it has none."""
        if not isinstance(table, dict):
            return None
        vote, reveal = table.get("vote_seconds", 20.0), table.get("reveal_seconds")

        def ok(v: object) -> bool:
            return (
                not isinstance(v, bool)
                and isinstance(v, int | float)
                and math.isfinite(v)
                and 0 < v <= 3600
            )

        if not ok(vote) or (reveal is not None and not ok(reveal)):
            raise ValueError("community: vote_seconds/reveal_seconds must be 0 to 3600 s")
        return cls(float(vote), None if reveal is None else float(reveal))


@dataclass
class QuestionRecord:
    """One question as the room answered it (the report's source)."""

    number: int  # 1, 2... in the session
    segment: str
    prompt: str
    choices: tuple[Choice, ...]
    opened_tick: int
    opened_s: float
    counts: list[int] = field(default_factory=list)
    closed_tick: int | None = None
    closed_s: float | None = None
    closed_by: str = ""  # "facilitator", "time", "choice"
    chosen: str = ""  # the label the scenario went on with
    to: str = ""
    decided_by: str = ""  # "room", "facilitator", "room (automatic)"
    reveal: int = 0  # panels revealed so far
    media_t_s: float = 0.0  # the segment's media time the question was asked at
    angles: int = 0  # times an alternate view was shown

    def result(self) -> dict[str, int]:
        return {c.label: n for c, n in zip(self.choices, self.counts, strict=True)}

    def room_choice(self) -> str | None:
        """The label with the most votes; None on no votes or a tie (the facilitator
        picks)."""
        if not self.counts or max(self.counts) == 0:
            return None
        best = max(self.counts)
        if self.counts.count(best) > 1:
            return None
        return self.choices[self.counts.index(best)].label


@dataclass(frozen=True)
class RoomView:
    """What the screens show of the room now (read by the engine's overlay and the vote
    server from other threads: a new object each change, never mutated)."""

    phase: str  # "idle", "open" (voting), "closed" (the result)
    number: int = 0
    prompt: str = ""
    labels: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    left_s: float = 0.0  # voting time left
    reveal: int = 0
    room_choice: str | None = None
    segment: str = ""
    media_t_s: float = 0.0  # where the question was asked in the segment's clip
    angle: int = 0  # the alternate view shown (1, 2...), 0: none
    angle_s: float = 0.0  # seconds it has been shown


class Room:
    """The questions of one community session. The runtime calls `due` as media time
    advances, `on_tick` every tick, and the event methods for the tick's inputs; each
    returns what the runtime must do (pause, branch), so the runtime keeps the graph."""

    def __init__(self, options: RoomOptions, tick_hz: int):
        self.options = options
        self.tick_hz = tick_hz
        self.vote_ticks = max(1, round(options.vote_s * tick_hz))
        self.reveal_ticks = (
            None if options.reveal_s is None else max(1, round(options.reveal_s * tick_hz))
        )
        self.phase = "idle"
        self.questions: list[QuestionRecord] = []
        self.pending: list[Vote] = []  # votes before any question was open
        self._voters: set[str] = set()
        self._question: Question | None = None
        self._asked_this_visit = False
        self._angle = (0, 0)  # (view, tick it started)
        self.view = RoomView("idle")

    # -- from the runtime ----------------------------------------------------------------

    def entered(self, tick: int) -> None:
        """A new segment (or the same one again) started: its question may be asked. A
        question still open or shown (the instructor jumped away) is left unanswered."""
        self._asked_this_visit = False
        if self.phase != "idle":
            rec = self.questions[-1]
            self.close(tick, "jump")
            rec.decided_by = "left by a jump"
            self.phase = "idle"
            self._angle = (0, 0)
            self._refresh(tick)

    def due(self, seg: Segment, seg_ticks: int, ticks_to) -> Question | None:
        """The question to open now, at `seg_ticks` ticks into `seg`, or None."""
        if self.phase != "idle" or self._asked_this_visit:
            return None
        q = question_of(seg)
        if q is None:
            return None
        if seg_ticks != max(1, ticks_to(opens_at_s(seg, q))):
            return None
        return q

    def open(
        self, seg: Segment, q: Question, tick: int, ignored: list[str], media_t_s: float = 0.0
    ) -> QuestionRecord:
        self._asked_this_visit = True
        self.phase = "open"
        self._question = q
        self._voters = set()
        rec = QuestionRecord(
            len(self.questions) + 1,
            seg.id,
            q.prompt,
            q.choices,
            tick,
            tick / self.tick_hz,
            [0] * len(q.choices),
            media_t_s=media_t_s,
        )
        self._angle = (0, 0)
        self.questions.append(rec)
        early, self.pending = self.pending, []
        for vote in early:
            why = self._count(vote)
            if why:
                ignored.append(f"{vote.t_s:.3f} s: vote ignored: {why}")
        self._refresh(tick)
        return rec

    def vote(self, vote: Vote, tick: int) -> str | None:
        """Count a vote; why it was not counted otherwise."""
        if self.phase != "open":
            if vote.question:
                return f"question {vote.question} is not open"
            if len(self.pending) >= MAX_PENDING:
                return "too many votes waiting for the next question"
            self.pending.append(vote)  # a script's early vote: for the next question
            return None
        why = self._count(vote)
        self._refresh(tick)
        return why

    def _count(self, vote: Vote) -> str | None:
        rec = self.questions[-1]
        if vote.question and vote.question != rec.number:
            return f"for question {vote.question}, not the open one ({rec.number})"
        labels = [c.label for c in rec.choices]
        if vote.choice not in labels:
            return f"{vote.choice[:60]!r} is not a choice of question {rec.number}"
        if vote.voter:
            if vote.voter in self._voters:
                return f"{vote.voter} already voted on question {rec.number}"
            self._voters.add(vote.voter)
        if sum(rec.counts) >= MAX_VOTES:
            return f"over {MAX_VOTES} votes"
        rec.counts[labels.index(vote.choice)] += 1
        return None

    def close(self, tick: int, by: str) -> bool:
        if self.phase != "open":
            return False
        rec = self.questions[-1]
        rec.closed_tick, rec.closed_s, rec.closed_by = tick, tick / self.tick_hz, by
        self.phase = "closed"
        self._refresh(tick)
        return True

    def angle(self, view: int, n_views: int, tick: int) -> str | None:
        """Show the question's moment from alternate view `view` (0: back); why not."""
        if self.phase != "closed":
            return "the room sees other angles once the vote is closed"
        if view > n_views:
            return f"this segment has {n_views} alternate view(s), not {view}"
        self._angle = (view, tick)
        self.questions[-1].angles += view > 0
        self._refresh(tick)
        return None

    def reveal(self, tick: int) -> bool:
        if self.phase != "closed":
            return False
        self.questions[-1].reveal += 1
        self._refresh(tick)
        return True

    def on_tick(self, tick: int) -> Choice | None:
        """Time limits: closes a vote whose time is up; after the reveal time (when the
        session has one) decides for the room. Returns the choice to go on with."""
        if self.phase == "open":
            if tick - self.questions[-1].opened_tick >= self.vote_ticks:
                self.close(tick, "time")
            else:
                self._refresh(tick)
            return None
        if self.phase == "closed" and self._angle[0]:
            self._refresh(tick)  # the view's clock runs
        if self.phase == "closed" and self.reveal_ticks is not None:
            rec = self.questions[-1]
            if tick - (rec.closed_tick or tick) >= self.reveal_ticks:
                label = rec.room_choice() or rec.choices[0].label
                how = "room (automatic)" if rec.room_choice() else "first choice (no majority)"
                return self.decide(label, how, tick)
        return None

    def decide(self, label: str, by: str, tick: int) -> Choice | None:
        """Go on down `label` ("" for the room's choice); None when that is not possible
        (no question, an unknown label, no majority to follow)."""
        if self.phase == "idle":
            return None
        rec = self.questions[-1]
        if not label:
            label = rec.room_choice() or ""
            if not label:
                return None
        choice = next((c for c in rec.choices if c.label == label), None)
        if choice is None:
            return None
        self.close(tick, "choice")
        rec.chosen, rec.to, rec.decided_by = choice.label, choice.to, by
        self.phase = "idle"
        self._question = None
        self._angle = (0, 0)
        self._refresh(tick)
        return choice

    def choice_for_key(self, key: str) -> str | None:
        """The label a facilitator's key 1-9 picks in the question shown, or None."""
        if self.phase == "idle" or not key.isdigit():
            return None
        i = int(key) - 1
        choices = self.questions[-1].choices
        return choices[i].label if 0 <= i < len(choices) else None

    # -- for screens, digests, reports -------------------------------------------------

    def _refresh(self, tick: int) -> None:
        if self.phase == "idle" or not self.questions:
            self.view = RoomView("idle")
            return
        rec = self.questions[-1]
        left = 0.0
        if self.phase == "open":
            left = max(0, self.vote_ticks - (tick - rec.opened_tick)) / self.tick_hz
        self.view = RoomView(
            self.phase,
            rec.number,
            rec.prompt,
            tuple(c.label for c in rec.choices),
            tuple(rec.counts),
            left,
            rec.reveal,
            rec.room_choice() if self.phase == "closed" else None,
            rec.segment,
            rec.media_t_s,
            self._angle[0] if self.phase == "closed" else 0,
            (tick - self._angle[1]) / self.tick_hz if self._angle[0] else 0.0,
        )

    def key(self) -> tuple:
        """Everything that decides what happens next, for the runtime's state digest."""
        rec = self.questions[-1] if self.questions else None
        return (
            self.phase,
            len(self.questions),
            tuple(rec.counts) if rec else (),
            rec.reveal if rec else 0,
            len(self.pending),
            len(self._voters),
            self._angle,
        )
