"""`sightline community run` headless with scripted votes, and `community report`: the
report's counts are the script's, the recording verifies, the chart on screen shows the
counts (issue 23's first done-when)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from content import DEMO_PACK
from content.pack import load_pack
from sim.community import question_of
from tests.conftest import run_cli, write_script
from tests.tools.community_frames import bar_lengths, frame_at
from tools.figures import H, W

COVER = "Take cover, give clear commands"
DRAW = "Draw and order him to stop"
GRAB = "Close in and grab his arm"


def test_the_demo_pack_asks_the_room_its_own_question():
    q = question_of(load_pack(DEMO_PACK).scenario.segments["approach"])
    assert q.labels() == (COVER, DRAW, GRAB)
    assert q.policy and q.points and q.discuss


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("community")
    votes = [
        (1.0, DRAW),  # before the question opens (at 4 s): counts for it
        (4.3, COVER),
        (4.4, COVER),
        (4.5, DRAW),
        (4.6, COVER),
        (4.7, GRAB),
        (4.8, COVER),
        (5.0, "Not a choice"),
    ]
    events = [{"t": t, "type": "vote", "choice": c} for t, c in votes]
    events += [
        {"t": 6.0, "type": "close-vote"},
        {"t": 6.5, "type": "vote", "choice": GRAB},  # after the close: for the next question
        {"t": 8.0, "type": "reveal"},
        {"t": 9.0, "type": "angle", "view": 1},  # the bystander's view of the moment
        {"t": 12.0, "type": "continue"},
    ]
    script = write_script(tmp / "votes.jsonl", events)
    rec, video = tmp / "room.rec", tmp / "room.mp4"
    out = run_cli(
        "community", "run", str(DEMO_PACK), "--offscreen", "--no-server", "--fps", "10",
        "--script", str(script), "--record", str(rec), "--video-out", str(video),
        timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr + out.stdout
    counted = Counter(c for t, c in votes if c in (COVER, DRAW, GRAB))
    return tmp, rec, video, counted, out.stdout


def test_the_report_counts_are_the_script_votes(session):
    tmp, rec, _, counted, stdout = session
    out = run_cli("community", "report", str(rec), "-o", str(tmp / "report"), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads((tmp / "report" / "community.json").read_text())
    (q,) = summary["questions"]
    assert q["segment"] == "approach"
    assert q["choices"] == {COVER: counted[COVER], DRAW: counted[DRAW], GRAB: counted[GRAB]}
    assert q["chosen"] == COVER and q["decided_by"] == "room"
    assert q["training_points"] and q["discussion"] and q["law"]
    assert any("Verbal commands" in line for line in q["policy"])
    html = (tmp / "report" / "community.html").read_text()
    assert "Take cover, give clear commands" in html
    assert "Question 1 in approach" in stdout


def test_the_report_holds_no_personal_data(session):
    tmp, rec, *_ = session
    run_cli("community", "report", str(rec), "-o", str(tmp / "report2"), "--json")
    text = (tmp / "report2" / "community.json").read_text()
    for leak in ("voter", '"p1"', "cookie", "token", "127.0.0.1"):
        assert leak not in text


def test_the_community_recording_verifies_tick_by_tick(session):
    _, rec, *_ = session
    out = run_cli("replay", "--verify", str(rec))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "every tick matches" in out.stdout


def test_the_chart_on_screen_shows_the_counts(session):
    tmp, _, video, counted, _ = session
    png = tmp / "chart.png"  # the frame, kept to look at
    frame = frame_at(video, 7.0, 10, png)  # vote closed at 6 s, panels from 8 s
    lengths = bar_lengths(frame, 3)
    top = max(lengths)
    most = max(counted.values())
    for length, label in zip(lengths, (COVER, DRAW, GRAB), strict=True):
        assert length == pytest.approx(top * counted[label] / most, abs=0.03 * top), lengths


def test_a_report_of_an_ordinary_recording_says_it_is_not_a_community_session(tmp_path):
    rec = tmp_path / "plain.rec"
    out = run_cli(
        "run", str(DEMO_PACK), "--offscreen", "--seconds", "1", "--fps", "5", "--record", str(rec)
    )
    assert out.returncode == 0, out.stderr
    out = run_cli("community", "report", str(rec), "-o", str(tmp_path / "r"))
    assert out.returncode == 2
    assert "not a community session" in out.stderr


def test_bench_community_counts_every_vote_it_sends():
    out = run_cli(
        "bench", "community", "--phones", "6", "--window", "1", "--fps", "10", "--json",
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr + out.stdout
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["votes_taken"] == 6 and result["votes_on_screen"] == 6
    assert result["vote_to_screen"]["median_ms"] is not None


def test_the_facilitator_shows_the_moment_from_the_bystanders_view(session):
    """The alternate view replays the question's moment (asked at 4 s) from 4 s before
    it: 1.5 s after the angle was asked for, the screen shows the view clip at 1.5 s."""
    import cv2
    import numpy as np

    tmp, _, video, _, _ = session
    shown = frame_at(video, 10.5, 10, tmp / "angle.png")
    h = round(0.8 * 720)  # the card: 80 % of the screen's half-height each way
    w = round(h * W / H)
    y0, x0 = round((1 - (0.8 - 0.02)) / 2 * 720), round(640 - w / 2)
    card = shown[y0 : y0 + h, x0 : x0 + w].astype(float)

    def clip_frame(name):
        img = frame_at(DEMO_PACK / "media" / name, 1.5, 30)
        return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA).astype(float)

    alt = np.abs(card - clip_frame("approach-view1.mp4")).mean()
    main = np.abs(card - clip_frame("approach.mp4")).mean()
    assert alt < 12 and alt < main / 2, (alt, main)


def test_several_packs_play_one_after_the_other(tmp_path):
    crisis = DEMO_PACK.parent / "crisis"
    out = run_cli(
        "community", "run", str(DEMO_PACK), str(crisis), "--offscreen", "--no-server",
        "--seconds", "5", "--fps", "5", "--record", str(tmp_path / "evening.rec"),
        timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Question 1 in approach at 4.000 s" in out.stdout
    assert "Question 1 in agitated at 3.000 s" in out.stdout
    assert (tmp_path / "evening.rec").is_file() and (tmp_path / "evening-2.rec").is_file()


def test_lint_warns_of_a_question_the_clip_leaves_before_it_is_asked(pack):
    from content.lint import lint_pack
    from tests.conftest import edit

    assert not [f for f in lint_pack(pack) if "community session" in f.message]
    edit(
        pack,
        '[[segments.a.transitions]]\non = "end"',
        '[[segments.a.transitions]]\non = "time"\nat = 1.0',
    )
    found = [f for f in lint_pack(pack) if "community session" in f.message]
    assert len(found) == 1 and found[0].level == "warning"
    assert found[0].where == "segments.a.transitions" and "at 1 s" in found[0].message
