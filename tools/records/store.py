"""Trainees and sessions in the records database: adding trainees, storing a session
(from a finished run, or from a recording imported or replayed later) with its
weapon-to-trainee mapping, outcomes and rubric scores, and reading a trainee's record.

Session facts come from the sim's records (sim/records.py) of a run or of a re-simulated
recording; nothing here imports the engine at module level, and nothing here logs: the
callers print what the user asked for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from sim.events import MAX_WEAPON_ID_LEN
from sim.rubric import counted
from tools.records.db import RecordsError, open_database
from tools.records.models import (
    ID_LEN,
    NAME_LEN,
    Cohort,
    Instructor,
    Outcome,
    Score,
    Session,
    SessionTrainee,
    Trainee,
    utcnow,
)

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@contextmanager
def records(url: str) -> Iterator[OrmSession]:
    """One transaction on the records database: committed when the block ends, rolled
    back on an error."""
    engine = open_database(url)
    try:
        with OrmSession(engine) as s, s.begin():
            yield s
    finally:
        engine.dispose()


def check_id(text: str, what: str = "trainee") -> str:
    if not (1 <= len(text) <= ID_LEN and _ID.fullmatch(text)):
        raise RecordsError(
            f"{what} ID {text[:ID_LEN]!r}: 1-{ID_LEN} letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return text


def _check_name(text: str, what: str) -> str:
    text = text.strip()
    if not 1 <= len(text) <= NAME_LEN or not text.isprintable():
        raise RecordsError(f"{what}: 1-{NAME_LEN} printable characters")
    return text


# -- trainees -------------------------------------------------------------------------------


def add_trainee(url: str, trainee_id: str, name: str, class_id: str | None = None) -> None:
    check_id(trainee_id)
    name = _check_name(name, "--name")
    if class_id is not None:
        check_id(class_id, "class")
    try:
        with records(url) as s:
            if s.get(Trainee, trainee_id) is not None:
                raise RecordsError(f"trainee {trainee_id} is already in the records")
            if class_id is not None and s.get(Cohort, class_id) is None:
                s.add(Cohort(id=class_id))
                s.flush()
            s.add(Trainee(id=trainee_id, name=name, class_id=class_id))
    except IntegrityError:  # added by another lane at the same moment
        raise RecordsError(f"trainee {trainee_id} is already in the records") from None


def list_trainees(url: str) -> list[dict]:
    with records(url) as s:
        counts = dict(
            s.execute(
                select(
                    SessionTrainee.trainee_id, func.count(func.distinct(SessionTrainee.session_id))
                ).group_by(SessionTrainee.trainee_id)
            ).all()
        )
        return [
            {"id": t.id, "name": t.name, "class": t.class_id, "sessions": counts.get(t.id, 0)}
            for t in s.scalars(select(Trainee).order_by(Trainee.id))
        ]


def _get_trainee(s: OrmSession, trainee_id: str) -> Trainee:
    t = s.get(Trainee, trainee_id)
    if t is None:
        raise RecordsError(
            f"no trainee {trainee_id} in the records (add one with "
            f"`sightline trainee add {trainee_id} --name NAME`)"
        )
    return t


def iso(when: dt.datetime | None) -> str | None:
    """UTC, ISO 8601 with a Z (SQLite hands back naive datetimes: they are UTC)."""
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.isoformat(timespec="seconds") + "Z"


def _latest_scores(scores: Sequence[Score]) -> dict[str, int | None]:
    """item -> level (None: not observed): the instructor's latest score of each item,
    else its automatic one (sim.rubric.counted: the rule the station and reports use)."""
    return counted(sorted(scores, key=lambda sc: sc.id))


def trainee_record(s: OrmSession, trainee_id: str) -> dict:
    """A trainee with their sessions (oldest first), each session's scores and overall
    level, and their latest observed level on each rubric item."""
    t = _get_trainee(s, trainee_id)
    by_session: dict[int, list[str | None]] = {}
    for link in t.sessions:
        by_session.setdefault(link.session_id, []).append(link.weapon)
    sessions = sorted(
        (s.get(Session, sid) for sid in by_session), key=lambda x: (iso(x.started_at), x.id)
    )
    outcomes = {o.session_id: o for o in t.outcomes}
    out_sessions = []
    levels: dict[str, int] = {}
    for sess in sessions:
        scores = _latest_scores([sc for sc in t.scores if sc.session_id == sess.id])
        levels.update({k: v for k, v in scores.items() if v is not None})
        o = outcomes.get(sess.id)
        weapons = by_session[sess.id]
        out_sessions.append(
            {
                "id": sess.id,
                "date": iso(sess.started_at),
                "pack": sess.pack_title,
                "pack_hash": sess.pack_hash,
                "duration_s": round(sess.duration_s, 3),
                "instructor": sess.instructor.name if sess.instructor else None,
                "weapons": None if None in weapons else sorted(w for w in weapons if w),
                "recording": sess.recording_path,
                "ending": sess.ending,
                "lane": sess.lane,
                "shots": o.shots if o else 0,
                "hits": o.hits if o else 0,
                "no_shoot_hits": o.no_shoot_hits if o else 0,
                "points": o.points if o else 0,
                "scores": scores,
                "level": o.level if o else None,
                "passed": o.passed if o else None,
            }
        )
    return {
        "id": t.id,
        "name": t.name,
        "class": t.class_id,
        "added": iso(t.created_at),
        "sessions": out_sessions,
        "levels": levels,
        "qualifications": [
            {
                "name": q.name,
                "result": q.result,
                "score": q.score,
                "date": q.qualified_on.isoformat(),
                "due": q.due_on.isoformat() if q.due_on else None,
                "session": q.session_id,
            }
            for q in sorted(t.qualifications, key=lambda q: (q.qualified_on, q.id))
        ],
    }


def show_trainee(url: str, trainee_id: str) -> dict:
    with records(url) as s:
        return trainee_record(s, trainee_id)


# -- who trained: --trainee [WEAPON=]ID and --instructor-name ---------------------------------


@dataclass(frozen=True)
class Attribution:
    """Who a session belongs to: (weapon or None, trainee ID) pairs and the instructor."""

    trainees: tuple[tuple[str | None, str], ...] = ()
    instructor: str | None = None

    def __bool__(self) -> bool:
        return bool(self.trainees or self.instructor)

    def trainee_for(self, weapon: str | None) -> str | None:
        for w, tid in self.trainees:
            if w is None or w == weapon:
                return tid
        if weapon is None and len({tid for _, tid in self.trainees}) == 1:
            return self.trainees[0][1]
        return None


def parse_attribution(specs: Sequence[str], instructor: str | None) -> Attribution:
    pairs: list[tuple[str | None, str]] = []
    for spec in specs:
        weapon, sep, tid = spec.rpartition("=")
        if sep and not (1 <= len(weapon) <= MAX_WEAPON_ID_LEN and weapon.isprintable()):
            raise RecordsError(f"--trainee {spec}: expected [WEAPON=]ID, e.g. w1=T1")
        check_id(tid)
        pairs.append((weapon or None, tid))
    if any(w is None for w, _ in pairs) and len(pairs) > 1:
        raise RecordsError(
            "several --trainee: give each one's weapon, e.g. --trainee w1=T1 --trainee w2=T2"
        )
    weapons = [w for w, _ in pairs]
    if len(set(weapons)) != len(weapons):
        raise RecordsError("--trainee: each weapon belongs to one trainee")
    if instructor is not None:
        instructor = _check_name(instructor, "--instructor-name")
    return Attribution(tuple(pairs), instructor)


def check_trainees(s: OrmSession, attribution: Attribution) -> None:
    for _, tid in attribution.trainees:
        _get_trainee(s, tid)


# -- sessions --------------------------------------------------------------------------------


@dataclass
class SessionFacts:
    """What a session was, from the sim's records: stored as one session."""

    started_at: dt.datetime
    duration_s: float
    pack_title: str
    pack_hash: str | None
    pack_path: str | None
    recording_path: Path | None
    source: str  # "run", "import" or "replay"
    ended: bool
    ending: str | None
    shots: Sequence = ()  # sim.records.ShotRecord
    scores: Sequence = ()  # objects or dicts with item, level, weapon, comment, source, t_s
    files: list[str] = field(default_factory=list)
    rubric: object = None  # the pack's sim.rubric.Rubric: each trainee's level and pass
    lane: str | None = None  # the lane it ran on (sightline lane run --lane NAME)


