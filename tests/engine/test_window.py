"""The windowed app, as a user drives it: a real X window on Xvfb, real mouse clicks and
key presses from xdotool. A click is a shot at the cursor, a number key branches, Esc
quits. Skipped, saying so, where Xvfb or xdotool is not installed
(`bash tools/setup.sh test` installs both)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

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
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
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


def test_clicks_shoot_at_the_cursor_keys_branch_and_escape_quits(x_display, fixture_pack):
    env = {**os.environ, "DISPLAY": x_display}
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
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--name", "Sightline"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        wid = found.stdout.split()[0]
        xdo(env, "mousemove", "--window", wid, "576", "54", "click", "1")  # (0.9, 0.15)
        xdo(env, "key", "--window", wid, "2")
        xdo(env, "mousemove", "--window", wid, "64", "180", "click", "1")  # (0.1, 0.5)
        xdo(env, "key", "--window", wid, "Escape")
        out, err = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == 0, err[-2000:]
    assert "Segments played: a -> b" in out
    assert "(0.900, 0.150)  miss" in out  # segment a's zone is the left half
    assert "(0.100, 0.500)  mover (threat)" in out or "(0.100, 0.500)  miss" in out
    shots = [line for line in out.splitlines() if " w1 " in line]
    assert len(shots) == 2 and "[a @" in shots[0] and "[b @" in shots[1]
    assert "ended" not in out.splitlines()[1]  # Esc quit before the scenario's end
