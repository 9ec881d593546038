"""Calibration: the pattern seen by a camera under perspective gives back the mapping."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers import calibration as cal


def camera_view(screen_img, corners_px, size=(640, 480), noise=3, seed=0):
    """What a camera sees: the screen warped into a quadrilateral, plus sensor noise."""
    h, w = screen_img.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, np.float32(corners_px))
    view = cv2.warpPerspective(screen_img, m, size, borderValue=(40, 40, 40))
    rng = np.random.default_rng(seed)
    view = np.clip(view.astype(int) + rng.integers(-noise, noise + 1, view.shape), 0, 255)
    return view.astype(np.uint8), m


@pytest.mark.parametrize(
    "quad",
    [
        [[70, 50], [590, 80], [560, 430], [90, 400]],  # camera off-axis, slightly rotated
        [[560, 430], [90, 400], [70, 50], [590, 80]],  # the same, mounted upside down
    ],
)
def test_a_skewed_view_calibrates_to_within_a_fraction_of_a_percent(tmp_path, quad):
    screen, corners = cal.pattern(1280, 720)
    view, m = camera_view(screen, quad)
    result = cal.calibrate(view, corners)
    assert result.rms_screen < 0.002
    # a point on the screen, seen by the camera, maps back to where it is
    for sx, sy in ((0.5, 0.5), (0.2, 0.3), (0.85, 0.8)):
        p = cv2.perspectiveTransform(np.float32([[[sx * 1280, sy * 720]]]), m)[0, 0]
        back = result.to_screen(*p)
        assert abs(back[0] - sx) < 0.004 and abs(back[1] - sy) < 0.004
    path = tmp_path / "c.json"
    cal.save(result, path)
    assert np.allclose(cal.load(path).homography, result.homography)


def test_no_pattern_in_view_is_a_clear_error():
    blank = np.full((480, 640, 3), 90, np.uint8)
    _, corners = cal.pattern(1280, 720)
    with pytest.raises(cal.CalibrationError, match="pattern was not found"):
        cal.calibrate(blank, corners)


def test_a_broken_calibration_file_is_named(tmp_path):
    bad = tmp_path / "c.json"
    bad.write_text("{}")
    with pytest.raises(cal.CalibrationError, match="not a Sightline calibration"):
        cal.load(bad)


def test_cli_calibrates_from_a_photo_and_the_camera_device_uses_it(tmp_path, monkeypatch):
    from drivers import devices
    from drivers.input_queue import InputQueue
    from tools.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", "--pattern-out", "pattern.png", "--size", "1280x720"]) == 0
    screen = cv2.imread("pattern.png")
    view, _ = camera_view(screen, [[70, 50], [590, 80], [560, 430], [90, 400]])
    cv2.imwrite("0.png", view)  # a photo named like camera 0
    assert main(["calibrate", "--image", "0.png", "--size", "1280x720"]) == 0
    assert (tmp_path / "sightline-calibration" / "camera-0.json").is_file()
    dev = devices.open_device("camera:0", InputQueue(), lambda *a: None)
    try:
        assert dev.camera.homography is not None  # picked up for --device camera:0
    finally:
        dev.close()


def test_cli_says_why_a_calibration_failed(tmp_path, capsys):
    from tools.cli import main

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((480, 640, 3), 90, np.uint8))
    assert main(["calibrate", "--image", str(blank)]) == 2
    assert "calibration failed: the pattern was not found" in capsys.readouterr().err