def facts_from_runtime(runtime, pack, **kw) -> SessionFacts:
    """The facts of a run (or a re-simulated recording) from its runtime's records. The
    scores are the runtime's score sheet at this moment, the session's end: the
    instructor's scores and the automatic items (sim.rubric.score_session)."""
    from engine.recorder import pack_hash

    ended = bool(runtime.state.ended)
    sheet = runtime.score_sheet() if hasattr(runtime, "score_sheet") else None
    return SessionFacts(
        duration_s=float(runtime.state.t_s),
        pack_title=pack.title,
        pack_hash=pack_hash(pack),
        pack_path=str(pack.root.resolve()),
        ended=ended,
        ending=runtime.segments_played[-1] if ended and runtime.segments_played else None,
        shots=tuple(runtime.shots),
        scores=sheet.scores if sheet is not None else tuple(getattr(runtime, "scores", ())),
        rubric=getattr(runtime.scenario, "rubric", None),
        **kw,
    )


def _field(obj, name: str, default=None):
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def _instructor(s: OrmSession, name: str | None) -> Instructor | None:
    """The instructor of that name, added if new. Two lanes ending at once on one database
    both found the name missing and both added it: the second broke the unique name and
    its session was not stored. So the row is inserted unless it exists, in one statement."""
    if name is None:
        return None
    query = select(Instructor).where(Instructor.name == name)
    found = s.scalar(query)
    if found is not None:
        return found
    dialect = s.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        s.execute(insert(Instructor).values(name=name).on_conflict_do_nothing())
        return s.scalar(query)
    found = Instructor(name=name)
    s.add(found)
    s.flush()
    return found


