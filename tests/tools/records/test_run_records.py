"""End to end: a trainee added, a headless scripted run with --trainee and
--instructor-name stored in the records (on SQLite and on PostgreSQL), then `trainee show
--json` lists the session; the run's recording replayed or imported for another trainee."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli, write_script
from tools.cli import main

SCRIPT = [
    {"t": 0.2, "type": "shot", "x": 0.1, "y": 0.5, "weapon": "w1"},  # the no-shoot zone
    {"t": 0.3, "type": "shot", "x": 0.9, "y": 0.5, "weapon": "w2"},
    {"t": 0.4, "type": "end"},  # the instructor ends it early (Esc Esc)
]


def show(db_url, capsys, trainee: str) -> dict:
    capsys.readouterr()
    assert main(["trainee", "show", trainee, "--json", "--db", db_url]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.render
def test_a_scripted_run_is_stored_for_its_trainee(db_url, fixture_pack, tmp_path, capsys):
    assert main(["trainee", "add", "T1", "--name", "Ann Example", "--db", db_url]) == 0
    assert main(["trainee", "add", "T2", "--name", "Bo Sample", "--db", db_url]) == 0
    script = write_script(tmp_path / "in.jsonl", SCRIPT)
    rec = tmp_path / "run.rec"
    out = run_cli(
        "run",
        str(fixture_pack),
        "--offscreen",
        "--size",
        "320x180",
        "--seconds",
        "5",
        "--inputs",
        str(script),
        "--record",
        str(rec),
        "--trainee",
        "w1=T1",
        "--instructor-name",
        "Sgt Lee",
        "--db",
        db_url,
    )
    assert out.returncode == 0, out.stderr[-1500:]
    assert "Records: session 1 stored" in out.stdout
    assert "Ann Example" not in out.stdout + out.stderr and "T1" not in out.stdout + out.stderr

    record = show(db_url, capsys, "T1")
    assert record["id"] == "T1" and record["name"] == "Ann Example"
    (session,) = record["sessions"]
    assert session["pack"] == "fixture" and session["instructor"] == "Sgt Lee"
    assert session["date"].endswith("Z") and session["scores"] == {} and session["level"] is None
    assert session["weapons"] == ["w1"] and session["recording"] == str(rec.resolve())
    assert (session["shots"], session["no_shoot_hits"]) == (1, 1)  # w2's shot is not T1's
    assert session["ending"] == "a"  # stored although ended early, in segment a
    assert session["duration_s"] < 2.0  # the run stopped after the end, not at --seconds
    assert record["levels"] == {}

    # The same recording given to T2's weapon too (a replay with --trainee): one session.
    assert (
        main(
            [
                "replay",
                str(rec),
                "--verify",
                "--trainee",
                "w1=T1",
                "--trainee",
                "w2=T2",
                "--db",
                db_url,
            ]
        )
        == 0
    )
    assert "Records: session 1 updated" in capsys.readouterr().out
    assert show(db_url, capsys, "T2")["sessions"][0]["shots"] == 1
    assert show(db_url, capsys, "T1")["sessions"][0]["instructor"] == "Sgt Lee"


def test_a_run_with_an_unknown_trainee_fails_before_it_starts(db_url, fixture_pack, capsys):
    assert main(["run", str(fixture_pack), "--offscreen", "--trainee", "T9", "--db", db_url]) == 2
    assert "no trainee T9 in the records" in capsys.readouterr().err


@pytest.mark.render
def test_a_recording_made_without_trainees_is_imported(db_url, fixture_pack, tmp_path, capsys):
    rec = tmp_path / "run.rec"
    out = run_cli(
        "run",
        str(fixture_pack),
        "--offscreen",
        "--size",
        "320x180",
        "--seconds",
        "0.3",
        "--record",
        str(rec),
    )
    assert out.returncode == 0, out.stderr[-1500:]
    assert "Records:" not in out.stdout  # no --trainee: nothing stored, no database opened
    assert main(["trainee", "add", "T1", "--name", "Ann Example", "--db", db_url]) == 0
    assert main(["records", "import", str(rec), "--db", db_url]) == 2  # who trained?
    assert "--trainee" in capsys.readouterr().err
    assert (
        main(
            [
                "records",
                "import",
                str(rec),
                "--trainee",
                "T1",
                "--instructor-name",
                "Sgt Lee",
                "--db",
                db_url,
            ]
        )
        == 0
    )
    assert "Records: session 1 imported" in capsys.readouterr().out
    (session,) = show(db_url, capsys, "T1")["sessions"]
    assert session["weapons"] is None and session["instructor"] == "Sgt Lee"
    assert session["duration_s"] == pytest.approx(0.3, abs=0.05)


RUBRIC = """
[rubric]
pass_level = 3

