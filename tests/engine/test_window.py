"""The windowed app, as a user drives it: real X windows on Xvfb (the trainee's and the
instructor's), real mouse clicks and key presses from xdotool. A click on the trainee
window is a shot at the cursor; number keys branch; on the instructor window F flags
(then a typed note and Enter), J opens the jump menu, Esc twice ends the scenario and Esc
twice again quits. Skipped, saying so, where Xvfb or xdotool is not installed
(`bash tools/setup.sh test` installs both)."""

from __future__ import annotations

import math
import os
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import onsets, read_frame_code, run_cli, write_clip, write_script

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool")),
        reason="needs Xvfb and xdotool for a real window (apt-get install xvfb xdotool)",
    ),
]


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
    subprocess.run(["xdotool", *args], env=env, check=True, timeout=30, capture_output=True)


def window(env, title_regex: str) -> str:
    found = subprocess.run(
        ["xdotool", "search", "--sync", "--name", title_regex],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return found.stdout.split()[0]


def test_trainee_clicks_shoot_and_instructor_keys_control_the_run(
    x_display, fixture_pack, tmp_path
):
    env = {**os.environ, "DISPLAY": x_display}
    inst_video = tmp_path / "instructor.mp4"
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.cli",
            "run",
            str(fixture_pack),
            "--size",
            "640x360",
            "--seconds",
            "60",
            "--instructor-video-out",
            str(inst_video),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        trainee = window(env, "^Sightline - ")
        instructor = window(env, "^Sightline instructor")
        xdo(env, "mousemove", "--window", trainee, "576", "54", "click", "1")  # (0.9, 0.15)
        xdo(env, "key", "--window", trainee, "2")  # branch a -> b
        xdo(env, "mousemove", "--window", trainee, "64", "180", "click", "1")  # (0.1, 0.5)
        xdo(env, "key", "--window", instructor, "f")
        xdo(env, "type", "--window", instructor, "late")
        xdo(env, "key", "--window", instructor, "Return")
        xdo(env, "key", "--window", instructor, "s", "2")  # sound menu: 2 = dog barking
        xdo(env, "key", "--window", instructor, "a", "1", "1", "Escape")  # master down twice
        xdo(env, "key", "--window", instructor, "j", "3")  # jump menu: a, b, c -> c
        xdo(env, "key", "--window", instructor, "Escape", "Escape")  # end
        xdo(env, "key", "--window", instructor, "Escape", "Escape")  # quit
        out, err = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
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
        wid = window(env, "^Sightline - ")
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


def read_openal_wav(path) -> tuple[np.ndarray, int]:
    """OpenAL Soft's wave-file output (WAVE_FORMAT_EXTENSIBLE, float or 16-bit), left
    channel, and its rate. Its data size is written only at close: read to the end."""
    data = path.read_bytes()
    pos, fmt, body = 12, None, b""
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[pos + 8 : pos + 24])
            sub = data[pos + 32 : pos + 34] if fmt[0] == 0xFFFE else data[pos + 8 : pos + 10]
        if cid == b"data":
            body = data[pos + 8 :]
            break
        pos += 8 + size
    _, channels, rate, _, align, bits = fmt
    body = body[: len(body) // align * align]
    if bits == 32 and sub == b"\x03\x00":
        samples = np.frombuffer(body, "<f4")
    elif bits == 16:
        samples = np.frombuffer(body, "<i2") / 32768.0
    else:
        pytest.skip(f"unexpected OpenAL wave format {fmt}")
    return samples.reshape(-1, channels)[:, 0], rate


def test_live_sound_device_holds_the_soundtrack_at_a_constant_offset(
    x_display, sync_pack, tmp_path
):
    """The live path: a window run playing through Panda3D's OpenAL, whose wave-file
    backend records what the sound card would have played, in real time. Each beep's
    offset from its flash's session time must be the same through the pause and the
    branch (measured: constant to 0.1 ms; the offset, about 100-150 ms, also holds the
    time from opening the device to starting the session); the shot and the instructor's
    sound come at that same offset. The bound allows one correction of the queue."""
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
        "6.5",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Sound device: 60 ms behind sim time" in proc.stdout
    audio, rate = read_openal_wav(device)
    heard = np.array(onsets(audio, rate, 0.2))
    pause = math.ceil(1.713 * 120) / 120 - 1.0
    expected = np.array([0.5, 1.5 + pause, 3.3, 4.3, 4.8, 5.3, 5.8])  # beeps, shot, mark
    assert len(heard) == len(expected), heard
    offsets = heard - expected
    print(f"device offsets (ms): {np.round(offsets * 1000, 1)}", proc.stdout.splitlines()[-1])
    assert np.all(offsets > 0.05)  # at least the 60 ms lead behind the session clock
    assert offsets.max() - offsets.min() < 0.040, offsets


def test_live_trainee_camera_is_recorded_on_the_session_clock(x_display, fixture_pack, tmp_path):
    """A window run with a camera (a coded clip standing in for a webcam, delivered at its
    own pace on the camera's thread): its frames land in session time at a steady offset
    (the camera started before the session), without drift or reordering."""
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
    assert len(frames) >= 40  # about 60 in 2 s at 30 fps; the host decides the pace
    offsets = np.array([code / 30 - t for t, code in frames])
    print(f"camera offset {offsets.mean() * 1000:.1f} ms, spread {np.ptp(offsets) * 1000:.1f} ms")
    assert np.ptp(offsets) < 0.1
    codes = [code for _, code in frames]
    assert codes == sorted(set(codes))  # each frame once, in order
