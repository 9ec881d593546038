"""Storing a course of fire's result in the training records (docs/courses.md): a
course_results row for the trainee and session, and for a qualification course a
qualifications row with the date and the date it falls due again (`valid_days` later; a
failed qualification sets no due date: it was not gained).

A course scores one shooter (every weapon's rounds count), so a result is stored for one
trainee only. Called after `sightline course run ... --trainee ID` has stored its session.
"""

from __future__ import annotations

import datetime as dt

from tools.records.db import database_url, shown
from tools.records.models import NAME_LEN, CourseResult, Qualification
from tools.records.store import now_utc, records


def due_date(on: dt.date, valid_days: int | None, passed: bool) -> dt.date | None:
    if not passed or valid_days is None:
        return None
    return on + dt.timedelta(days=valid_days)


def store_course_result(
    url: str,
    session_id: int,
    trainee_id: str,
    course,
    report: dict,
    on: dt.date,
    instructor_id: int | None = None,
) -> tuple[int, int | None]:
    """(course result id, qualification id or None)."""
    with records(url) as s:
        qual = None
        if course.kind == "qualification":
            qual = Qualification(
                trainee_id=trainee_id,
                name=course.title[:NAME_LEN],
                result="pass" if report["pass"] else "fail",
                score=float(report["percent"]),
                qualified_on=on,
                due_on=due_date(on, course.valid_days, bool(report["pass"])),
                session_id=session_id,
                instructor_id=instructor_id,
                notes=f"{report['score']} / {report['max']} points",
            )
            s.add(qual)
            s.flush()
        row = CourseResult(
            session_id=session_id,
            trainee_id=trainee_id,
            course=course.title[:NAME_LEN],
            kind=course.kind,
            score=int(report["score"]),
            max_score=int(report["max"]),
            percent=float(report["percent"]),
            passed=bool(report["pass"]),
            report=report,
            qualification_id=qual.id if qual is not None else None,
        )
        s.add(row)
        s.flush()
        return row.id, (qual.id if qual is not None else None)


def store_qualification(args, course, report: dict, result) -> None:
    """After a course run with --trainee (the session is stored already)."""
    from tools.records.models import Session
    from tools.records.sessions import attribution_of

    attribution = attribution_of(args)
    trainees = list(dict.fromkeys(tid for _, tid in attribution.trainees))
    sid = getattr(args, "records_session_id", None)
    if sid is None or not trainees:
        return
    if len(trainees) > 1:
        print("warning: a course scores one shooter: its result is not stored for several")
        return
    url = database_url(getattr(args, "db", None))
    with records(url) as s:
        inst = s.get(Session, sid).instructor_id
    started = getattr(args, "records_started_at", None) or now_utc()
    _, qid = store_course_result(url, sid, trainees[0], course, report, started.date(), inst)
    what = "qualification" if qid is not None else "course result"
    print(f"Records: {what} for {trainees[0]} stored in {shown(url)}")
