"""Trainees and sessions: adding and listing trainees, storing sessions with their
weapon-to-trainee mapping, outcomes and rubric scores, and a trainee's record as
`trainee show --json` gives it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from sim.records import ShotRecord
from tools.cli import main
from tools.records import store
from tools.records.db import RecordsError
from tools.records.store import Attribution, SessionFacts, parse_attribution


def shot(weapon: str, zone: str | None = None, role: str | None = None, points: int = 0):
    return ShotRecord(1, 1.0, weapon, "firearm", 0.5, 0.5, "a", 1.0, zone, role, points, None, None)


def facts(day: int = 1, recording: Path | None = None, **kw) -> SessionFacts:
    base = dict(
        started_at=dt.datetime(2026, 3, day, 9, 30, tzinfo=dt.UTC),
        duration_s=42.5,
        pack_title="the doorway",
        pack_hash="ab" * 32,
        pack_path="/packs/doorway",
        recording_path=recording,
        source="run",
        ended=True,
        ending="surrender",
    )
    return SessionFacts(**{**base, **kw})


def show(db_url, capsys, trainee="T1") -> dict:
    assert main(["trainee", "show", trainee, "--json", "--db", db_url]) == 0
    return json.loads(capsys.readouterr().out)


def test_add_list_and_show_a_trainee(db_url, capsys):
    assert (
        main(["trainee", "add", "T1", "--name", "Ann Example", "--class", "A-24", "--db", db_url])
        == 0
    )
    assert main(["trainee", "add", "T2", "--name", "Bo Sample", "--db", db_url]) == 0
    capsys.readouterr()
    assert main(["trainee", "list", "--json", "--db", db_url]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"id": "T1", "name": "Ann Example", "class": "A-24", "sessions": 0},
        {"id": "T2", "name": "Bo Sample", "class": None, "sessions": 0},
    ]
    record = show(db_url, capsys)
    assert record["id"] == "T1" and record["name"] == "Ann Example"
    assert record["sessions"] == [] and record["levels"] == {}


def test_a_trainee_id_is_added_once(db_url, capsys):
    store.add_trainee(db_url, "T1", "Ann Example")
    assert main(["trainee", "add", "T1", "--name", "Other", "--db", db_url]) == 2
    assert "already in the records" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["", "has space", "-dash", "x" * 65, "é"])
def test_bad_trainee_ids_are_refused(bad):
    with pytest.raises(RecordsError, match="trainee ID"):
        store.check_id(bad)


def test_trainee_flags_map_weapons_to_trainees():
    a = parse_attribution(["w1=T1", "w2=T2"], "Sgt Lee")
    assert a.trainee_for("w1") == "T1" and a.trainee_for("w2") == "T2"
    assert a.trainee_for("w3") is None and a.instructor == "Sgt Lee"
    one = parse_attribution(["T1"], None)
    assert one.trainee_for("w1") == "T1" and one.trainee_for(None) == "T1"
    with pytest.raises(RecordsError, match="give each one's weapon"):
        parse_attribution(["T1", "w2=T2"], None)
    with pytest.raises(RecordsError, match="each weapon belongs to one trainee"):
        parse_attribution(["w1=T1", "w1=T2"], None)
    assert not parse_attribution([], None)


def test_a_session_stores_mapping_outcomes_and_scores(db_url, capsys):
    store.add_trainee(db_url, "T1", "Ann Example")
    store.add_trainee(db_url, "T2", "Bo Sample")
    shots = [
        shot("w1", "head", "threat", 5),
        shot("w1"),
        shot("w2", "bystander", "no-shoot", -10),
    ]
    scores = [
        {"item": "verbal-commands", "level": 3, "weapon": "w1", "t_s": 5.0},
        {"item": "verbal-commands", "level": 5, "weapon": "w1", "t_s": 9.0, "comment": "clear"},
        {"item": "use-of-cover", "level": None, "weapon": "w1", "t_s": 9.5},
        {"item": "force-decision", "level": 2, "weapon": "w2", "comment": "shot a bystander"},
        {"item": "reaction-time", "level": 6, "weapon": "w1", "source": "automatic"},
    ]
    sid, new = store.store_session(
        db_url,
        facts(shots=shots, scores=scores),
        Attribution((("w1", "T1"), ("w2", "T2")), "Sgt Lee"),
    )
    assert new
    one = show(db_url, capsys)
    (session,) = one["sessions"]
    assert session["id"] == sid
    assert session["date"] == "2026-03-01T09:30:00Z" and session["pack"] == "the doorway"
    assert session["instructor"] == "Sgt Lee" and session["weapons"] == ["w1"]
    assert (session["shots"], session["hits"], session["points"]) == (2, 1, 5)
    assert session["scores"] == {"verbal-commands": 5, "use-of-cover": None, "reaction-time": 6}
    assert session["level"] is None  # no overall level until the pack has a standard
    assert one["levels"] == {"verbal-commands": 5, "reaction-time": 6}  # not observed: none
    two = show(db_url, capsys, "T2")
    assert two["sessions"][0]["no_shoot_hits"] == 1
    assert two["sessions"][0]["scores"] == {"force-decision": 2}


def test_levels_are_the_latest_observed_across_sessions(db_url, capsys):
    store.add_trainee(db_url, "T1", "Ann Example")
    who = Attribution((("w1", "T1"),))
    store.store_session(db_url, facts(2, scores=[{"item": "cover", "level": 4}]), who)
    store.store_session(db_url, facts(1, scores=[{"item": "cover", "level": 2}]), who)
    store.store_session(db_url, facts(3, scores=[{"item": "cover", "level": None}]), who)
    record = show(db_url, capsys)
    assert [s["date"][:10] for s in record["sessions"]] == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
    ]
    assert record["levels"] == {"cover": 4}


def test_storing_a_recording_again_updates_its_session(db_url, tmp_path, capsys):
    store.add_trainee(db_url, "T1", "Ann Example")
    store.add_trainee(db_url, "T2", "Bo Sample")
    rec = tmp_path / "s.rec"
    sid, new = store.store_session(db_url, facts(recording=rec), Attribution((("w1", "T1"),)))
    again, new2 = store.store_session(
        db_url, facts(recording=rec), Attribution((("w1", "T2"),), "Sgt Lee")
    )
    assert new and not new2 and again == sid
    assert show(db_url, capsys)["sessions"] == []
    assert show(db_url, capsys, "T2")["sessions"][0]["instructor"] == "Sgt Lee"


def test_an_unknown_trainee_stores_nothing(db_url, capsys):
    with pytest.raises(RecordsError, match="no trainee T9 in the records"):
        store.store_session(db_url, facts(), Attribution((("w1", "T9"),)))
    assert main(["trainee", "list", "--json", "--db", db_url]) == 0
    assert json.loads(capsys.readouterr().out) == []
