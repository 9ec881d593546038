"""Reports (issue 15 item 5): the after-action review names the trainee, date, instructor
and pack and shows the rubric (each item's level, the overall level, pass or fail) with
the linked policy passages; `trainee report` and `class report` write their pages (looked
at in Chromium), CSV and JSON; the next scenarios train the weakest competency.

A real scripted run (headless, so `render`) is stored under --trainee w1=T1 on SQLite; a
copy of its recording is imported for a second session and for a second trainee."""

from __future__ import annotations

import csv
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import edit, run_cli, write_script
from tools.cli import main

POLICY = """+++
id = "uof"
title = "Use of Force"
tags = ["use-of-force"]
+++
# Use of Force
## 3.2 Deadly force
Deadly force only against an imminent threat of death or serious injury.
## 2.1 Verbal commands
Give clear commands before force when it is safe to.
"""

RUBRIC = """
[rubric]
pass_level = 3

[[rubric.items]]
id = "verbal-commands"
label = "Verbal commands"
policy = ["uof#2.1"]
anchors = { 1 = "None", 4 = "Late", 6 = "Early and loud", 7 = "Early and clear" }

[[rubric.items]]
id = "force-decision"
label = "Force decision"
critical = true
policy = ["uof#3.2"]
rule = { kind = "no-shoot-hits" }
anchors = { 1 = "Shoots a bystander", 7 = "Only the threat" }
"""
CUE = 'clip = "media/a.mp4"\n[[segments.a.cues]]\nname = "go"\nt = 0.1\n'

SCORED = [
    {"t": 0.2, "type": "shot", "x": 0.1, "y": 0.5, "weapon": "w1"},  # the no-shoot zone
    {"t": 0.3, "type": "score", "item": "verbal-commands", "level": 5, "weapon": "w1"},
    {"t": 0.4, "type": "end"},
    {"t": 0.6, "type": "score", "item": "verbal-commands", "level": 6, "comment": "loud"},
]


def screenshot(html: Path, out: Path, size=(1000, 1600)):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed: the report was not rendered in a browser")
    subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={out.parent / 'profile'}",
            f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", html.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    import cv2

    img = cv2.imread(str(out))
    assert img is not None and img.shape[:2] == (size[1], size[0])
    return img


def chart_pixels(img) -> float:
    """The share of saturated colour (chart lines, dots, legends) in a screenshot: text
    is black or grey, so colour is what the SVG charts drew."""
    import cv2

    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    return float(((hsv[..., 1] > 90) & (hsv[..., 2] > 80)).mean())


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


@pytest.fixture
def scene(pack, tmp_path, capsys):
    """The scored pack, a policy library, two trainees in class C1, and a run stored for
    T1 (plus a copy of its recording imported for T1 and one for T2)."""
    edit(pack, 'clip = "media/a.mp4"\n', CUE)
    manifest = pack / "scenario.toml"
    manifest.write_text(manifest.read_text() + RUBRIC)
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "uof.md").write_text(POLICY)
    db = f"sqlite:///{tmp_path / 'records' / 'records.db'}"
    for tid, name in (("T1", "Ann Example"), ("T2", "Bo Sample")):
        assert main(["trainee", "add", tid, "--name", name, "--class", "C1", "--db", db]) == 0
    rec = tmp_path / "run.rec"
    out = run_cli(
        "run", str(pack), "--offscreen", "--size", "320x180", "--seconds", "5",
        "--inputs", str(write_script(tmp_path / "in.jsonl", SCORED)), "--record", str(rec),
        "--trainee", "w1=T1", "--instructor-name", "Sgt Lee", "--db", db,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-1500:]
    for copy, tid in (("again.rec", "T1"), ("t2.rec", "T2")):
        shutil.copy(rec, tmp_path / copy)
        assert main(["records", "import", str(tmp_path / copy), "--trainee", tid, "--db", db]) == 0
    capsys.readouterr()
    return {"pack": pack, "db": db, "rec": rec, "policies": policies, "tmp": tmp_path}


