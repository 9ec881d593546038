"""A qualification course run with --trainee is stored with its date and the date it
falls due again (SQLite and PostgreSQL), next to the course result and its report."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from tests.conftest import run_cli, write_script
from tools.cli import main
from tools.records.models import CourseResult, Qualification
from tools.records.qualifications import due_date
from tools.records.retention import delete_trainee, export_trainee
from tools.records.store import records

COURSE = """format_version = 1
title = "Mini qualification"
kind = "qualification"
source = "a test"
pass_percent = 50
valid_days = 30

[[stages]]
id = "s"
ready_s = 1
time_s = 2
targets = [{ name = "p", shape = "plate", height = 0.2, x = 0.5, y = 0.5, shots = 2 }]
"""


def test_due_date_only_for_a_pass_with_a_validity():
    on = dt.date(2026, 1, 31)
    assert due_date(on, 30, True) == dt.date(2026, 3, 2)
    assert due_date(on, 30, False) is None and due_date(on, None, True) is None


@pytest.mark.render
@pytest.mark.parametrize(("hit", "passed"), [(True, True), (False, False)])
def test_a_qualification_is_stored_with_date_and_due_date(db_url, tmp_path, capsys, hit, passed):
    course = tmp_path / "mini"
    course.mkdir()
    (course / "course.toml").write_text(COURSE)
    x = 0.5 if hit else 0.02
    script = write_script(tmp_path / "in.jsonl", [{"t": 2.0, "type": "shot", "x": x, "y": 0.5}] * 2)
    assert main(["trainee", "add", "T1", "--name", "Ann Example", "--db", db_url]) == 0
    out = run_cli(
        "course",
        "run",
        str(course),
        "--offscreen",
        "--size",
        "320x180",
        "--fps",
        "4",
        "--instructor",
        "none",
        "--script",
        str(script),
        "--trainee",
        "T1",
        "--instructor-name",
        "Sgt Range",
        "--db",
        db_url,
    )
    assert out.returncode == 0, out.stderr
    assert "Records: qualification for T1 stored" in out.stdout
    with records(db_url) as s:
        qual = s.scalars(select(Qualification)).one()
        result = s.scalars(select(CourseResult)).one()
        assert qual.result == ("pass" if passed else "fail")
        assert qual.qualified_on == dt.datetime.now(dt.UTC).date()
        assert qual.due_on == (qual.qualified_on + dt.timedelta(days=30) if passed else None)
        assert qual.instructor_id is not None and qual.session_id == result.session_id
        assert result.qualification_id == qual.id and result.passed is passed
        assert result.report["stages"][0]["shots"] == 2
        expected = (qual.result, qual.qualified_on.isoformat())
    capsys.readouterr()
    assert main(["trainee", "show", "T1", "--json", "--db", db_url]) == 0
    shown = json.loads(capsys.readouterr().out)
    q = shown["qualifications"][0]
    assert (q["result"], q["date"]) == expected
    exported = export_trainee(db_url, "T1")  # a trainee's data on request, and deleted
    assert exported["course_results"][0]["pass"] is passed
    delete_trainee(db_url, "T1")
    with records(db_url) as s:
        assert s.scalars(select(CourseResult)).all() == []
