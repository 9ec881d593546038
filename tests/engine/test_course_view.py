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
