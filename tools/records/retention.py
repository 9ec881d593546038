"""Retention and privacy: everything about one trainee as JSON (`records export`),
deleting a trainee with their sessions' recordings and side files (`records delete`), and
deleting sessions older than N days (`records purge`).

A recording's side files are the files beside it whose names start with the recording's
name and a dot (`session.rec.camera.mp4`, and any sound or video a later feature writes
there), plus the videos and sound a run wrote elsewhere (the session's `files`). A session
shared with another trainee (two weapons on one screen) keeps its recording when one of
them is deleted: their link, scores and outcome go, and the command says how many
recordings were kept for that reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from tools.records.models import Instructor, Qualification, Session, Trainee
from tools.records.store import _get_trainee, iso, records, trainee_record


def export_trainee(url: str, trainee_id: str) -> dict:
    """Everything the records hold about one trainee."""
    with records(url) as s:
        out = trainee_record(s, trainee_id)
        t = s.get(Trainee, trainee_id)
        out["class"] = (
            {
                "id": t.cohort.id,
                "name": t.cohort.name,
                "starts_on": t.cohort.starts_on and t.cohort.starts_on.isoformat(),
                "ends_on": t.cohort.ends_on and t.cohort.ends_on.isoformat(),
            }
            if t.cohort
            else None
        )
        for sess in out["sessions"]:
            row = s.get(Session, sess["id"])
            sess["files"] = list(row.files or [])
            sess["all_scores"] = [
                {
                    "item": sc.item,
                    "level": sc.level,
                    "not_observed": sc.level is None,
                    "weapon": sc.weapon,
                    "comment": sc.comment,
                    "source": sc.source,
                    "t_s": sc.t_s,
                }
                for sc in sorted(row.scores, key=lambda sc: sc.id)
                if sc.trainee_id == trainee_id
            ]
        out["qualifications"] = [
            {
                "name": q.name,
                "result": q.result,
                "score": q.score,
                "qualified_on": q.qualified_on.isoformat(),
                "due_on": q.due_on and q.due_on.isoformat(),
                "session": q.session_id,
                "instructor": q.instructor_id and s.get(Instructor, q.instructor_id).name,
                "notes": q.notes,
            }
            for q in sorted(t.qualifications, key=lambda q: (q.qualified_on, q.id))
        ]
        out["course_results"] = [
            {
                "session": r.session_id,
                "course": r.course,
                "kind": r.kind,
                "score": r.score,
                "max": r.max_score,
                "percent": r.percent,
                "pass": r.passed,
                "report": r.report,
            }
            for r in sorted(t.course_results, key=lambda r: r.id)
        ]
        out["exported_at"] = iso(dt.datetime.now(dt.UTC))
        return out


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (an export holds a trainee's record)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def export_json(url: str, trainee_id: str) -> str:
    return json.dumps(export_trainee(url, trainee_id), indent=2, ensure_ascii=False) + "\n"


@dataclass
class Removed:
    sessions: int = 0
    files: list[Path] = field(default_factory=list)
    kept_shared: int = 0  # recordings kept because another trainee's session holds them


def session_files(sess: Session) -> list[Path]:
    """The recording, the files beside it named after it, and the session's other
    outputs."""
    paths = [Path(p) for p in sess.files or []]
    if sess.recording_path:
        rec = Path(sess.recording_path)
        paths.append(rec)
        if rec.parent.is_dir():
            paths += [p for p in rec.parent.glob(f"{_glob_escape(rec.name)}.*") if p != rec]
    return paths


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _remove_files(paths: list[Path], removed: Removed) -> None:
    for p in dict.fromkeys(paths):
        try:
            p.unlink()
        except FileNotFoundError:
            continue
        removed.files.append(p)


def _delete_session(s: OrmSession, sess: Session, pending: list[Path]) -> None:
    """Delete the session's rows; its files go in `pending`, removed once the database
    has committed (a failed commit leaves both)."""
    pending += session_files(sess)
    s.delete(sess)
    s.flush()


def delete_trainee(url: str, trainee_id: str) -> Removed:
    """Delete a trainee, their scores, outcomes and qualifications, and their sessions
    with the sessions' files (a session shared with other trainees keeps its files)."""
    removed, pending = Removed(), []
    with records(url) as s:
        t = _get_trainee(s, trainee_id)
        sessions = {link.session for link in t.sessions}
        for sess in sessions:
            others = {link.trainee_id for link in sess.trainees} - {trainee_id}
            if others:
                removed.kept_shared += 1
                for sc in [sc for sc in sess.scores if sc.trainee_id == trainee_id]:
                    sess.scores.remove(sc)
            else:
                _delete_session(s, sess, pending)
                removed.sessions += 1
        s.flush()
        s.expire(t)  # its links, scores and outcomes in deleted sessions are gone already
        for q in s.scalars(select(Qualification).where(Qualification.trainee_id == trainee_id)):
            s.delete(q)
        s.delete(t)
    _remove_files(pending, removed)
    return removed


def purge(url: str, older_than_days: float, dry_run: bool = False) -> Removed:
    """Delete the sessions that started more than `older_than_days` ago, with their files.
    Trainees, classes and qualifications stay."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=older_than_days)
    removed, pending = Removed(), []
    with records(url) as s:
        # Every time stored is UTC, so the comparison holds in SQLite (naive text) too.
        old = s.scalars(select(Session).where(Session.started_at < cutoff).order_by(Session.id))
        for sess in list(old):
            removed.sessions += 1
            if dry_run:
                removed.files += [p for p in session_files(sess) if p.exists()]
            else:
                _delete_session(s, sess, pending)
    _remove_files(pending, removed)
    return removed
