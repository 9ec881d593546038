"""Scene extensions: the worked example (steel plates) in a scripted headless session, 3D
over the video with depth; a pack naming an extension that is not installed is refused."""

from __future__ import annotations

import subprocess
import sys

import cv2
import pytest

from content.pack import PackError, load_pack
from tests.conftest import edit, run_cli

pytestmark = pytest.mark.render

SCRIPT = """
import json, sys
from pathlib import Path
import cv2, numpy as np
from content.pack import load_pack
from engine.app import RunConfig, SightlineApp
from sim.events import Shot
out = Path(sys.argv[2])
app = SightlineApp(load_pack(sys.argv[1]), RunConfig(
    offscreen=True, width=640, height=360, seconds=1.5, video_out=out / "t.mp4",
    record=out / "s.rec"))
centre = app.scene.to_screen((0.0, 6.0, -0.6 + 0.45 / 2))  # the middle plate
app.session.schedule([Shot(0.5, centre[0], centre[1], "w1")])
result = app.run()
print(json.dumps({"centre": centre, "hits": result.extension_hits}))
"""


def with_extension(pack, name: str):
    """Ask for an extension in the fixture pack's manifest (before its first segment)."""
    return edit(pack, "[segments.a]\n", f'[meta]\nextension = "{name}"\n\n[segments.a]\n')


@pytest.fixture
def plates_pack(pack):
    return with_extension(pack, "steel-plates")


def test_steel_plates_fall_when_shot(plates_pack, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(plates_pack), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    report = json.loads(proc.stdout.strip().splitlines()[-1])
    # the extension's hit goes back through the sim as an input: registered on the tick
    # after the shot's, and in the recording, so a replay has it without the extension
    ((t_hit, target),) = report["hits"]
    assert target == "plate1" and 0.5 < t_hit <= 0.5 + 1 / 120 + 1e-9
    from sim.recording import read_recording

    with open(tmp_path / "s.rec", "rb") as fh:
        records = read_recording(fh, "s.rec").records
    hits = [r["f"] for r in records if r.get("k") == "input" and r.get("type") == "TargetHit"]
    assert [(h["target"], h["weapon"]) for h in hits] == [("plate1", "w1")]
    cx, cy = report["centre"]
    cap = cv2.VideoCapture(str(tmp_path / "t.mp4"))
    frames = [cap.read()[1] for _ in range(45)]
    x, y = round(cx * 640), round(cy * 360)

    def plate_grey(img):  # the plate is neutral grey, over the fixture's saturated halves
        patch = img[y - 6 : y + 7, x - 6 : x + 7].astype(int)
        return int(
            (
                (patch.max(axis=2) - patch.min(axis=2) < 20)
                & (patch.mean(axis=2) > 100)
                & (patch.mean(axis=2) < 180)
            ).sum()
        )

    assert plate_grey(frames[10]) > 120  # standing, drawn over the video
    assert plate_grey(frames[40]) < 30  # knocked down a second after the shot


def test_a_pack_asking_for_a_missing_extension_is_refused(pack, tmp_path):
    with_extension(pack, "warp-drive")
    assert load_pack(pack).meta.extension == "warp-drive"  # the name is only data
    out = run_cli("run", str(pack), "--offscreen", "--seconds", "0.1", timeout=120)
    assert out.returncode == 2
    assert "scene extension 'warp-drive', which is not installed" in out.stderr


def test_extension_names_are_checked(pack):
    with_extension(pack, "../evil")
    with pytest.raises(PackError, match=r"meta\.extension"):
        load_pack(pack)
