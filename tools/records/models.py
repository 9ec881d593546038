"""The records tables, as SQLAlchemy 2 models. The schema itself is made by the Alembic
scripts in migrations/ (a test checks that they and these models agree); change both
together, in a new migration.

Times are stored in UTC. A rubric score's `level` is NULL for "not observed"; `source` is
"instructor" or "automatic". A session's trainees map to weapons through
`session_trainees` (weapon NULL: one trainee on the whole screen, every weapon).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ID_LEN = 64  # trainee and class IDs: academy numbers, badge numbers
NAME_LEN = 200
WEAPON_LEN = 32  # sim.events.MAX_WEAPON_ID_LEN


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Cohort(Base):
    """A class (cohort) of trainees, e.g. an academy class."""

    __tablename__ = "classes"
    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(NAME_LEN))
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    trainees: Mapped[list[Trainee]] = relationship(back_populates="cohort")


class Trainee(Base):
    __tablename__ = "trainees"
    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN))
    class_id: Mapped[str | None] = mapped_column(
        ForeignKey("classes.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cohort: Mapped[Cohort | None] = relationship(back_populates="trainees")
    sessions: Mapped[list[SessionTrainee]] = relationship(
        back_populates="trainee", cascade="all, delete-orphan", passive_deletes=True
    )
    scores: Mapped[list[Score]] = relationship(
        back_populates="trainee", cascade="all, delete-orphan", passive_deletes=True
    )
    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="trainee", cascade="all, delete-orphan", passive_deletes=True
    )
    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="trainee", cascade="all, delete-orphan", passive_deletes=True
    )
    course_results: Mapped[list[CourseResult]] = relationship(
        back_populates="trainee", cascade="all, delete-orphan", passive_deletes=True
    )


class Instructor(Base):
    __tablename__ = "instructors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)


class Session(Base):
    """One training session: a run of a pack, stored when it ended or imported from its
    recording."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_s: Mapped[float] = mapped_column(Float)
    pack_title: Mapped[str] = mapped_column(String(NAME_LEN))
    pack_hash: Mapped[str | None] = mapped_column(String(64))
    pack_path: Mapped[str | None] = mapped_column(Text)
    # The recording, absolute; unique, so importing a recording twice updates one session.
    recording_path: Mapped[str | None] = mapped_column(Text, unique=True)
    # Other files of the session holding the trainee's image or voice (videos, sound),
    # removed with it: a list of absolute paths.
    files: Mapped[list] = mapped_column(JSON, default=list)
    instructor_id: Mapped[int | None] = mapped_column(
        ForeignKey("instructors.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(16))  # "run", "import" or "replay"
    ended: Mapped[bool] = mapped_column(Boolean, default=False)  # reached an ending
    ending: Mapped[str | None] = mapped_column(String(NAME_LEN))  # the ending segment
    lane: Mapped[str | None] = mapped_column(String(32), index=True)  # tools/lanes; None: none
    instructor: Mapped[Instructor | None] = relationship()
    trainees: Mapped[list[SessionTrainee]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )
    scores: Mapped[list[Score]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )
    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )


class SessionTrainee(Base):
    """The weapon-to-trainee mapping of a session."""

    __tablename__ = "session_trainees"
    __table_args__ = (UniqueConstraint("session_id", "trainee_id", "weapon"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[str] = mapped_column(
        ForeignKey("trainees.id", ondelete="CASCADE"), index=True
    )
    weapon: Mapped[str | None] = mapped_column(String(WEAPON_LEN))  # None: every weapon
    session: Mapped[Session] = relationship(back_populates="trainees")
    trainee: Mapped[Trainee] = relationship(back_populates="sessions")


class Score(Base):
    """One rubric item scored for a trainee in a session, as a score input event gives it:
    {"item": ID, "level": N or null (not observed), "weapon": "w1", "comment": ...}."""

    __tablename__ = "scores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[str | None] = mapped_column(
        ForeignKey("trainees.id", ondelete="CASCADE"), index=True
    )
    weapon: Mapped[str | None] = mapped_column(String(WEAPON_LEN))
    item: Mapped[str] = mapped_column(String(ID_LEN))
    level: Mapped[int | None] = mapped_column(Integer)  # None: not observed
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="instructor")  # or "automatic"
    t_s: Mapped[float | None] = mapped_column(Float)  # session time it was given
    session: Mapped[Session] = relationship(back_populates="scores")
    trainee: Mapped[Trainee | None] = relationship(back_populates="scores")


class Outcome(Base):
    """What a session came to for one trainee: the ending, their shots, and (once the
    pack has a rubric and a standard) the overall level and pass or fail."""

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("session_id", "trainee_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[str] = mapped_column(
        ForeignKey("trainees.id", ondelete="CASCADE"), index=True
    )
    ending: Mapped[str | None] = mapped_column(String(NAME_LEN))
    shots: Mapped[int] = mapped_column(Integer, default=0)  # rounds fired
    hits: Mapped[int] = mapped_column(Integer, default=0)
    no_shoot_hits: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int | None] = mapped_column(Integer)  # overall proficiency level
    passed: Mapped[bool | None] = mapped_column(Boolean)  # against the pack's standard
    session: Mapped[Session] = relationship(back_populates="outcomes")
    trainee: Mapped[Trainee] = relationship(back_populates="outcomes")


class Qualification(Base):
    """A weapon or course qualification: result, date, next due date (Acadis-style)."""

    __tablename__ = "qualifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[str] = mapped_column(
        ForeignKey("trainees.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(NAME_LEN))  # e.g. "duty pistol"
    result: Mapped[str] = mapped_column(String(16))  # "pass" or "fail"
    score: Mapped[float | None] = mapped_column(Float)
    qualified_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    instructor_id: Mapped[int | None] = mapped_column(
        ForeignKey("instructors.id", ondelete="SET NULL")
    )
    notes: Mapped[str | None] = mapped_column(Text)
    trainee: Mapped[Trainee] = relationship(back_populates="qualifications")


class CourseResult(Base):
    """A trainee's result on a course of fire (docs/courses.md) in one session: the score
    and pass, and the whole per-stage report as `sightline course report --json` gives it.
    A qualification course's result also has a qualifications row (date and due date)."""

    __tablename__ = "course_results"
    __table_args__ = (UniqueConstraint("session_id", "trainee_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[str] = mapped_column(
        ForeignKey("trainees.id", ondelete="CASCADE"), index=True
    )
    course: Mapped[str] = mapped_column(String(NAME_LEN))
    kind: Mapped[str] = mapped_column(String(16))  # "drills" or "qualification"
    score: Mapped[int] = mapped_column(Integer)
    max_score: Mapped[int] = mapped_column(Integer)
    percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    report: Mapped[dict] = mapped_column(JSON)
    qualification_id: Mapped[int | None] = mapped_column(
        ForeignKey("qualifications.id", ondelete="SET NULL")
    )
    trainee: Mapped[Trainee] = relationship(back_populates="course_results")