def store_session(url: str, facts: SessionFacts, attribution: Attribution) -> tuple[int, bool]:
    """Store one session; (its id, True when it was new). A recording already stored (a
    run recorded and then imported, or replayed with --trainee) is updated, not doubled."""
    recording = str(facts.recording_path.resolve()) if facts.recording_path else None
    with records(url) as s:
        check_trainees(s, attribution)
        sess = None
        if recording is not None:
            sess = s.scalar(select(Session).where(Session.recording_path == recording))
        new = sess is None
        if new:
            sess = Session(
                started_at=facts.started_at,
                recording_path=recording,
                source=facts.source,
                files=[],
            )
            s.add(sess)
        else:  # a fresh attribution replaces the old one
            sess.trainees.clear()
            sess.outcomes.clear()
            sess.scores.clear()
            s.flush()
        sess.duration_s = facts.duration_s
        sess.pack_title = facts.pack_title[:NAME_LEN]
        sess.pack_hash = facts.pack_hash
        sess.pack_path = facts.pack_path
        sess.ended = facts.ended
        sess.ending = facts.ending
        if facts.lane is not None:
            sess.lane = facts.lane
        sess.files = sorted(set(sess.files or []) | {str(Path(f).resolve()) for f in facts.files})
        inst = _instructor(s, attribution.instructor)
        if inst is not None or new:
            sess.instructor = inst
        for weapon, tid in attribution.trainees:
            sess.trainees.append(SessionTrainee(trainee_id=tid, weapon=weapon))
        for tid in dict.fromkeys(tid for _, tid in attribution.trainees):
            mine = [
                sh for sh in facts.shots if sh.fired and attribution.trainee_for(sh.weapon) == tid
            ]
            level = passed = None
            if facts.rubric is not None:
                theirs = [
                    sc
                    for sc in facts.scores
                    if attribution.trainee_for(_field(sc, "weapon")) == tid
                ]
                levels = counted(_ScoreView.of(sc) for sc in theirs)
                level = facts.rubric.overall_level(levels)
                passed = facts.rubric.passed(levels)
            sess.outcomes.append(
                Outcome(
                    trainee_id=tid,
                    ending=facts.ending,
                    shots=len(mine),
                    hits=sum(1 for sh in mine if sh.zone),
                    no_shoot_hits=sum(1 for sh in mine if sh.role == "no-shoot"),
                    points=sum(int(sh.points) for sh in mine),
                    level=level,
                    passed=passed,
                )
            )
        for sc in facts.scores:
            weapon = _field(sc, "weapon")
            level = _field(sc, "level")
            sess.scores.append(
                Score(
                    trainee_id=attribution.trainee_for(weapon),
                    weapon=weapon,
                    item=str(_field(sc, "item")),
                    level=None if level in (None, "not observed", "not-observed") else int(level),
                    comment=_field(sc, "comment") or None,
                    source=_field(sc, "source") or "instructor",
                    t_s=_field(sc, "t_s"),
                )
            )
        s.flush()
        return sess.id, new


@dataclass(frozen=True)
class _ScoreView:
    """A score as sim.rubric.counted reads it, from a record or a dict."""

    item: str
    level: int | None
    source: str
    t_s: float | None

    @classmethod
    def of(cls, sc) -> _ScoreView:
        level = _field(sc, "level")
        return cls(
            str(_field(sc, "item")),
            None if level in (None, "not observed", "not-observed") else int(level),
            _field(sc, "source") or "instructor",
            _field(sc, "t_s"),
        )


def now_utc() -> dt.datetime:
    return utcnow()
