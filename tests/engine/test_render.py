"""Headless rendering end to end: `sightline run --offscreen` in a subprocess (one
Panda3D ShowBase per process), reading back the trainee-view video it writes.

Needs Panda3D's EGL offscreen display and the system GL libraries; skipped, saying so,
where they are missing.
"""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import read_frame_code, run_cli, write_script

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(
        ctypes.util.find_library("EGL") is None,
        reason="no libEGL: offscreen rendering needs the system GL libraries",
    ),
]


def sightline(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    proc = run_cli(*args, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def read_video(path: Path) -> tuple[list[np.ndarray], float]:
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    return frames, fps


def test_scripted_run_writes_every_frame_and_branches_at_the_scripted_time(tmp_path, fixture_pack):
    script = write_script(
        tmp_path / "in.jsonl",
        [
            {"t": 1.0, "type": "key", "key": "2"},
            {"t": 1.5, "type": "shot", "x": 0.9, "y": 0.15, "weapon": "w1"},
        ],
    )
    out = tmp_path / "trainee.mp4"
    proc = sightline(
        "run",
        str(fixture_pack),
        "--offscreen",
        "--inputs",
        str(script),
        "--seconds",
        "2.5",
        "--video-out",
        str(out),
        "--size",
        "640x360",
    )
    frames, fps = read_video(out)
    assert fps == pytest.approx(30)
    assert len(frames) == 75  # 2.5 s at 30 fps, frame 0 at t = 0
    assert frames[0].shape == (360, 640, 3)
    for i, img in enumerate(frames):
        expected = ("a", i) if i < 30 else ("b", i - 30)
        assert read_frame_code(img) == expected, f"frame {i} (t = {i / 30:.3f} s)"
    assert "a -> b" in proc.stdout and "Shots: 1, hits: 0" in proc.stdout
    # the shot marker (red ring) appears on the frame of the shot, over b's green
    cx, cy = round(0.9 * 640), round(0.15 * 360)

    def red_pixels(img):
        patch = img[cy - 12 : cy + 13, cx - 12 : cx + 13].reshape(-1, 3).astype(int)
        return int(((patch[:, 2] > 150) & (patch[:, 2] > patch[:, 1] + 60)).sum())

    assert red_pixels(frames[44]) == 0 and red_pixels(frames[45]) > 20


def test_a_headless_run_at_a_low_frame_rate_keeps_session_time(tmp_path, fixture_pack):
    """At 2 fps each headless frame is 0.5 s apart: all of it counts (the live loop's
    clamp on a slow frame, 0.25 s, once halved session time below 4 fps), so the key at
    1.0 s branches at 1.0 s and 4 s of frames are 3.5 s of session."""
    script = write_script(tmp_path / "in.jsonl", [{"t": 1.0, "type": "key", "key": "2"}])
    out = tmp_path / "trainee.mp4"
    proc = sightline(
        "run", str(fixture_pack), "--offscreen", "--inputs", str(script), "--fps", "2",
        "--seconds", "4", "--video-out", str(out), "--size", "320x180",
    )  # fmt: skip
    assert "Session: 3.500 s at 120 Hz (420 ticks), 8 frames rendered" in proc.stdout
    assert "a -> b" in proc.stdout
    frames, _ = read_video(out)
    assert [read_frame_code(img)[0] for img in frames] == ["a"] * 2 + ["b"] * 6


def test_odd_sized_variable_rate_clip_is_letterboxed_not_stretched(tmp_path, vfr_clip):
    pack = tmp_path / "odd"
    (pack / "media").mkdir(parents=True)
    shutil.copy(vfr_clip[0], pack / "media" / "odd.mp4")
    (pack / "scenario.toml").write_text(
        'format_version = 1\ntitle = "odd"\nstart = "s"\n'
        '[segments.s]\nclip = "media/odd.mp4"\nending = true\n'
    )
    out = tmp_path / "odd.mp4"
    sightline(
        "run",
        str(pack),
        "--offscreen",
        "--video-out",
        str(out),
        "--size",
        "640x360",
        "--seconds",
        "1.0",
    )
    frames, _ = read_video(out)
    assert len(frames) == 30
    img = frames[5]  # t = 0.1667: the frame stamped 0.150 (index 3) is showing
    # 418x314 (4:3-ish) in 16:9: the picture is 360 high, 479 wide, centred
    pic_w = round(360 * 418 / 314)
    x0 = (640 - pic_w) // 2
    assert img[:, : x0 - 2].max() < 10 and img[:, x0 + pic_w + 2 :].max() < 10  # bars
    assert read_frame_code(img[:, x0 : x0 + pic_w]) == ("a", 3)


def test_bundled_demo_runs_headless_and_says_where_it_wrote(tmp_path):
    out = tmp_path / "demo.mp4"
    proc = sightline("demo", "--offscreen", "--video-out", str(out))
    frames, _ = read_video(out)
    assert f"Trainee view written to: {out}" in proc.stdout
    assert "approach -> draw -> down" in proc.stdout
    assert "hits: 1" in proc.stdout
    assert len(frames) == round((4.4 + 3.0 + 1.0) * 30)  # ends 3 s after the hit, +1 s hold
    assert all(f.mean() > 20 for f in frames)  # no black frames


@pytest.mark.parametrize("pack", ["crisis", "intervene"])
def test_each_demo_pack_plays_its_script_headless_to_an_ending(tmp_path, pack):
    from content import PACKS_DIR

    out = tmp_path / f"{pack}.mp4"
    proc = sightline(
        "run",
        str(PACKS_DIR / pack),
        "--offscreen",
        "--size",
        "640x360",
        "--inputs",
        str(PACKS_DIR / pack / "demo-inputs.jsonl"),
        "--video-out",
        str(out),
    )
    assert ", ended" in proc.stdout and "Trainee actions:" in proc.stdout
    frames, _ = read_video(out)
    assert len(frames) > 100 and all(f.mean() > 20 for f in frames)


def test_instructor_view_has_the_overlay_and_the_trainee_view_never_does(tmp_path, fixture_pack):
    script = write_script(
        tmp_path / "in.jsonl",
        [
            {"t": 0.3, "type": "flag", "note": "first look"},
            {"t": 0.5, "type": "pause"},
            {"t": 0.8, "type": "resume"},
            {"t": 1.0, "type": "key", "key": "2"},
            {"t": 1.2, "type": "malfunction", "weapon": "w1"},
            {"t": 1.4, "type": "shot", "x": 0.1, "y": 0.5},
            {"t": 1.6, "type": "shot", "x": 0.9, "y": 0.9},
        ],
    )
    base = [
        "run",
        str(fixture_pack),
        "--offscreen",
        "--inputs",
        str(script),
        "--seconds",
        "2.0",
        "--size",
        "640x360",
    ]
    alone = tmp_path / "alone.mp4"
    sightline(*base, "--video-out", str(alone))
    trainee, inst = tmp_path / "trainee.mp4", tmp_path / "instructor.mp4"
    proc = sightline(*base, "--video-out", str(trainee), "--instructor-video-out", str(inst))
    t_frames, _ = read_video(trainee)
    a_frames, _ = read_video(alone)
    i_frames, _ = read_video(inst)
    assert len(t_frames) == len(a_frames) == len(i_frames) == 60
    # the trainee view is the same picture whether or not the instructor view exists
    worst = max(
        int(np.abs(t.astype(int) - a.astype(int)).max())
        for t, a in zip(t_frames, a_frames, strict=True)
    )
    assert worst <= 2, worst
    # the instructor view: the live picture (top left) and overlay text around it
    assert i_frames[0].shape == (720, 1280, 3)
    for i, (ins, tr) in enumerate(zip(i_frames, t_frames, strict=True)):  # every frame
        assert read_frame_code(ins[60:400, 15:750]) == read_frame_code(tr), f"frame {i}"
    paused_badge = i_frames[20][0:40, 1100:1280]  # t = 0.67 s, paused
    running_badge = i_frames[40][0:40, 1100:1280]
    assert (paused_badge[..., 2] > 180).sum() > 30 and (running_badge[..., 2] > 180).sum() == 0
    assert (i_frames[40][:, 760:] > 150).mean() > 0.003  # the right column carries text
    # the scripted instructor actions took effect
    assert "Flags: 0.300 s 'first look'" in proc.stdout
    assert "a -> b  (key 2 (to b))" in proc.stdout
    assert "DRY: malfunction" in proc.stdout and "Shots: 1," in proc.stdout


def test_help_panel_renders_on_the_instructor_view(tmp_path, fixture_pack):
    out = tmp_path / "help.png"
    code = f"""
import cv2, numpy as np
from pathlib import Path
from content.pack import load_pack
from engine.app import RunConfig, SightlineApp
app = SightlineApp(load_pack({str(fixture_pack)!r}), RunConfig(
    offscreen=True, seconds=0.2, instructor="buffer", width=640, height=360))
app.console.key("f1", 0.0)
app.run()
tex = app.instructor_view.root  # drawn; read the buffer back
buf = [o for o in app.base.graphicsEngine.getWindows() if o.getName() == "instructor"][0]
shot = buf.getScreenshot()
img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(
    shot.getYSize(), shot.getXSize(), 3)[::-1]
cv2.imwrite({str(out)!r}, img)
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, capture_output=True)
    img = cv2.imread(str(out))
    panel = img[200:520, 300:980]
    assert panel.mean() < 60  # the dark help panel covers the middle
    assert (panel > 200).mean() > 0.01  # with the hotkey list on it


def test_split_mode_puts_trainee_left_and_instructor_right(tmp_path, fixture_pack):
    out = tmp_path / "split.png"
    code = f"""
import cv2, numpy as np
from content.pack import load_pack
from engine.app import RunConfig, SightlineApp
app = SightlineApp(load_pack({str(fixture_pack)!r}), RunConfig(
    offscreen=True, seconds=0.2, instructor="split", width=1280, height=360))
app.run()
shot = app.base.win.getScreenshot()
img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(
    shot.getYSize(), shot.getXSize(), 3)[::-1]
cv2.imwrite({str(out)!r}, img)
print(app.screen_aspect)
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], check=True, timeout=120, capture_output=True, text=True
    )
    assert float(proc.stdout.split()[-1]) == pytest.approx(640 / 360)
    img = cv2.imread(str(out))
    assert read_frame_code(img[:, :640]) == ("a", 5)  # the last of 6 frames: clip frame 5
    right = img[:, 640:]
    assert right.mean() < 60 and (right > 150).mean() > 0.002  # dark panel with text


