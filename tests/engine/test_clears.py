"""What the trainee window clears each frame, and that the picture stays right without the
clears it no longer needs: the letterbox bars are black over an earlier full picture, and
3D overlays still sort by depth from one frame to the next (engine/trainee_view.py,
engine/scene3d.py). One Panda3D ShowBase per process, so the checks run in a child."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import numpy as np
from engine import panda_setup
panda_setup.configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
from engine.scene3d import Scene3D
from engine.trainee_view import TraineeView

base = ShowBase(windowType="offscreen")
win = base.win
view = TraineeView(base.render2d, 320 / 180, False, (320, 180, 0, 0), output=win)
scene = Scene3D(base.render, base.cam, 320 / 180, win)

def draw():
    view.update_night(False, [], 0.0, 0.0)    # as the app's present() does each frame
    scene.sync_depth_clear()
    base.graphicsEngine.renderFrame()
    base.graphicsEngine.renderFrame()
    tex = win.getScreenshot()
    return np.frombuffer(tex.getRamImageAs("RGB"), np.uint8).reshape(180, 320, 3)[::-1]

def clears():
    r2d = base.cam2d.node().getDisplayRegion(0)
    return [int(win.getClearColorActive()), int(win.getClearDepthActive()),
            int(r2d.getClearDepthActive())]

print("state", *clears())
img = draw()
print("black-first", int(img.max()))
view.show_frame(np.full((180, 320, 3), 255, np.uint8), 320 / 180, "white")
img = draw()
print("full", int(img.min()))
view.show_frame(np.full((180, 180, 3), 128, np.uint8), 1.0, "square")
img = draw()
print("bars", int(img[:, :60].max()), int(img[:, 260:].max()), int(img[:, 75:245].min()))

plate = scene.spawn_plate("p", (0, 2, -0.15), 0.3, colour=(1, 0, 0, 1))
img = draw()
print("near", *img[90, 160].tolist(), "depth-clear", clears()[1])
plate.setPos(0, 20, -1.5)    # far behind where it stood: the old depth must not hide it
plate.setScale(10)
img = draw()
print("far", *img[90, 160].tolist())
scene.clear()
img = draw()
print("gone", *img[90, 160].tolist(), "depth-clear", clears()[1])
view.hide()    # a theater run: the window clears itself again
print("hidden", clears()[0])
"""


def test_clears_only_what_is_needed_and_the_picture_stays_right():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines() if line}
    # a full-window picture with no 3D scene: no colour clear, no depth clear at all
    assert got["state"] == ["0", "0", "0"], got
    assert got["black-first"] == ["0"]  # the card is black before its first frame
    assert got["full"] == ["255"]
    left, right, picture = map(int, got["bars"])
    assert left < 10 and right < 10, got["bars"]  # the white frame does not stay in the bars
    assert picture > 120, got["bars"]
    r, g, b, _, clearing = got["near"]
    assert int(r) > 200 and int(g) < 60 and int(b) < 60 and clearing == "1", got["near"]
    r, g, b = map(int, got["far"])
    assert r > 200 and g < 60 and b < 60, got["far"]  # drawn: the depth was cleared
    r, g, b, _, clearing = got["gone"]
    assert abs(int(r) - 128) < 10 and abs(int(g) - 128) < 10 and clearing == "0", got["gone"]
    assert got["hidden"] == ["1"]
