"""Read-only queries the reports need (tools/reports): the database stays inside
tools/records (tests/tools/records/test_boundaries.py), so the reports ask here and get
plain data back. Nothing here writes or logs."""

from __future__ import annotations

from sqlalchemy import select

from tools.records.db import RecordsError
from tools.records.models import Cohort, Session, Trainee
from tools.records.store import iso, records, trainee_record


def trainee_with_packs(url: str, trainee_id: str) -> tuple[dict, dict[int, str | None]]:
    """A trainee's record (store.trainee_record) and each session's pack folder."""
    with records(url) as s:
        record = trainee_record(s, trainee_id)
        ids = [x["id"] for x in record["sessions"]]
        paths = {
            row.id: row.pack_path for row in s.scalars(select(Session).where(Session.id.in_(ids)))
        }
    return record, paths


def class_members(url: str, class_id: str) -> tuple[dict, list[str]]:
    """The class ({id, name, starts_on, ends_on}) and its trainees' IDs."""
    with records(url) as s:
        cohort = s.get(Cohort, class_id)
        if cohort is None:
            raise RecordsError(
                f"no class {class_id} in the records (trainees join one with "
                f"`sightline trainee add ID --name NAME --class {class_id}`)"
            )
        query = select(Trainee.id).where(Trainee.class_id == class_id).order_by(Trainee.id)
        ids = list(s.scalars(query))
        info = {
            "id": cohort.id,
            "name": cohort.name,
            "starts_on": cohort.starts_on.isoformat() if cohort.starts_on else None,
            "ends_on": cohort.ends_on.isoformat() if cohort.ends_on else None,
        }
    return info, ids


def recording_session(url: str, recording_path: str, trainee_ids=()) -> dict:
    """The stored session of a recording (by its absolute path): {trainees: [(weapon, id,
    name)], instructor, date} or {} when it is not stored; and {names: {id: name}} of the
    trainees asked about that the records have."""
    out: dict = {"names": {}}
    with records(url) as s:
        sess = s.scalar(select(Session).where(Session.recording_path == recording_path))
        if sess is not None:
            out["trainees"] = sorted(
                ((st.weapon, st.trainee_id, st.trainee.name) for st in sess.trainees),
                key=lambda r: (r[0] or "", r[1]),
            )
            out["instructor"] = sess.instructor.name if sess.instructor else None
            out["date"] = iso(sess.started_at)
        for tid in trainee_ids:
            t = s.get(Trainee, tid)
            if t is not None:
                out["names"][tid] = t.name
    return out


def pack_recordings(url: str, pack_hash: str) -> list[str]:
    """The recording files of the stored sessions of one pack (by its content hash), for
    the aggregate of what trainees did there (tools/community/perspectives.py); no
    trainee is named. Sessions stored from a replay repeat their recording: once each."""
    with records(url) as s:
        rows = s.scalars(
            select(Session.recording_path).where(
                Session.pack_hash == pack_hash, Session.recording_path.is_not(None)
            )
        )
        return sorted(set(rows))
