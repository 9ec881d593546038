"""The windowed app, as a user drives it: real X windows on Xvfb (the trainee's and the
instructor's), real mouse clicks and key presses from xdotool. A click on the trainee
window is a shot at the cursor; number keys branch; on the instructor window F flags
(then a typed note and Enter), J opens the jump menu, Esc twice ends the scenario and Esc
twice again quits. Skipped, saying so, where Xvfb or xdotool is not installed
(`bash tools/setup.sh test` installs both)."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

from sim.recording import RecordingError, read_recording
from tests.conftest import edit, onsets, read_frame_code, run_cli, write_clip, write_script
from tools.bench_live import read_openal_wav

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool")),
        reason="needs Xvfb and xdotool for a real window (apt-get install xvfb xdotool)",
    ),
]

WAIT_S = 120.0  # generous: these runs share a busy machine; a pass never waits this long


@pytest.fixture
def x_display():
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()  # Xvfb writes its display number once ready
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def xdo(env, *args):
    subprocess.run(["xdotool", *args], env=env, check=True, timeout=WAIT_S, capture_output=True)


def window(env, title_regex: str, app: subprocess.Popen) -> str:
    """The id of the app's window whose title matches, once it exists; fails at once with
    the app's own error if the app exits first."""
    wait = threading.Event().wait
    for _ in range(round(WAIT_S / 0.1)):
        found = subprocess.run(
            ["xdotool", "search", "--name", title_regex],
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT_S,
        )
        if found.stdout.split():
            return found.stdout.split()[0]
        if app.poll() is not None:
            pytest.fail(f"the app exited ({app.returncode}): {app.communicate()[1][-2000:]}")
        wait(0.1)
    pytest.fail(f"no window {title_regex!r} within {WAIT_S:.0f} s")


def recorded_inputs(rec) -> list[str]:
    """The input events a live run has recorded so far, by type. The writer flushes at
    least every 100 ms; a record cut short at the end is left for the next look."""
    if not rec.exists():
        return []
    with rec.open("rb") as fh:
        try:
            records = read_recording(fh, str(rec)).records
        except RecordingError:  # the header itself is still being written
            return []
    return [r["type"] for r in records if r["k"] == "input"]


def wait_recorded(rec, kind: str, count: int, app) -> None:
    """Wait until the run has taken `count` inputs of `kind`: each user action is sent only
    once the app has acted on the one before, however slowly a busy machine runs it (a
    click is placed where the pointer is when the app handles it)."""
    wait = threading.Event().wait
    for _ in range(round(WAIT_S / 0.05)):
        if recorded_inputs(rec).count(kind) >= count or app.poll() is not None:
            break
        wait(0.05)
    assert recorded_inputs(rec).count(kind) >= count, (kind, count, recorded_inputs(rec))


def end_and_quit(env, win: str, rec, app) -> tuple[str, str]:
    """Esc Esc ends the scenario, Esc Esc again quits; the run's stdout and stderr."""
    xdo(env, "key", "--window", win, "Escape", "Escape")  # end
    wait_recorded(rec, "EndScenario", 1, app)
    xdo(env, "key", "--window", win, "Escape", "Escape")  # quit
    return app.communicate(timeout=WAIT_S)


def test_trainee_clicks_shoot_and_instructor_keys_control_the_run(x_display, pack, tmp_path):
    # Only the instructor moves this run on: segment a no longer ends into c by itself, and
    # b and c loop instead of ending, so a slow machine cannot outrun the keys (wall-clock
    # deadlines are the benchmarks' business) and only Esc Esc can end the scenario.
    edit(pack, '[[segments.a.transitions]]\non = "end"\nto = "c"\n', "")
    edit(pack, "ending = true", "loop = true")
    edit(pack, "ending = true", "loop = true")
    env = {**os.environ, "DISPLAY": x_display}
    inst_video = tmp_path / "instructor.mp4"
    rec = tmp_path / "run.rec"
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.cli",
            "run",
            str(pack),
            "--size",
            "640x360",
            "--seconds",
            "600",
            "--record",
            str(rec),
            "--instructor-video-out",
            str(inst_video),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        trainee = window(env, "^Sightline - ", app)
        instructor = window(env, "^Sightline instructor", app)
        xdo(env, "mousemove", "--window", trainee, "576", "54", "click", "1")  # (0.9, 0.15)
        wait_recorded(rec, "Shot", 1, app)
        xdo(env, "key", "--window", trainee, "2")  # branch a -> b
        wait_recorded(rec, "KeyPress", 1, app)
        xdo(env, "mousemove", "--window", trainee, "64", "180", "click", "1")  # (0.1, 0.5)
        wait_recorded(rec, "Shot", 2, app)
        xdo(env, "key", "--window", instructor, "f")
        wait_recorded(rec, "Flag", 1, app)  # the note prompt is open: text typed now is kept
        xdo(env, "type", "--window", instructor, "late")
        xdo(env, "key", "--window", instructor, "Return")
        wait_recorded(rec, "FlagNote", 1, app)
        xdo(env, "key", "--window", instructor, "s", "2")  # sound menu: 2 = dog barking
        wait_recorded(rec, "PlaySound", 1, app)
        xdo(env, "key", "--window", instructor, "a", "1", "1", "Escape")  # master down twice
        wait_recorded(rec, "SetLevel", 2, app)
        xdo(env, "key", "--window", instructor, "j", "3")  # jump menu: a, b, c -> c
        wait_recorded(rec, "JumpTo", 1, app)
        out, err = end_and_quit(env, instructor, rec, app)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, err[-2000:]
    assert "Segments played: a -> b -> c" in out
    assert "b -> c  (instructor: jump)" in out
    assert "(0.900, 0.150)  miss" in out  # segment a's zone is the left half
    shots = [line for line in out.splitlines() if " w1 " in line]
    assert len(shots) == 2 and "[a @" in shots[0] and "[b @" in shots[1]
    assert "'late'" in out.split("Flags:")[1]
    assert "Sounds: dog @ " in out and "(instructor)" in out
    assert "Volume changes: master 90 % @" in out and "master 80 % @" in out
    session = next(line for line in out.splitlines() if line.startswith("Session:"))
    assert ", ended" in session  # Esc Esc ended it, and Esc Esc again quit
    assert inst_video.stat().st_size > 0