def test_markers_from_later_than_now_go_when_time_goes_back():
    """A replay seeking backwards (or another session in the same view) goes back in
    session time: the markers of shots after that time must go, not stay on screen until
    the clock catches up with them. `bench shot` measured its serial shots against the
    camera run's leftover markers this way (0 frames, under a millisecond)."""
    code = """
from engine import panda_setup
panda_setup.configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
from engine.trainee_view import MARKER_LIFETIME_S, TraineeView
base = ShowBase(windowType="offscreen")
view = TraineeView(base.render2d, 320 / 180, True, (320, 180, 0, 0))
count = lambda: base.render2d.findAllMatches("**/marker").getNumPaths()
view.add_marker(0.3, 0.4, "w1", 10.0)
view.add_marker(0.6, 0.4, "w1", 11.0)
view.expire_markers(11.0)
a = count()
view.expire_markers(10.5)   # back: the shot at 11 s has not happened yet
b = count()
view.expire_markers(10.0 + MARKER_LIFETIME_S)   # forward: the one at 10 s has lived its time
c = count()
view.add_marker(0.5, 0.5, "w1", 0.0)   # a new session from 0 s
view.expire_markers(0.0)
print(a, b, c, count())
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert proc.stdout.split()[-4:] == ["2", "1", "0", "1"], proc.stdout
