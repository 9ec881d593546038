"""The issue's done-when for courses, through the command line: a scripted headless run of
the bundled qualification with every shot at its `aim` (from `course plan --json`) passes
with full marks, the same run with every shot missing fails, and `course report --json`
says so; the plan has exactly the documented shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.course.script import script_from_plan, to_jsonl

ROOT = Path(__file__).resolve().parents[2]
HEADLESS = ["--offscreen", "--size", "320x180", "--fps", "4", "--instructor", "none"]


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    return out


@pytest.fixture(scope="module")
def qual_plan() -> dict:
    out = cli("course", "plan", "nj-pistol", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_plan_json_has_exactly_the_issue_shape(qual_plan):
    assert set(qual_plan) == {"stages"}
    assert [s["index"] for s in qual_plan["stages"]] == [0, 1, 2, 3, 4]
    for stage in qual_plan["stages"]:
        assert set(stage) == {"index", "start", "window", "targets"}
        t0, t1 = stage["window"]
        assert stage["start"] <= t0 < t1
        for target in stage["targets"]:
            assert set(target) == {"name", "aim", "shoot", "shots"}
            assert all(0 <= v <= 1 for v in target["aim"])
            assert target["shoot"] is True and target["shots"] == 10
    starts = [s["start"] for s in qual_plan["stages"]]
    assert starts == sorted(starts)


@pytest.mark.parametrize("hit", [True, False], ids=["every-shot-at-aim", "every-shot-missing"])
def test_scripted_headless_qualification_passes_at_aim_and_fails_missing(tmp_path, qual_plan, hit):
    script = tmp_path / "shots.jsonl"
    script.write_text(to_jsonl(script_from_plan(qual_plan, hit=hit)))
    rec = tmp_path / "run.rec"
    out = cli(
        "course", "run", "nj-pistol", *HEADLESS, "--script", str(script), "--record", str(rec)
    )
    assert out.returncode == 0, out.stderr
    assert ("50 / 50 (100 %): PASS" if hit else "0 / 50 (0 %): FAIL") in out.stdout
    report = cli("course", "report", str(rec), "--json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert {"score", "max", "percent", "pass", "stages"} <= set(data)
    assert data["max"] == 50 and data["complete"] is True
    if hit:
        assert (data["score"], data["percent"], data["pass"]) == (50, 100.0, True)
        assert all(s["hits"] == {"q:bottle": 10} for s in data["stages"])
    else:
        assert (data["score"], data["percent"], data["pass"]) == (0, 0.0, False)
        assert all(s["misses"] == 10 and s["shots"] == 10 for s in data["stages"])
    text = cli("course", "report", str(rec))
    assert ("PASS" if hit else "FAIL") in text.stdout


def test_report_of_a_scenario_recording_is_one_line_error(tmp_path):
    rec = tmp_path / "demo.rec"
    out = cli("run", "content/packs/demo", *HEADLESS, "--seconds", "1", "--record", str(rec))
    assert out.returncode == 0, out.stderr
    report = cli("course", "report", str(rec))
    assert report.returncode == 2 and "not a recording of a course" in report.stderr
    assert report.stderr.strip().count("\n") == 0


def test_lint_and_unknown_course_errors():
    assert cli("course", "lint", "drills", "nj-pistol").returncode == 0
    out = cli("course", "plan", "no-such-course")
    assert out.returncode == 2 and "bundled courses: drills, nj-pistol" in out.stderr
