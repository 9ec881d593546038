"""Following a hit zone through a clip, with a confidence per frame, stopping where the
target is lost instead of drifting.

OpenCV's MIL tracker (what `sightline zones` used) nearly always answers "found": on a
ShootOFF recording it slid onto a passer-by at about 5 s and went on, and 49 keyframes
had to be fixed by hand. Here a zone is followed by normalized cross-correlation
(cv2.matchTemplate) in a window around where it was, against two templates: the patch of
the previous frame (follows slow changes of pose and light) and the anchor, the patch the
author drew or last corrected (does not drift). The confidence of a frame is the mean of
the two scores (1: the same picture; 0: unrelated). When it falls below `lost_below`, or
the match against the previous frame alone is poor, tracking stops at that frame and
reports it (0.6: on the ShootOFF recording the rack's clear frames scored 0.998-1, then
0.88, 0.66, 0.53 as a passer-by came in front; without the stop it slid off the rack):
the author corrects the zone there and tracks on from the correction, which becomes the
new anchor.

The zone keeps its size and shape (the polygon is moved with the box around it), which
suits people walking across a fixed camera; a zone that grows is corrected by keyframes.
Frames are matched at most WORK_WIDTH pixels wide, in grey. Imports cv2 and numpy only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

WORK_WIDTH = 480
LOST_BELOW = 0.6  # mean confidence under which the target counts as lost
LAST_BELOW = 0.35  # the match against the previous frame alone under which it is lost


@dataclass(frozen=True)
class Step:
    """One frame tracked: its index and time, the polygon (normalized) and confidence."""

    index: int
    t: float
    polygon: list[list[float]]
    confidence: float


@dataclass
class Track:
    steps: list[Step]
    lost: Step | None  # the first frame where the target was lost (its best guess)


def _grey(img: np.ndarray, scale: float) -> np.ndarray:
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    if scale != 1.0:
        g = cv2.resize(g, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return g


def _score(window: np.ndarray, template: np.ndarray) -> np.ndarray:
    return cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED)


class ZoneTracker:
    """Follows a polygon from the frame it was drawn on; `step(img)` per next frame."""

    def __init__(
        self,
        first: np.ndarray,
        polygon: list[list[float]],
        lost_below: float = LOST_BELOW,
    ):
        h, w = first.shape[:2]
        self.scale = min(1.0, WORK_WIDTH / w)
        self.size = (w, h)
        self.lost_below = lost_below
        poly = np.clip(np.asarray(polygon, float), 0.0, 1.0)
        self.poly = poly
        g = _grey(first, self.scale)
        gh, gw = g.shape
        x0, y0 = poly.min(axis=0) * [gw, gh]
        x1, y1 = poly.max(axis=0) * [gw, gh]
        self.bw = max(6, int(round(x1 - x0)))
        self.bh = max(6, int(round(y1 - y0)))
        self.x = int(round(min(max(x0, 0), gw - self.bw)))
        self.y = int(round(min(max(y0, 0), gh - self.bh)))
        self.origin = (self.x, self.y)
        self.anchor = self._patch(g, self.x, self.y)
        self.last = self.anchor

    def _patch(self, g: np.ndarray, x: int, y: int) -> np.ndarray:
        return g[y : y + self.bh, x : x + self.bw].copy()

    def polygon(self) -> list[list[float]]:
        gw = self.size[0] * self.scale
        gh = self.size[1] * self.scale
        dx = (self.x - self.origin[0]) / gw
        dy = (self.y - self.origin[1]) / gh
        moved = np.clip(self.poly + np.array([dx, dy]), 0.0, 1.0)
        return [[round(float(a), 4), round(float(b), 4)] for a, b in moved]

    def step(self, img: np.ndarray) -> tuple[float, bool]:
        """Move to the best match in `img`; (confidence 0..1, lost)."""
        g = _grey(img, self.scale)
        gh, gw = g.shape
        margin = max(self.bw, self.bh) // 2 + 8
        wx0, wy0 = max(0, self.x - margin), max(0, self.y - margin)
        wx1 = min(gw, self.x + self.bw + margin)
        wy1 = min(gh, self.y + self.bh + margin)
        window = g[wy0:wy1, wx0:wx1]
        if window.shape[0] < self.bh or window.shape[1] < self.bw:
            return 0.0, True
        by_last = _score(window, self.last)
        _, best, _, (mx, my) = cv2.minMaxLoc(by_last)
        x, y = wx0 + mx, wy0 + my
        patch = self._patch(g, x, y)
        to_anchor = float(_score(patch, self.anchor)[0, 0])
        conf = max(0.0, min(1.0, (float(best) + max(to_anchor, 0.0)) / 2))
        if not np.isfinite(conf):  # a flat patch (no texture) matches nothing
            conf = 0.0
        lost = conf < self.lost_below or best < LAST_BELOW
        if not lost:
            self.x, self.y, self.last = x, y, patch
        return round(conf, 3), lost


def track_polygon(
    frames: Iterable[tuple[int, float, np.ndarray]],
    polygon: list[list[float]],
    lost_below: float = LOST_BELOW,
) -> Track:
    """Follow `polygon`, drawn on the first of `frames` ((index, t_s, BGR image) in the
    order to track: forwards or backwards), until the frames end or the target is lost.
    The first step is the drawn polygon itself, confidence 1."""
    steps: list[Step] = []
    tracker = None
    for index, t, img in frames:
        if tracker is None:
            tracker = ZoneTracker(img, polygon, lost_below)
            steps.append(Step(index, t, tracker.polygon(), 1.0))
            continue
        conf, lost = tracker.step(img)
        if lost:
            return Track(steps, Step(index, t, tracker.polygon(), conf))
        steps.append(Step(index, t, tracker.polygon(), conf))
    return Track(steps, None)


def thin(steps: list[Step], every_s: float) -> list[Step]:
    """Keyframes about every `every_s` seconds, the first and last kept; each keyframe's
    confidence is the lowest of the frames since the previous keyframe, so a weak stretch
    between keyframes still shows."""
    ordered = sorted(steps, key=lambda s: s.t)
    keep: list[Step] = []
    low = 1.0
    for n, s in enumerate(ordered):
        low = min(low, s.confidence)
        edge = n in (0, len(ordered) - 1)
        if edge or s.t - keep[-1].t >= every_s - 1e-6:
            keep.append(Step(s.index, s.t, s.polygon, round(low, 3)))
            low = 1.0
    return keep
