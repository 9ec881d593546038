"""`sightline render-frame`: one trainee-view frame, headless, drawn as `run` draws it."""

from __future__ import annotations

import cv2
import pytest

from tests.conftest import read_frame_code, run_cli

pytestmark = pytest.mark.render


def test_render_frame_letterboxes_in_black_like_run(tmp_path, fixture_pack):
    """Issue 14: render-frame's bars were Panda3D's default grey while `run` draws them
    black (tests/engine/test_render.py checks run's bars)."""
    out = tmp_path / "square.png"
    proc = run_cli(
        "render-frame", str(fixture_pack), "--t", "0.5", "--size", "320x320", "-o", str(out)
    )
    assert proc.returncode == 0, proc.stderr[-1500:]
    img = cv2.imread(str(out))
    assert img.shape == (320, 320, 3)
    # a 16:9 clip in a square: the picture is 180 high, centred; 70 rows of bar above and below
    assert img[:66].max() < 10 and img[-66:].max() < 10, (img[:66].max(), img[-66:].max())
    assert read_frame_code(img[70:250]) == ("a", 15)  # the picture itself is there