[[rubric.items]]
id = "verbal-commands"
label = "Verbal commands"
anchors = { 1 = "None", 4 = "Late", 7 = "Early and clear" }

[[rubric.items]]
id = "force-decision"
label = "Force decision"
critical = true
rule = { kind = "no-shoot-hits" }
anchors = { 1 = "Shoots a bystander", 7 = "Only the threat" }
"""

SCORED = [
    {"t": 0.2, "type": "shot", "x": 0.1, "y": 0.5, "weapon": "w1"},  # the no-shoot zone
    {"t": 0.3, "type": "score", "item": "verbal-commands", "level": 5, "weapon": "w1"},
    {"t": 0.35, "type": "score", "item": "nope", "level": 5, "weapon": "w1"},  # ignored
    {"t": 0.4, "type": "end"},
    # scored at the debrief, after the end: this one counts (the latest)
    {"t": 0.6, "type": "score", "item": "verbal-commands", "level": 6, "comment": "loud"},
]


@pytest.mark.render
def test_a_scored_run_reaches_the_trainee_record_and_its_recording_verifies(
    db_url, pack, tmp_path, capsys
):
    manifest = pack / "scenario.toml"
    manifest.write_text(manifest.read_text() + RUBRIC)
    assert main(["trainee", "add", "T1", "--name", "Ann Example", "--db", db_url]) == 0
    rec = tmp_path / "run.rec"
    out = run_cli(
        "run",
        str(pack),
        "--offscreen",
        "--size",
        "320x180",
        "--seconds",
        "5",
        "--inputs",
        str(write_script(tmp_path / "in.jsonl", SCORED)),
        "--record",
        str(rec),
        "--trainee",
        "w1=T1",
        "--db",
        db_url,
    )
    assert out.returncode == 0, out.stderr[-1500:]
    (session,) = show(db_url, capsys, "T1")["sessions"]
    # the instructor's latest score, and the automatic item (one no-shoot hit: 1)
    assert session["scores"] == {"verbal-commands": 6, "force-decision": 1}
    assert session["level"] == 4  # (6 + 1) / 2 rounded half up
    assert session["passed"] is False  # the critical item is below the pass level
    assert show(db_url, capsys, "T1")["levels"] == {"verbal-commands": 6, "force-decision": 1}

    # the score events are inputs: recorded, replayed and verified tick by tick
    capsys.readouterr()
    assert main(["replay", str(rec), "--verify"]) == 0, capsys.readouterr().err
    from tools.recordings import load_recording

    recording = load_recording(rec)
    scores = [e for _, e in recording.inputs if type(e).__name__ == "Score"]
    assert [(s.item, s.level, s.comment) for s in scores] == [
        ("verbal-commands", 5, ""),
        ("nope", 5, ""),
        ("verbal-commands", 6, "loud"),
    ]

    # the scores table keeps every score: the instructor's as given and the rule's
    from tools.records.models import Score
    from tools.records.store import records

    with records(db_url) as s:
        rows = sorted((r.item, r.level, r.source, r.comment) for r in s.query(Score))
    assert rows == [
        ("force-decision", 1, "automatic", "1 no-shoot hit(s), left at 0.20 s"),
        ("verbal-commands", 5, "instructor", None),
        ("verbal-commands", 6, "instructor", "loud"),
    ]
