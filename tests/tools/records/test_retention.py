"""Retention and privacy: a trainee's export holds everything about them; deleting them
removes their sessions, recordings and side files (a shared session stays for the other
trainee); purge removes old sessions only."""

from __future__ import annotations

import datetime as dt
import json
import stat

from tests.tools.records.test_store import facts, shot
from tools.cli import main
from tools.records import store
from tools.records.models import Qualification
from tools.records.store import Attribution


def recording(tmp_path, name: str):
    rec = tmp_path / name
    rec.write_bytes(b"rec")
    side = [tmp_path / f"{name}.camera.mp4", tmp_path / f"{name}.audio.wav"]
    for p in side:
        p.write_bytes(b"side")
    return rec, side


def test_export_holds_everything_about_one_trainee(db_url, tmp_path, capsys):
    store.add_trainee(db_url, "T1", "Ann Example", "A-24")
    store.add_trainee(db_url, "T2", "Bo Sample")
    store.store_session(
        db_url,
        facts(
            shots=[shot("w1", "head", "threat", 5)],
            scores=[
                {"item": "cover", "level": 5, "weapon": "w1", "comment": "good"},
                {"item": "cover", "level": 1, "weapon": "w2", "comment": "T2's"},
            ],
        ),
        Attribution((("w1", "T1"), ("w2", "T2")), "Sgt Lee"),
    )
    with store.records(db_url) as s:
        s.add(
            Qualification(
                trainee_id="T1",
                name="duty pistol",
                result="pass",
                score=92.0,
                qualified_on=dt.date(2026, 3, 2),
                due_on=dt.date(2027, 3, 2),
            )
        )
    out = tmp_path / "t1.json"
    assert main(["records", "export", "T1", "-o", str(out), "--db", db_url]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = json.loads(out.read_text())
    assert data["id"] == "T1" and data["class"]["id"] == "A-24"
    (sess,) = data["sessions"]
    assert sess["instructor"] == "Sgt Lee" and sess["hits"] == 1
    assert sess["all_scores"] == [
        {
            "item": "cover",
            "level": 5,
            "not_observed": False,
            "weapon": "w1",
            "comment": "good",
            "source": "instructor",
            "t_s": None,
        }
    ]  # the other trainee's score is not in this one's export
    assert data["qualifications"][0]["due_on"] == "2027-03-02"
    capsys.readouterr()
    assert main(["records", "export", "T1", "--db", db_url]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Ann Example"


def test_delete_removes_the_trainee_their_recordings_and_side_files(db_url, tmp_path, capsys):
    store.add_trainee(db_url, "T1", "Ann Example")
    store.add_trainee(db_url, "T2", "Bo Sample")
    alone, alone_side = recording(tmp_path, "alone.rec")
    video = tmp_path / "trainee.mp4"
    video.write_bytes(b"v")
    shared, shared_side = recording(tmp_path, "shared.rec")
    unrelated = tmp_path / "alone.rec-notes.txt"  # not named REC.something
    unrelated.write_text("keep")
    store.store_session(
        db_url, facts(recording=alone, files=[str(video)]), Attribution((("w1", "T1"),))
    )
    store.store_session(
        db_url,
        facts(recording=shared, scores=[{"item": "cover", "level": 3, "weapon": "w1"}]),
        Attribution((("w1", "T1"), ("w2", "T2"))),
    )
    assert main(["records", "delete", "T1", "--db", db_url]) == 0
    said = capsys.readouterr().out
    assert "1 session(s), 4 file(s)" in said and "1 shared session(s) kept" in said
    assert "Ann" not in said
    assert not alone.exists() and not video.exists()
    assert not any(p.exists() for p in alone_side)
    assert shared.exists() and all(p.exists() for p in shared_side) and unrelated.exists()
    assert main(["trainee", "show", "T1", "--db", db_url]) == 2
    capsys.readouterr()
    assert main(["trainee", "show", "T2", "--json", "--db", db_url]) == 0
    (left,) = json.loads(capsys.readouterr().out)["sessions"]
    assert left["weapons"] == ["w2"] and left["scores"] == {}


def test_purge_removes_only_sessions_older_than_the_limit(db_url, tmp_path, capsys):
    store.add_trainee(db_url, "T1", "Ann Example")
    now = dt.datetime.now(dt.UTC)
    old, old_side = recording(tmp_path, "old.rec")
    new, _ = recording(tmp_path, "new.rec")
    who = Attribution((("w1", "T1"),))
    store.store_session(db_url, facts(recording=old, started_at=now - dt.timedelta(days=400)), who)
    store.store_session(db_url, facts(recording=new, started_at=now - dt.timedelta(days=10)), who)
    assert main(["records", "purge", "--older-than", "365", "--dry-run", "--db", db_url]) == 0
    assert "would delete 1 session(s)" in capsys.readouterr().out and old.exists()
    assert main(["records", "purge", "--older-than", "365", "--db", db_url]) == 0
    assert "deleted 1 session(s) older than 365 days, 3 file(s)" in capsys.readouterr().out
    assert not old.exists() and not any(p.exists() for p in old_side) and new.exists()
    assert main(["trainee", "show", "T1", "--json", "--db", db_url]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [s["recording"] for s in record["sessions"]] == [str(new.resolve())]
