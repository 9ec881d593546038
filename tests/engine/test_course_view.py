"""The course on screen (engine/course_view.py): during a stage's instructions no target
shows; once live, the target is drawn where the plan says to aim (the hit test's own
geometry), in the target's colours, over the backdrop."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from content.courses import load_course, resolve
from sim.course import plan
from tests.conftest import run_cli

pytestmark = pytest.mark.render
W, H, FPS = 320, 180, 4


def frames_at(path, times: list[float]) -> dict[float, np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    want = {round(t * FPS): t for t in times}
    out, i = {}, 0
    while True:
        ok, frame = cap.read()
        if not ok:
            return out
        if i in want:
            out[want[i]] = frame
        i += 1


def test_targets_show_at_their_aim_only_while_the_stage_is_live(tmp_path):
    video = tmp_path / "trainee.mp4"
    out = run_cli(
        "course",
        "run",
        "drills",
        "--offscreen",
        "--size",
        f"{W}x{H}",
        "--fps",
        str(FPS),
        "--instructor",
        "none",
        "--seconds",
        "8",
        "--video-out",
        str(video),
    )
    assert out.returncode == 0, out.stderr
    stage = plan(load_course(resolve("drills")))["stages"][0]
    x, y = stage["targets"][0]["aim"]
    live_t = stage["start"] + 1.0
    got = frames_at(video, [2.0, live_t])
    px = (round(x * W), round(y * H))

    def patch(frame):
        return frame[px[1] - 2 : px[1] + 3, px[0] - 2 : px[0] + 3].reshape(-1, 3).mean(axis=0)

    ready, live = patch(got[2.0]), patch(got[live_t])
    # the wall is a dim grey; the silhouette's A zone is light tan paper (BGR: red > blue)
    assert ready.mean() < 120
    assert live.mean() > 140 and live[2] > live[0] + 15


def test_a_picture_that_no_longer_loads_is_warned_and_the_course_goes_on(tmp_path):
    """A stage's picture is checked when the course loads; one damaged after that (or one
    Panda3D cannot read) stopped the running course with OSError when its stage came."""
    import subprocess
    import sys

    root = tmp_path / "c"
    root.mkdir()
    (root / "course.toml").write_text(
        'format_version = 1\ntitle = "t"\n\n[[stages]]\nid = "s"\ntime_s = 5\n'
        'image = "pic.png"\n'
        'targets = [{ name = "p", shape = "plate", height = 0.1, shots = 1, image = "pic.png" }]\n'
    )
    cv2.imwrite(str(root / "pic.png"), np.full((40, 60, 3), 200, np.uint8))
    code = f"""
import numpy as np
from pathlib import Path
from content.courses import load_any
from engine.app import RunConfig, SightlineApp
pack = load_any({str(root)!r})   # checked here: the picture is fine
Path({str(root / "pic.png")!r}).write_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(range(256)) * 8)
app = SightlineApp(pack, RunConfig(offscreen=True, seconds=8, instructor="none", width={W},
    height={H}, fps={FPS}))
app.run()
print("t", round(app.session.state.t_s, 2))
print("\\n".join(app.session.player.warnings))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert float(lines[0].split()[1]) >= 7.5, proc.stdout  # past the ready time: live
    warned = [w for w in lines[1:] if "pic.png: cannot show this picture" in w]
    assert len(warned) == 1, proc.stdout  # once, not each frame or each use