def test_a_paced_instructor_window_takes_keys_and_is_drawn_less_often(x_display, pack, tmp_path):
    """On a software renderer the instructor's window is drawn at most 30 times a second
    (engine/instructor.py InstructorPace) when it is not being recorded: keys typed into it
    still reach the console on the frames it is not drawn, and the run says how often it
    was drawn."""
    edit(pack, "ending = true", "loop = true")
    edit(pack, "ending = true", "loop = true")
    env = {**os.environ, "DISPLAY": x_display}
    rec = tmp_path / "run.rec"
    code = (
        "import sys\n"
        "from content.pack import load_pack\n"
        "from engine.app import RunConfig, SightlineApp\n"
        "from engine.instructor import InstructorPace\n"
        "drawn = [0, 0]\n"
        "real = InstructorPace.before_frame\n"
        "def counted(self, now_s):\n"
        "    real(self, now_s)\n"
        "    drawn[0] += 1\n"
        "    drawn[1] += int(self.out.isActive())\n"
        "InstructorPace.before_frame = counted\n"
        "app = SightlineApp(load_pack(sys.argv[1]), RunConfig(offscreen=False, seconds=600.0,\n"
        "    instructor='window', width=640, height=360, audio='none', record=sys.argv[2]))\n"
        "import time\n"
        "t0 = time.monotonic()\n"
        "app.run()\n"
        "print('paced', app.instructor_pace is not None, 'frames', drawn[0], 'drawn', drawn[1],\n"
        "      'seconds', round(time.monotonic() - t0, 2))\n"
    )
    app = subprocess.Popen(
        [sys.executable, "-c", code, str(pack), str(rec)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        instructor = window(env, "^Sightline instructor", app)
        threading.Event().wait(1.5)  # long enough to tell 30 draws a second from every frame
        xdo(env, "key", "--window", instructor, "f")
        wait_recorded(rec, "Flag", 1, app)
        xdo(env, "type", "--window", instructor, "paced")
        xdo(env, "key", "--window", instructor, "Return")
        wait_recorded(rec, "FlagNote", 1, app)
        out, err = end_and_quit(env, instructor, rec, app)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, err[-2000:]
    words = out.split()
    stats = dict(zip(words[::2], words[1::2], strict=False))
    assert stats["paced"] == "True", out  # llvmpipe here: a software renderer
    frames, drawn, seconds = int(stats["frames"]), int(stats["drawn"]), float(stats["seconds"])
    assert drawn <= frames / 2 + 1, out  # never two draws in a row
    assert drawn <= 30 * seconds + 2, out  # at most 30 a second of the run's wall time
    assert drawn >= 1, out


def test_replay_window_jumps_to_the_next_shot_or_flag(x_display, fixture_pack, tmp_path):
    script = write_script(
        tmp_path / "in.jsonl",
        [
            {"t": 0.3, "type": "flag", "note": "one"},
            {"t": 0.6, "type": "shot", "x": 0.9, "y": 0.1},
            {"t": 0.9, "type": "shot", "x": 0.9, "y": 0.2},
            {"t": 1.2, "type": "flag", "note": "two"},
        ],
    )
    rec = tmp_path / "r.rec"
    made = run_cli(
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
        timeout=120,
    )
    assert made.returncode == 0
    # sound on (OpenAL's wave-file backend), so the seeks run through the mixer as well
    conf = tmp_path / "alsoft.conf"
    conf.write_text(f"[general]\ndrivers = wave\n[wave]\nfile = {tmp_path / 'dev.wav'}\n")
    env = {**os.environ, "DISPLAY": x_display, "ALSOFT_CONF": str(conf)}
    app = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "replay", str(rec)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wid = window(env, "^Sightline - ", app)
        xdo(env, "key", "--window", wid, "space")  # pause, then jump: flag, shot, shot
        for key in ("n", "n", "n", "Escape"):  # one press each, as a person presses them
            xdo(env, "key", "--window", wid, key)
        out, err = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == 0, err[-2000:]
    assert "Shots: 2," in out  # at the second shot: both shots, and only the first flag
    assert "Sound device: 60 ms behind sim time" in out
    assert "Flags: 0.300 s 'one'" in out and "'two'" not in out


def test_live_sound_device_holds_the_soundtrack_at_a_constant_offset(
    x_display, sync_pack, tmp_path
):
    """The live path: a window run playing through Panda3D's OpenAL, whose wave-file
    backend records what the sound card would have played, in real time. Sound reaches the
    device, never ahead of its session time; when the device kept up (the run reports when
    it did not), every beep (through the pause and the branch), the shot's report and the
    instructor's sound arrive, each once, in order. How steady the offset is on a live,
    wall-clock path is a benchmark's figure, not a test's: `sightline bench audio` measures
    it (constant to about 0.1 ms on a quiet machine); the headless mix is held to the
    sample by tests/engine/test_sound_render.py."""
    conf = tmp_path / "alsoft.conf"
    device = tmp_path / "device.wav"
    conf.write_text(f"[general]\ndrivers = wave\nfrequency = 48000\n[wave]\nfile = {device}\n")
    script = write_script(
        tmp_path / "in.jsonl",
        [
            {"t": 1.0, "type": "pause"},
            {"t": 1.713, "type": "resume"},
            {"t": 3.0, "type": "key", "key": "2"},
            {"t": 4.8, "type": "shot", "x": 0.5, "y": 0.5},
            {"t": 5.8, "type": "sound", "sound": "mark"},
        ],
    )
    env = {**os.environ, "DISPLAY": x_display, "ALSOFT_CONF": str(conf)}
    proc = run_cli(
        "run",
        str(sync_pack),
        "--window",
        "--instructor",
        "none",
        "--audio",
        "device",
        "--inputs",
        str(script),
        "--size",
        "320x180",
        "--seconds",
        "9",  # time after the last sound for a device that started late to play it
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Sound device: 60 ms behind sim time" in proc.stdout
    audio, rate = read_openal_wav(device)
    heard = np.array(onsets(audio, rate, 0.2))
    pause = math.ceil(1.713 * 120) / 120 - 1.0
    expected = np.array([0.5, 1.5 + pause, 3.3, 4.3, 4.8, 5.3, 5.8])  # beeps, shot, mark
    report = next(line for line in proc.stdout.splitlines() if "ran dry" in line)
    dry, skipped_ms = (
        int(x) for x in re.findall(r"ran dry (\d+) time.*?(\d+) ms skipped", report)[0]
    )
    print(f"device onsets (s): {np.round(heard, 3)}; {report}")
    assert len(heard) >= 1 and heard[0] > expected[0], heard  # played, never early
    if dry == 0 and skipped_ms == 0:
        # the device kept up: every sound, once, in order, behind its session time
        assert len(heard) == len(expected), heard
        assert np.all(heard - expected > 0), heard - expected
    # else the host starved the device and the run said so (above): to hold the lead it
    # drops sound or plays silence, so a sound may be cut, split or lost; that is the
    # live path's design, and how often is `sightline bench audio`'s figure


def test_live_trainee_camera_is_recorded_on_the_session_clock(x_display, fixture_pack, tmp_path):
    """A window run with a camera (a coded clip standing in for a webcam, delivered at its
    own pace on the camera's thread): its frames are stamped in session time (within the
    session, not the host's clock), each once and in order. How steady their offset is on
    this live path is measured by `sightline bench record`, not bounded here."""
    camera = tmp_path / "camera-in.mp4"
    write_clip(camera, (200, 0, 0), [i / 30 for i in range(120)], size=(320, 240))
    env = {**os.environ, "DISPLAY": x_display}
    proc = run_cli(
        "run",
        str(fixture_pack),
        "--window",
        "--instructor",
        "none",
        "--audio",
        "none",
        "--size",
        "320x180",
        "--seconds",
        "2.0",
        "--record",
        str(tmp_path / "s.rec"),
        "--trainee-camera",
        str(camera),
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import av

    with av.open(str(tmp_path / "s.rec.camera.mp4")) as container:
        frames = [
            (float(f.pts * f.time_base), read_frame_code(f.to_ndarray(format="bgr24"))[1])
            for f in container.decode(video=0)
        ]
    assert len(frames) >= 10  # about 60 in 2 s at 30 fps; a busy host delivers fewer
    offsets = np.array([code / 30 - t for t, code in frames])
    print(f"camera offset {offsets.mean() * 1000:.1f} ms, spread {np.ptp(offsets) * 1000:.1f} ms")
    session = next(line for line in proc.stdout.splitlines() if line.startswith("Session:"))
    session_s = float(session.split()[1])
    times = [t for t, _ in frames]
    assert times[0] >= 0 and times[-1] <= session_s + 0.1, (times, session)  # session time
    assert times == sorted(set(times))
    codes = [code for _, code in frames]
    assert codes == sorted(set(codes))  # each frame once, in order
