"""The bundled range backdrop (content/courses/range.mp4): a still indoor range wall the
course targets are drawn over. Deterministic; `sightline course make-backdrop` rebuilds it.
The clip is 16:9 (sim.course_model.ASPECT) so media and screen coordinates agree, and as long as
the longest stage a course may have (content.courses.MAX_TIME_S)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

W, H, FPS = 640, 360, 2
SECONDS = 125  # over MAX_TIME_S (120 s) and MAX_READY_S


def backdrop_image() -> np.ndarray:
    img = np.zeros((H, W, 3), np.uint8)
    floor = int(H * 0.78)
    for y in range(floor):  # a dim concrete wall, lighter towards the middle
        shade = 70 + int(25 * (1 - abs(y / floor - 0.45)))
        img[y, :] = (shade - 6, shade - 2, shade)
    img[floor:, :] = (38, 40, 44)
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 4, (H, W, 1)).astype(np.int16)
    img = np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    for x in range(0, W, W // 8):  # panel joints
        cv2.line(img, (x, 0), (x, floor), (55, 57, 60), 1)
    cv2.line(img, (0, floor), (W, floor), (90, 92, 95), 2)
    cv2.rectangle(img, (0, 0), (W, 14), (30, 30, 32), -1)  # baffle
    return img


def make_backdrop(path: Path) -> Path:
    from engine.video_out import H264Writer

    img = backdrop_image()
    with H264Writer(path, W, H, FPS, crf=30, preset="slow", keyframe_s=5.0) as out:
        for i in range(SECONDS * FPS + 1):
            out.write(img, i / FPS)
    return path
