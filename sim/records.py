"""The runtime's records of a session, for the summary, the station and the after-action
review: branches, cues, trainee actions, shots, sounds, level changes, flags, target hits,
pauses and rubric scores.

`SessionLog` is a read-only snapshot of them (tuples) for readers while a session runs.
Plain frozen data; must not import outside the standard library and sim.
"""

from __future__ import annotations

from dataclasses import dataclass


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
class SaidRecord:
    """A pack phrase the trainee said (a `said` input with a phrase: recognized in their
    voice, or scripted): a verbal command, as the V key's action is."""

    tick: int
    t_s: float
    segment: str
    phrase: str


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
class TargetHitRecord:
    """A scene extension's 3D target was hit (a steel plate fell): it arrives as a
    TargetHit input, so the recording has it and a replay reproduces it."""

    tick: int
    t_s: float
    segment: str
    target: str
    weapon: str


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """A rubric item scored for one weapon's trainee: by the instructor (a Score input
    event the runtime accepted) or by an automatic rule (sim.rubric.score_session, from
    the records). `level` is on the pack's scale; None: not observed. These fields are
    what the records store keeps (tools/records/store.py)."""

    tick: int
    t_s: float
    item: str
    level: int | None
    weapon: str
    comment: str
    source: str  # "instructor" or "automatic"


@dataclass(frozen=True, slots=True)
class SessionLog:
    """What the runtime has recorded so far, as tuples: views read this, never the
    runtime's own lists, so nothing outside the sim can change a record."""

    segments_played: tuple[str, ...]
    branches: tuple[BranchRecord, ...]
    cues: tuple[CueRecord, ...]
    actions: tuple[ActionRecord, ...]
    shots: tuple[ShotRecord, ...]
    sounds: tuple[SoundRecord, ...]
    level_changes: tuple[LevelRecord, ...]
    flags: tuple[FlagRecord, ...]
    target_hits: tuple[TargetHitRecord, ...]
    device_events: tuple[tuple[float, str, bool, str], ...]
    ignored: tuple[str, ...]
    scores: tuple[ScoreRecord, ...] = ()  # the instructor's, in the order given
    pauses: tuple[tuple[float, float | None], ...] = ()  # (from s, to s; None: still paused)
    said: tuple[SaidRecord, ...] = ()  # pack phrases said (verbal commands by voice)