@pytest.mark.render
def test_the_review_names_the_trainee_and_shows_the_rubric(scene, capsys):
    out = scene["tmp"] / "aar"
    assert (
        main(
            [
                "aar",
                str(scene["rec"]),
                "-o",
                str(out),
                "--db",
                scene["db"],
                "--policies",
                str(scene["policies"]),
            ]
        )
        == 0
    )
    page = (out / "report.html").read_text()
    people = page[page.index('<table class="people">') : page.index("<h2>Rubric</h2>")]
    assert "Ann Example (T1, w1)" in people and "from the training records" in people
    assert "Sgt Lee" in people and "fixture" in people
    assert __import__("re").search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", people)
    rubric = page[page.index("<h2>Rubric</h2>") : page.index("<h2>Timeline</h2>")]
    assert "Ann Example (T1), weapon w1" in rubric
    assert "6 superior, proficient" in rubric and "loud" in rubric  # the instructor's latest
    assert "Early and loud" in rubric  # the anchor for 6
    assert "1 not acceptable, novice" in rubric and "automatic" in rubric  # the rule
    assert "Overall level: 4 acceptable, competent" in rubric and "FAIL" in rubric
    assert "Use of Force §3.2 Deadly force" in rubric and "imminent threat" in rubric
    data = json.loads((out / "events.json").read_text())
    assert data["session"]["trainees"] == [{"weapon": "w1", "id": "T1", "name": "Ann Example"}]
    assert data["rubric"]["results"][0]["level"] == 4
    assert data["rubric"]["results"][0]["passed"] is False
    scores = list(csv.DictReader((out / "scores.csv").open()))
    assert {(r["item"], r["level"], r["source"]) for r in scores} >= {
        ("verbal-commands", "6", "instructor"),
        ("force-decision", "1", "automatic"),
    }
    assert all(private(p) for p in out.iterdir()) and private(out)
    img = screenshot(out / "report.html", scene["tmp"] / "aar.png")
    assert (img < 128).mean() > 0.02

    # not in the records: --trainee names the weapon's trainee (the name when known)
    other = scene["tmp"] / "other.rec"
    shutil.copy(scene["rec"], other)
    out2 = scene["tmp"] / "aar2"
    assert (
        main(
            [
                "aar",
                str(other),
                "-o",
                str(out2),
                "--db",
                scene["db"],
                "--trainee",
                "w1=T2",
                "--instructor-name",
                "Cpl Ray",
            ]
        )
        == 0
    )
    page2 = (out2 / "report.html").read_text()
    assert "Bo Sample (T2, w1)" in page2 and "Cpl Ray" in page2
    assert "the recording file&#x27;s time" in page2


