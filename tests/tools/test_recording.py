"""Session recordings: written while a run goes, verified tick by tick on replay, readable
after kill -9, and safe to read when hostile or damaged."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading

import pytest

from sim import events as ev
from sim.recording import (
    EVENT_TYPES,
    MAGIC,
    RecordingError,
    encode_record,
    event_from,
    event_record,
    read_recording,
)
from tests.conftest import run_cli, write_script

SCRIPT = [
    {"t": 0.3, "type": "flag", "note": "look"},
    {"t": 0.5, "type": "key", "key": "2"},
    {"t": 0.7, "type": "malfunction"},
    {"t": 0.8, "type": "shot", "x": 0.1, "y": 0.5},
    {"t": 0.9, "type": "shot", "x": 0.12, "y": 0.5},
]


@pytest.fixture
def recorded(tmp_path, fixture_pack):
    script = tmp_path / "in.jsonl"
    write_script(script, SCRIPT)
    rec = tmp_path / "run.rec"
    out = run_cli(
        "run",
        str(fixture_pack),
        "--offscreen",
        "--size",
        "320x180",
        "--seconds",
        "1.5",
        "--inputs",
        str(script),
        "--record",
        str(rec),
    )
    assert out.returncode == 0, out.stderr[-1500:]
    return rec


@pytest.mark.render
def test_a_recorded_run_verifies_tick_by_tick(recorded):
    assert stat.S_IMODE(recorded.stat().st_mode) == 0o600  # trainee data: owner only
    out = run_cli("replay", str(recorded), "--verify")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "verified 176 ticks, 5 inputs" in out.stdout and "every tick matches" in out.stdout


@pytest.mark.render
def test_an_altered_input_diverges_at_the_tick_it_names(recorded, tmp_path):
    with recorded.open("rb") as fh:
        records = read_recording(fh, "x").records
    for r in records:
        if r["k"] == "input" and r["type"] == "Shot" and r["f"]["x_norm"] == 0.12:
            r["f"]["x_norm"] = 0.9  # the second shot lands elsewhere
            tick = r["tick"]
    forged = tmp_path / "forged.rec"
    forged.write_bytes(MAGIC + b"".join(encode_record(r) for r in records))
    out = run_cli("replay", str(forged), "--verify")
    assert out.returncode == 1
    assert f"DIVERGED at tick {tick} " in out.stdout


@pytest.mark.render
def test_kill_9_leaves_a_readable_recording(tmp_path, fixture_pack):
    rec = tmp_path / "killed.rec"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.cli",
            "run",
            str(fixture_pack),
            "--offscreen",
            "--size",
            "320x180",
            "--seconds",
            "600",
            "--record",
            str(rec),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait = threading.Event().wait
    try:
        for _ in range(3000):  # until a good part of a second of ticks is on disk
            if rec.exists() and rec.stat().st_size > 20_000:
                break
            wait(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    with rec.open("rb") as fh:
        result = read_recording(fh, str(rec))
    assert result.records[0]["k"] == "header"
    ticks = [r for r in result.records if r["k"] == "tick"]
    assert len(ticks) > 100
    out = run_cli("replay", str(rec), "--verify")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "every tick matches" in out.stdout


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello world", "not a Sightline recording"),
        (MAGIC + b"\xff\xff\xff\x7f" + b"\x00" * 8, "damaged at byte 15: .* over 65536"),
        (MAGIC + encode_record({"k": "header"})[:-2] + b"xx", "CRC does not match"),
    ],
)
def test_hostile_or_damaged_files_are_clear_errors(data, message):
    with pytest.raises(RecordingError, match=message):
        read_recording(io.BytesIO(data), "f.rec")


def test_a_torn_last_record_is_tolerated():
    whole = MAGIC + encode_record({"k": "header"}) + encode_record({"k": "tick", "tick": 1})
    result = read_recording(io.BytesIO(whole[:-3]), "f.rec")
    assert [r["k"] for r in result.records] == ["header"] and result.torn_tail


def test_cli_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.rec"
    bad.write_bytes(b"nope")
    out = run_cli("replay", str(bad), "--verify")
    assert out.returncode == 2 and out.stderr.strip().count("\n") == 0
    assert "not a Sightline recording" in out.stderr


EXAMPLES = [
    ev.KeyPress(1.0, "2"),
    ev.Shot(1.0, 0.5, 0.25, "w2", "cew"),
    ev.TraineeAction(1.0, "cover-taken"),
    ev.Pause(1.0),
    ev.Resume(1.0),
    ev.Flag(1.0, "n"),
    ev.FlagNote(1.0, "m"),
    ev.Explain(1.0, "saw a gun"),
    ev.JumpTo(1.0, "b"),
    ev.Malfunction(1.0, "w1"),
    ev.SetView(1.0, "low-light", True),
    ev.EndScenario(1.0),
    ev.DeviceStatus(1.0, "kit", False, "lost"),
    ev.MagazineChange(1.0, "w1", True, 15),
    ev.FlashlightMove(1.0, "f1", True, 0.5, 0.5),
    ev.PlaySound(1.0, "siren"),
    ev.SetLevel(1.0, "distractor", 40),
    ev.TargetHit(1.0, "plate", "w2"),
    ev.Score(1.0, "verbal-commands", 5, "w2", "clear and early"),
    ev.Score(1.0, "use-of-cover", None),  # not observed
    ev.Said(1.0, "show me your hands", "show me your hands"),
    ev.Vote(1.0, "Take cover", 2, "p7"),
    ev.CloseVote(1.0),
    ev.Reveal(1.0),
    ev.Continue(1.0, "Take cover"),
    ev.Angle(1.0, 1),
    ev.Threat(1.0, "vibration"),
    ev.Disarm(1.1),
]


def test_every_event_type_round_trips_through_a_record():
    assert {type(e).__name__ for e in EXAMPLES} == set(EVENT_TYPES)
    for e in EXAMPLES:
        buf = io.BytesIO(MAGIC + encode_record(event_record(7, e)))
        (rec,) = read_recording(buf, "x").records
        assert event_from(rec, "x") == e


@pytest.mark.render
def test_after_action_review_from_a_recording(recorded, tmp_path):
    import csv
    import shutil

    out = tmp_path / "aar"
    proc = run_cli("aar", str(recorded), "-o", str(out))
    assert proc.returncode == 0, proc.stderr[-1500:]
    page = (out / "report.html").read_text()
    for section in (
        "Timeline",
        "Reaction times",
        "Hits by zone role",
        "Per weapon",
        "Shot placement",
        "Flags",
        "All events",
    ):
        assert f"<h2>{section}</h2>" in page
    assert "look" in page and "DRY (malfunction)" in page
    rows = list(csv.DictReader((out / "events.csv").open()))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("shot") == 2 and kinds.count("flag") == 1 and "branch" in kinds
    data = json.loads((out / "events.json").read_text())
    assert data["header"]["pack_hash"] and len(data["events"]) == len(rows)
    assert (out / "shot-1.png").is_file()  # the one fired shot, drawn on its frame
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed: the report was not rendered in a browser")
    shot = tmp_path / "page.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1000,1400",
            f"--screenshot={shot}",
            (out / "report.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    import cv2

    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (1400, 1000)
    assert (img < 128).mean() > 0.02  # text, the timeline and the frame grab drew


@pytest.mark.render
def test_replay_in_the_engine_reproduces_the_trainee_view(tmp_path, fixture_pack):
    import cv2
    import numpy as np

    script = tmp_path / "in.jsonl"
    write_script(script, SCRIPT)
    rec, first, again = tmp_path / "r.rec", tmp_path / "first.mp4", tmp_path / "again.mp4"
    assert (
        run_cli(
            "run",
            str(fixture_pack),
            "--offscreen",
            "--size",
            "320x180",
            "--seconds",
            "1.2",
            "--inputs",
            str(script),
            "--record",
            str(rec),
            "--video-out",
            str(first),
        ).returncode
        == 0
    )
    out = run_cli("replay", str(rec), "--offscreen", "--video-out", str(again))
    assert out.returncode == 0, out.stderr[-1500:]

    def frames(path):
        cap = cv2.VideoCapture(str(path))
        return [cap.read()[1] for _ in range(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))]

    a, b = frames(first), frames(again)
    assert len(a) == len(b) == 36
    assert (
        max(int(np.abs(x.astype(int) - y.astype(int)).max()) for x, y in zip(a, b, strict=True))
        <= 2
    )
