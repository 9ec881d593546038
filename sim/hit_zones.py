"""Hit zones: named polygons keyframed over media time, and the hit test for a shot.

Polygons are in media coordinates normalized to the video frame (origin top-left). Shots
arrive in trainee-screen coordinates; `screen_to_media` undoes the letterbox the engine
uses to fit the video on the screen without distortion. numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ROLES = ("threat", "no-shoot", "cover")


@dataclass(frozen=True)
class Zone:
    """A named region with a role. `keys` holds (media_t_s, polygon) pairs sorted by time;
    every polygon has the same vertex count, an (N, 2) array of normalized x, y."""

    name: str
    role: str
    keys: tuple[tuple[float, np.ndarray], ...] = field(repr=False)
    points: int = 0  # added to the trainee's score per hit (negative for a penalty)

    def polygon_at(self, media_t_s: float) -> np.ndarray:
        """The polygon at a media time: linear between keys, held before the first and
        after the last."""
        times = [t for t, _ in self.keys]
        if media_t_s <= times[0]:
            return self.keys[0][1]
        if media_t_s >= times[-1]:
            return self.keys[-1][1]
        i = int(np.searchsorted(times, media_t_s, side="right"))
        (t0, p0), (t1, p1) = self.keys[i - 1], self.keys[i]
        a = (media_t_s - t0) / (t1 - t0)
        return p0 + (p1 - p0) * a


def point_in_polygon(x: float, y: float, poly: np.ndarray) -> bool:
    """Even-odd rule; points exactly on an edge may fall either side."""
    xs, ys = poly[:, 0], poly[:, 1]
    xj, yj = np.roll(xs, 1), np.roll(ys, 1)
    crosses = (ys > y) != (yj > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = (xj - xs) * (y - ys) / (yj - ys) + xs
    return bool(np.count_nonzero(crosses & (x < x_at)) % 2)


def letterbox(media_aspect: float, screen_aspect: float) -> tuple[float, float]:
    """The fraction of the screen's width and height the video fills when it is fit,
    centred, without distortion (one of the two is 1.0). The one letterbox rule: the
    trainee view draws by it and shots are mapped back through it."""
    if media_aspect >= screen_aspect:  # bars top and bottom
        return 1.0, screen_aspect / media_aspect
    return media_aspect / screen_aspect, 1.0  # bars left and right


def screen_to_media(
    x_norm: float, y_norm: float, screen_aspect: float, media_aspect: float
) -> tuple[float, float] | None:
    """Map a trainee-screen point to the video frame when the video is letterboxed (fit,
    centred) on the screen. Returns None for a point on the black bars."""
    w, h = letterbox(media_aspect, screen_aspect)
    mx, my = (x_norm - (1.0 - w) / 2.0) / w, (y_norm - (1.0 - h) / 2.0) / h
    if not (0.0 <= mx <= 1.0 and 0.0 <= my <= 1.0):
        return None
    return mx, my


def media_to_screen(
    mx: float, my: float, screen_aspect: float, media_aspect: float
) -> tuple[float, float]:
    """The inverse of `screen_to_media`: a point on the video frame to the trainee screen."""
    w, h = letterbox(media_aspect, screen_aspect)
    return (1.0 - w) / 2.0 + mx * w, (1.0 - h) / 2.0 + my * h


def hit_test(zones: tuple[Zone, ...], media_t_s: float, mx: float, my: float) -> Zone | None:
    """The first zone (in authored order: list specific zones before broad ones) that
    contains the media point at this media time."""
    for zone in zones:
        if point_in_polygon(mx, my, zone.polygon_at(media_t_s)):
            return zone
    return None