@pytest.mark.render
def test_the_trainee_report_shows_levels_over_time_and_what_to_train_next(scene, capsys):
    library = scene["tmp"] / "library"
    shutil.copytree(scene["pack"], library / "talk")  # trains verbal commands only
    edit(library / "talk", 'title = "fixture"', 'title = "Talk first"')
    text = (library / "talk" / "scenario.toml").read_text()
    start = text.index('[[rubric.items]]\nid = "force-decision"')
    (library / "talk" / "scenario.toml").write_text(text[:start])
    shutil.copytree(scene["pack"], library / "hold")  # trains the force decision
    edit(library / "hold", 'title = "fixture"', 'title = "Hold fire"')
    out = scene["tmp"] / "progress"
    assert (
        main(
            [
                "trainee",
                "report",
                "T1",
                "-o",
                str(out),
                "--db",
                scene["db"],
                "--library",
                str(library),
                "--policies",
                str(scene["policies"]),
            ]
        )
        == 0
    )
    page = (out / "report.html").read_text()
    assert "Progress report: Ann Example" in page and "class C1" in page
    assert page.count('<svg class="chart"') == 2  # levels, reaction times
    data = json.loads((out / "progress.json").read_text())
    assert len(data["sessions"]) == 2
    comps = {c["id"]: c for c in data["competencies"]}
    assert [x["level"] for x in comps["force-decision"]["levels"]] == [1, 1]
    assert comps["force-decision"]["below"] and not comps["verbal-commands"]["below"]
    # reaction from the cue 'go' (0.1 s) to the shot (the tick at or after 0.2 s)
    (reaction,) = data["sessions"][0]["reactions"]
    assert reaction["cue"] == "go" and reaction["reaction_s"] == pytest.approx(0.1, abs=0.01)
    recs = data["recommendations"]
    assert recs[0]["pack"] == "Hold fire"  # trains the weakest item
    assert "Talk first" not in [r["pack"] for r in recs]  # trains nothing weak
    assert recs[0]["trains"] == ["force-decision"]
    assert "How they are ranked" in page
    for name in ("sessions.csv", "levels.csv", "reactions.csv", "recommendations.csv"):
        assert list(csv.DictReader((out / name).open())), name
    assert all(private(p) for p in out.iterdir()) and private(out)
    img = screenshot(out / "report.html", scene["tmp"] / "progress.png")
    assert chart_pixels(img) > 0.002  # the charts drew in colour


@pytest.mark.render
def test_the_class_report_shows_each_trainee_and_who_is_below_standard(scene, capsys):
    out = scene["tmp"] / "class"
    assert main(["class", "report", "C1", "-o", str(out), "--db", scene["db"]]) == 0
    page = (out / "report.html").read_text()
    assert "Ann Example" in page and "Bo Sample" in page
    below = list(csv.DictReader((out / "below-standard.csv").open()))
    assert {b["id"] for b in below} == {"T1", "T2"}  # both hit the bystander
    assert all("Force decision 1" in b["why"] for b in below)
    comps = {c["id"]: c for c in csv.DictReader((out / "competencies.csv").open())}
    assert comps["force-decision"]["below"] == "2" and comps["verbal-commands"]["scored"] == "2"
    assert len(json.loads((out / "class.json").read_text())["members"]) == 2
    assert all(private(p) for p in out.iterdir())
    img = screenshot(out / "report.html", scene["tmp"] / "class.png")
    assert chart_pixels(img) > 0.0005
    assert main(["class", "report", "C9", "-o", str(out), "--db", scene["db"]]) == 2
    assert "no class C9" in capsys.readouterr().err


def test_recommendations_rank_by_the_gap_then_the_difficulty_that_fits():
    from types import SimpleNamespace as NS

    from sim.rubric import Rubric, RubricItem
    from tools.reports.recommend import recommend

    def pack(title, difficulty, *items):
        rubric = Rubric(tuple(RubricItem(i, i) for i in items), pass_level=4)
        return NS(title=title, root=Path(title), meta=NS(difficulty=difficulty),
                  scenario=NS(rubric=rubric))  # fmt: skip

    progress = {
        "overall": {"level_name": "advanced beginner"},
        "scale": {"low": 1, "high": 7},
        "sessions": [{"pack": "A", "n": 1}],
        "competencies": [
            {"id": "cover", "label": "Cover", "latest": 2, "standard": 4, "below": True},
            {"id": "verbal", "label": "Verbal", "latest": 3, "standard": 4, "below": True},
            {"id": "aim", "label": "Aim", "latest": 6, "standard": 4, "below": False},
        ],
    }
    library = [
        pack("Aim only", "basic", "aim"),
        pack("Verbal, advanced", "advanced", "verbal"),
        pack("Verbal, basic", "basic", "verbal"),
        pack("A", "basic", "cover"),  # trained once already
        pack("B", "basic", "cover"),
        pack("Both", "intermediate", "cover", "verbal"),
    ]
    ranked = [r["pack"] for r in recommend(progress, library)]
    assert ranked == ["Both", "B", "A", "Verbal, basic", "Verbal, advanced"]
