"""Reading the community overlay back from a rendered video: the chart's bar lengths and
the QR code, as a person in the room would read them (helpers for the community tests)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def bar_centre_y(i: int, rows: int) -> float:
    """Row i's bar centre in the overlay's square units (engine/community_view.py)."""
    from engine.community_view import row_y

    return row_y(i, rows) - 0.075


def frame_at(video: Path, t_s: float, fps: float, png: Path | None = None) -> np.ndarray:
    cap = cv2.VideoCapture(str(video))
    want, i, frame = round(t_s * fps), 0, None
    while True:
        ok, img = cap.read()
        if not ok or i > want:
            break
        frame, i = img, i + 1
    cap.release()
    if frame is None:
        raise AssertionError(f"{video}: no frame at {t_s} s")
    if png is not None:
        cv2.imwrite(str(png), frame)
    return frame


def bar_lengths(frame: np.ndarray, rows: int) -> list[int]:
    """Amber pixels along each bar's middle line, right of the key numbers."""
    h, w = frame.shape[:2]
    b, g, r = (frame[..., c].astype(int) for c in range(3))
    amber = (r > 200) & (g > 150) & (g < 235) & (b < 130)
    out = []
    for i in range(rows):
        y = round((1 - bar_centre_y(i, rows)) / 2 * h)
        out.append(int(amber[y, round(w * 0.04) :].sum()))
    return out


def qr_text(frame: np.ndarray) -> str:
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(frame)
    return text
