"""Two real windows on Xvfb (issue 14): the instructor window's live trainee picture.

The trainee window renders into a texture that the instructor window draws. Opened with
a graphics context of its own, the instructor window never saw that texture under
Xvfb/Mesa (a black picture for the whole session); it now shares the trainee window's.
The test reads the instructor window's own pixels and finds the trainee picture in them.
Skipped, saying so, where Xvfb or xdotool is not installed (as tests/engine/test_window.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2

from tests.conftest import read_frame_code
from tests.engine.test_window import pytestmark as window_marks
from tests.engine.test_window import x_display  # noqa: F401  (the Xvfb fixture)

pytestmark = window_marks

HARNESS = """
import sys
import cv2, numpy as np
from content.pack import load_pack
from engine.app import RunConfig, SightlineApp

app = SightlineApp(load_pack(sys.argv[1]), RunConfig(
    offscreen=False, seconds=1.0, instructor="window", width=640, height=360, audio="none",
    instructor_size=(960, 540)))
app.run()
for name, out in (("trainee", app.base.win), ("instructor", [
        o for o in app.base.graphicsEngine.getWindows() if o.getName() == "instructor"][0])):
    shot = out.getScreenshot()
    img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(
        shot.getYSize(), shot.getXSize(), 3)[::-1]
    cv2.imwrite(f"{sys.argv[2]}/{name}.png", img)
"""


def test_instructor_window_shows_the_live_trainee_picture(x_display, fixture_pack, tmp_path):  # noqa: F811
    env = {**os.environ, "DISPLAY": x_display}
    proc = subprocess.run(
        [sys.executable, "-c", HARNESS, str(fixture_pack), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    trainee = cv2.imread(str(tmp_path / "trainee.png"))
    inst = cv2.imread(str(tmp_path / "instructor.png"))
    assert inst.shape == (540, 960, 3)
    picture = inst[46:358, 12:566]  # the live picture, top left (as drawn at 960x540)
    assert picture.mean() > 40, "the live trainee picture is black"
    assert read_frame_code(picture) == read_frame_code(trainee)
