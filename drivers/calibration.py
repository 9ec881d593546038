"""Camera-to-screen calibration: a chessboard shown on the trainee view, found in the
camera image, gives the homography from camera pixels to trainee-screen coordinates
(normalized, origin top-left). Saved as JSON next to the project; the camera device uses
it. Must not import engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sim.errors import UserError

PATTERN = (9, 6)  # inner corners
CALIBRATION_DIR = Path("sightline-calibration")


class CalibrationError(UserError, RuntimeError):
    pass


@dataclass(frozen=True)
class Calibration:
    homography: np.ndarray  # 3x3, camera pixels -> screen normalized
    camera_size: tuple[int, int]
    rms_screen: float  # reprojection error, as a share of the screen width

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        p = self.homography @ np.array([x, y, 1.0])
        return float(p[0] / p[2]), float(p[1] / p[2])


def pattern(width: int, height: int, margin: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The chessboard to show full screen, and its inner corners in screen-normalized
    coordinates (row by row, as OpenCV finds them)."""
    cols, rows = PATTERN[0] + 1, PATTERN[1] + 1
    sq = min(width * (1 - 2 * margin) / cols, height * (1 - 2 * margin) / rows)
    x0, y0 = (width - sq * cols) / 2, (height - sq * rows) / 2
    img = np.full((height, width, 3), 255, np.uint8)
    for r in range(rows):
        for c in range(cols):
            if (r + c) % 2 == 0:
                cv2.rectangle(
                    img,
                    (round(x0 + c * sq), round(y0 + r * sq)),
                    (round(x0 + (c + 1) * sq) - 1, round(y0 + (r + 1) * sq) - 1),
                    (0, 0, 0),
                    -1,
                )
    corners = np.array(
        [
            [(x0 + (c + 1) * sq) / width, (y0 + (r + 1) * sq) / height]
            for r in range(PATTERN[1])
            for c in range(PATTERN[0])
        ],
        np.float64,
    )
    return img, corners


def calibrate(camera_bgr: np.ndarray, screen_corners: np.ndarray) -> Calibration:
    grey = cv2.cvtColor(camera_bgr, cv2.COLOR_BGR2GRAY)
    grey = cv2.equalizeHist(grey)
    found, corners = cv2.findChessboardCorners(
        grey, PATTERN, flags=cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE
    )
    if not found:
        raise CalibrationError(
            "the pattern was not found in the camera image: make sure the whole projected "
            "screen is in view and in focus, and lower the camera's exposure if the white "
            "squares are blown out"
        )
    corners = cv2.cornerSubPix(
        grey,
        corners,
        (5, 5),
        (-1, -1),
        (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 40, 0.01),
    )
    cam = corners.reshape(-1, 2).astype(np.float64)
    # Corner detection ignores colour, so the board fits both ways round (180 degrees);
    # the one where the top-left square (black on the pattern) looks dark is right.
    best = None
    for screen in (screen_corners, screen_corners[::-1]):
        h, _ = cv2.findHomography(cam, screen)
        contrast = _corner_contrast(grey, h, screen_corners)
        if best is None or contrast > best[0]:
            best = (contrast, h, screen)
    _, homography, screen = best
    rms = _rms(homography, cam, screen)
    if rms > 0.01:
        raise CalibrationError(
            f"the mapping is poor ({rms * 100:.1f} % of the screen width "
            f"off): the camera or projector moved, or the view is curved"
        )
    h, w = camera_bgr.shape[:2]
    return Calibration(homography, (w, h), rms)


def _corner_contrast(grey: np.ndarray, h: np.ndarray, corners: np.ndarray) -> float:
    """Brightness of the white square next to the top-left one minus that of the black
    top-left square, as the camera sees them under homography h."""
    dx = corners[1] - corners[0]
    dy = corners[PATTERN[0]] - corners[0]
    black = corners[0] - dx / 2 - dy / 2
    white = corners[0] + dx / 2 - dy / 2
    inv = np.linalg.inv(h)
    values = []
    for p in (black, white):
        q = cv2.perspectiveTransform(np.array([[p]], np.float64), inv)[0, 0]
        x, y = int(round(q[0])), int(round(q[1]))
        if not (0 <= x < grey.shape[1] and 0 <= y < grey.shape[0]):
            return -1e9
        values.append(float(grey[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2].mean()))
    return values[1] - values[0]


def _rms(h: np.ndarray, cam: np.ndarray, scr: np.ndarray) -> float:
    proj = cv2.perspectiveTransform(cam.reshape(-1, 1, 2), h).reshape(-1, 2)
    return float(np.sqrt(((proj - scr) ** 2).sum(axis=1).mean()))


def save(cal: Calibration, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "homography": cal.homography.tolist(),
                "camera_size": list(cal.camera_size),
                "rms_screen": cal.rms_screen,
            },
            indent=1,
        )
    )


def load(path: Path) -> Calibration:
    try:
        data = json.loads(Path(path).read_text())
        h = np.array(data["homography"], np.float64)
        if h.shape != (3, 3):
            raise ValueError(f"the homography is {h.shape}, not 3x3")
        return Calibration(h, tuple(data["camera_size"]), float(data["rms_screen"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CalibrationError(f"{path}: not a Sightline calibration ({exc})") from None


def default_path(source: str) -> Path:
    name = source if source.isdigit() else Path(source).stem
    return CALIBRATION_DIR / f"camera-{name}.json"
