"""The after-action review's content (issue 14): what an instructor reads in a debrief.

Recordings are built straight from the sim (no rendering, as tests/tools/test_recordings.py
does): a Recording of a bundled pack with the inputs a script would give, re-simulated by
tools.aar like any other."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from content import PACKS_DIR
from content.pack import load_pack
from sim import events as ev
from tools.aar import write_report
from tools.recordings import Recording

HZ = 120
CRISIS = PACKS_DIR / "crisis"  # de-escalation: the cue "fists clenched" at 3.0 s of the clip


def recording_of(pack_dir: Path, events: list, end_s: float, config: dict | None = None):
    """A Recording of `pack_dir` with `events` (each applied at the first tick at or after
    its t_s, as a script's are) that lasts `end_s` seconds."""
    cfg = {"tick_hz": HZ, "screen_aspect": 16 / 9, **(config or {})}
    inputs = [(max(1, math.ceil(e.t_s * HZ - 1e-9)), e) for e in events]
    last = round(end_s * HZ)
    header = {"k": "header", "program": "test", "config": cfg}
    return Recording(
        pack_dir / "s.rec", header, pack_dir, load_pack(pack_dir), inputs, [(last, b"")], False
    )


def review(tmp_path, events, end_s=10.0, pack_dir=CRISIS, config=None):
    out = tmp_path / "aar"
    page = write_report(recording_of(pack_dir, events, end_s, config), out).read_text()
    return page, out


def section(page: str, title: str) -> str:
    """The HTML from `<h2>title</h2>` to the next h2."""
    start = page.index(f"<h2>{title}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start : end if end > 0 else None]


def test_timeline_time_labels_do_not_smear_on_a_long_session(tmp_path):
    """A 94 s session had a label every second, 9 px apart: unreadable."""
    page, _ = review(tmp_path, [], end_s=94.0)
    svg = section(page, "Timeline")
    ticks = [
        (float(x), label)
        for x, label in re.findall(r'<text x="([\d.]+)"[^>]*>(\d+(?::\d\d)?s?)</text>', svg)
    ]
    assert 4 <= len(ticks) <= 16, ticks
    assert min(np.diff([x for x, _ in ticks])) >= 45, ticks  # room for "1:30" and a gap
    assert ticks[1][1] == "10s"


@pytest.mark.parametrize("end_s", [1.0, 9.5, 300.0, 3600.0, 36000.0])
def test_time_steps_suit_any_session_length(end_s):
    from tools.aar_timeline import _time_ticks

    px_per_s = 812 / end_s  # the timeline's drawing width
    ticks = _time_ticks(end_s, px_per_s)
    assert 2 <= len(ticks) <= 25, ticks
    assert (ticks[1][0] - ticks[0][0]) * px_per_s >= 45
    assert len({label for _, label in ticks}) == len(ticks)  # 0:00, 2:00, ... never repeat


def test_a_dry_trigger_pull_is_not_reported_as_a_missed_shot(tmp_path):
    events = [ev.Malfunction(3.1, "w1"), ev.Shot(3.3, 0.5, 0.5, "w1")]  # the cue: 3.0 s
    page, _ = review(tmp_path, events, end_s=4.0)
    reactions = section(page, "Reaction times")
    assert "shot (miss)" not in reactions
    assert "dry trigger pull (malfunction)" in reactions and "0.30 s" in reactions
    assert "dry trigger pull (malfunction)" in section(page, "Timeline")
    assert "<title>shot 3.30 s" not in section(page, "Timeline")


def test_actions_pauses_and_low_light_are_on_the_timeline_and_in_the_reactions(tmp_path):
    """A de-escalation session: no shots, only what the trainee said and did, in the dark,
    with the instructor pausing once before the cue and once between cue and response."""
    events = [
        ev.SetView(0.5, "low-light", True),
        ev.Pause(1.0),
        ev.Resume(2.5),
        ev.TraineeAction(4.0, "cover-taken"),  # before the cue (3.0 s of clip = 4.5 s)
        ev.Pause(4.7),
        ev.Resume(5.7),
        ev.TraineeAction(6.0, "verbal-command"),  # 1.5 s after the cue, 1.0 s of it paused
    ]
    page, out = review(tmp_path, events, end_s=8.0)
    timeline = section(page, "Timeline")
    assert "action: verbal command" in timeline and "action: cover taken" in timeline
    assert timeline.count("<title>paused") == 2 and "<title>low light" in timeline
    reactions = section(page, "Reaction times")
    assert "action: verbal command" in reactions and "0.50 s" in reactions
    assert "paused 1.00 s, not counted" in reactions and "low light" in reactions
    responses = section(page, "Trainee responses")
    assert "cover taken" in responses and "before any cue" in responses
    assert "verbal command" in responses
    kinds = [r["kind"] for r in csv.DictReader((out / "events.csv").open())]
    assert kinds.count("pause") == 2 and kinds.count("resume") == 2 and "view" in kinds


def test_shot_frames_are_drawn_as_dark_as_the_trainee_saw_them(tmp_path):
    """The frame grab of a shot fired in low light shows low light, lit only where the
    flashlight pointed; a daylight shot's grab stays in daylight."""
    shot = ev.Shot(2.0, 0.75, 0.5)  # right of the subject, on the wall
    night = [
        ev.SetView(0.0, "low-light", True),
        ev.SetView(0.0, "flashlight", True),
        ev.FlashlightMove(0.0, "f1", True, 0.25, 0.5),
        shot,
    ]
    _, day_dir = review(tmp_path / "day", [shot], end_s=2.5)
    page, night_dir = review(tmp_path / "night", night, end_s=2.5)
    day, dark = (cv2.imread(str(d / "shot-1.png")) for d in (day_dir, night_dir))
    assert day.shape == dark.shape
    h, w = day.shape[:2]
    beam = np.s_[h // 2 - 10 : h // 2 + 10, w // 4 - 10 : w // 4 + 10]  # 16:9 clip: no bars
    far = np.s_[h // 8 : h // 8 + 20, 7 * w // 8 - 10 : 7 * w // 8 + 10]
    assert abs(dark[beam].mean() - day[beam].mean()) < 20  # the cone keeps its daylight
    assert dark[far].mean() < 0.3 * day[far].mean()  # the rest is dark
    assert "in low light, flashlight on" in section(page, "Shot placement")


@pytest.mark.render
def test_the_reviews_low_light_matches_the_trainee_views_shader(tmp_path):
    """tools.render_frame.night_look is a CPU copy of engine/lowlight.py's shader (without
    its grain): compared with render-frame's GPU picture of the same frame."""
    from content import DEMO_PACK
    from tests.conftest import run_cli
    from tools.render_frame import night_look

    out = tmp_path / "gl.png"
    proc = run_cli(
        "render-frame",
        str(DEMO_PACK),
        "--segment",
        "draw",
        "--t",
        "2.0",
        "--size",
        "480x360",  # 4:3 around a 16:9 clip: bars top and bottom, an off-centre beam
        "--lowlight",
        "0.12",
        "--flashlight",
        "0.3,0.45",
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr[-1500:]
    gl = cv2.imread(str(out))
    day_out = tmp_path / "day.png"
    proc = run_cli(
        "render-frame", str(DEMO_PACK), "--segment", "draw", "--t", "2.0", "--size", "480x360",
        "-o", str(day_out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-1500:]
    day = cv2.imread(str(day_out))
    pic = np.s_[45:315, :]  # the 16:9 picture, 270 rows high in the middle
    cpu = night_look(day[pic], 1.0, [(0.3, 0.45)], 480 / 360, 16 / 9, ambient=0.12)
    # the shader's grain is +-8 levels of noise a pixel: compare 7x7 averages
    diff = np.abs(cv2.blur(cpu, (7, 7)).astype(int) - cv2.blur(gl[pic], (7, 7)).astype(int))
    assert diff.mean() < 1.5 and np.percentile(diff, 99) < 6, (
        diff.mean(),
        np.percentile(diff, 99),
    )


def test_the_table_is_per_weapon_and_names_each_weapons_device(tmp_path):
    """The recording knows weapons (w1, w2), not trainees: say so, with the devices the
    session bound to each weapon."""
    events = [ev.Shot(1.0, 0.5, 0.5, "w1"), ev.Shot(1.5, 0.1, 0.1, "w2")]
    devices = ["recoil-kit:/dev/ttyUSB0@w2", "camera:0", "<b>junk</b>", 7]
    page, _ = review(tmp_path, events, end_s=2.0, config={"devices": devices})
    assert "<h2>Per trainee</h2>" not in page
    table = section(page, "Per weapon")
    assert "recoil-kit:/dev/ttyUSB0" in table and "camera:0" in table
    assert "<b>junk" not in table  # header fields are untrusted
    assert "not trainees" in table


def test_csv_times_are_rounded_to_the_millisecond(tmp_path):
    events = [ev.Flag(0.305, "a"), ev.TraineeAction(1.234567, "cover-taken")]  # tick 37, 149
    _, out = review(tmp_path, events, end_s=2.0)
    rows = list(csv.DictReader((out / "events.csv").open()))
    assert rows and all(re.fullmatch(r"\d+(\.\d{1,3})?", r["t_s"]) for r in rows), rows
    assert {r["t_s"] for r in rows} >= {"0.308", "1.242"}
