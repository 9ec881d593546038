"""The trainee camera: recorded beside the session in session time, shown inset when the
session is replayed, and beside each shot in the report. A coded clip (each frame shows
its index) stands in for the camera, so every recorded and replayed frame can be checked.
Needs EGL (skipped, saying so, without it)."""

from __future__ import annotations

import ctypes.util
import signal
import subprocess
import sys
import threading

import av
import cv2
import pytest

from tests.conftest import edit, read_frame_code, run_cli, write_clip, write_script

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(
        ctypes.util.find_library("EGL") is None,
        reason="no libEGL: offscreen rendering needs the system GL libraries",
    ),
]


@pytest.fixture(scope="module")
def recorded(fixture_pack, tmp_path_factory):
    out = tmp_path_factory.mktemp("camera")
    camera = out / "camera-in.mp4"
    write_clip(camera, (200, 0, 0), [i / 30 for i in range(90)], size=(320, 240))
    script = write_script(out / "in.jsonl", [{"t": 1.0, "type": "shot", "x": 0.9, "y": 0.5}])
    proc = run_cli(
        "run",
        str(fixture_pack),
        "--offscreen",
        "--size",
        "640x360",
        "--seconds",
        "2.5",
        "--inputs",
        str(script),
        "--record",
        str(out / "s.rec"),
        "--trainee-camera",
        str(camera),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc.stdout


def test_camera_frames_are_recorded_in_session_time(recorded):
    out, stdout = recorded
    video = out / "s.rec.camera.mp4"
    assert f"Trainee camera recorded to: {video}" in stdout
    with av.open(str(video)) as container:
        frames = [
            (float(f.pts * f.time_base), f.to_ndarray(format="bgr24"))
            for f in container.decode(video=0)
        ]
    assert len(frames) == 75  # 2.5 s of a 30 fps camera
    for t, img in frames:
        assert read_frame_code(img) == ("c", round(t * 30))


def test_a_replay_shows_the_camera_inset_in_step(recorded):
    out, _ = recorded
    proc = run_cli("replay", str(out / "s.rec"), "--video-out", str(out / "replay.mp4"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    cap = cv2.VideoCapture(str(out / "replay.mp4"))
    n = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        h, w = img.shape[:2]
        # the inset: 0.3 of the width, bottom right (a 4:3 camera: 0.4 of the height)
        inset = img[round(h * 0.59) : round(h * 0.975), round(w * 0.695) : round(w * 0.985)]
        assert read_frame_code(inset) == ("c", min(n, 74)), n
        n += 1
    assert n >= 75


def test_the_report_puts_the_trainee_beside_each_shot(recorded, tmp_path):
    out, _ = recorded
    proc = run_cli("aar", str(out / "s.rec"), "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    grab = cv2.imread(str(tmp_path / "shot-1-camera.jpg"))
    assert read_frame_code(grab) == ("c", 30)  # the camera at the shot, 1.0 s
    report = (tmp_path / "report.html").read_text()
    assert 'src="shot-1-camera.jpg"' in report and 'src="trainee-camera.mp4"' in report
    assert (tmp_path / "trainee-camera.mp4").stat().st_size > 0


def test_camera_mistakes_get_one_line(fixture_pack, tmp_path):
    for args, expected in (
        (["--trainee-camera", "0"], "--trainee-camera is recorded with the session"),
        (["--trainee-camera", "0", "--record", str(tmp_path / "r")], "needs a live run"),
        (["--trainee-camera", "nope.mp4", "--record", str(tmp_path / "r")], "no such video"),
    ):
        proc = run_cli("run", str(fixture_pack), "--offscreen", "--seconds", "0.5", *args)
        assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_a_killed_run_leaves_a_playable_camera_video(pack, tmp_path):
    """Issue 14: kill -9 mid-run left the camera video without its index (unreadable in 5
    of 5). The writer's fragments must already be on disk when the process dies."""
    loop = '[segments.c]\nclip = "media/c.mp4"\nloop = true'  # runs until killed
    edit(pack, '[segments.c]\nclip = "media/c.mp4"\nending = true', loop)
    camera = tmp_path / "camera-in.mp4"
    write_clip(camera, (200, 0, 0), [i / 30 for i in range(600)], size=(320, 240))
    video = tmp_path / "s.rec.camera.mp4"
    args = ["run", str(pack), "--offscreen", "--size", "320x180", "--seconds", "600"]
    args += ["--record", str(tmp_path / "s.rec"), "--trainee-camera", str(camera)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        waited, record = threading.Event(), tmp_path / "s.rec"
        for _ in range(1200):  # until about 7 s of session are recorded (at most 2 minutes)
            if proc.poll() is not None or (record.is_file() and record.stat().st_size > 40_000):
                break
            waited.wait(0.1)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert record.stat().st_size > 40_000, "the run did not get going within 2 minutes"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    with av.open(str(video)) as container:
        frames = [
            (float(f.pts * f.time_base), f.to_ndarray(format="bgr24"))
            for f in container.decode(video=0)
        ]
    assert len(frames) >= 30  # at least the first whole second
    for t, img in frames:
        assert read_frame_code(img) == ("c", round(t * 30) % 128)  # the code has 7 bits
