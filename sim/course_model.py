"""What a course of fire is made of (docs/courses.md): the target shapes and their scored
zones, targets that move, turn and appear, stages, and the course; with the segment names
a compiled course uses (`READY`, `END_SEGMENT`), which its scoring reads back.

Coordinates: normalized trainee screen (origin top-left), laid out on a 16:9 screen
(`ASPECT`). A target's zones are given in target units: x and y from the target's
centre, as fractions of its height. Compiling a course into a scenario and its plan are
sim/course.py's; scoring a run is sim/course_scoring.py's. Pure: standard library, numpy
and sim only; times are passed in, never read.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from sim.hit_zones import Zone

TURN_S = 0.3  # a turning target takes this long to face or edge away
ASPECT = 16 / 9  # the trainee screen (and backdrop) the course is laid out on
END_SEGMENT = "course-end"
END_S = 3.0
BEEP = "beep"
READY = "-ready"
_EDGE_WIDTH = 0.0  # a target edge-on shows no face: its zones have no area

#: Target shapes: real height in metres (for sizes from distance) and zones in target
#: units, highest-scoring first (a hit counts in the first zone that contains it).
SHAPES: dict[str, tuple[float, tuple[tuple[str, int, str, tuple[float, ...]], ...]]] = {
    # FBI QIT-99 "Q" target: a silhouette with a bottle shape; hits in the bottle score.
    # The paper is 35 in tall; the silhouette fills most of it.
    "q": (
        0.889,
        (
            (
                "bottle",
                1,
                "poly",
                (
                    -0.07,
                    -0.36,
                    0.07,
                    -0.36,
                    0.08,
                    -0.22,
                    0.16,
                    -0.12,
                    0.17,
                    0.30,
                    -0.17,
                    0.30,
                    -0.16,
                    -0.12,
                    -0.08,
                    -0.22,
                ),
            ),
            (
                "body",
                0,
                "poly",
                (
                    -0.12,
                    -0.50,
                    0.12,
                    -0.50,
                    0.14,
                    -0.28,
                    0.30,
                    -0.18,
                    0.34,
                    0.50,
                    -0.34,
                    0.50,
                    -0.30,
                    -0.18,
                    -0.14,
                    -0.28,
                ),
            ),
        ),
    ),
    # a round steel plate (8 in)
    "plate": (0.203, (("plate", 1, "ellipse", (0.0, 0.0, 0.5, 0.5)),)),
    # an IPSC-style cardboard silhouette (30 in) with A, C and D zones
    "silhouette": (
        0.76,
        (
            ("A", 5, "rect", (-0.1, -0.22, 0.1, 0.12)),
            ("A-head", 5, "rect", (-0.05, -0.44, 0.05, -0.34)),
            ("C", 3, "rect", (-0.2, -0.3, 0.2, 0.32)),
            (
                "D",
                1,
                "poly",
                (
                    -0.1,
                    -0.5,
                    0.1,
                    -0.5,
                    0.1,
                    -0.32,
                    0.3,
                    -0.3,
                    0.3,
                    0.5,
                    -0.3,
                    0.5,
                    -0.3,
                    -0.3,
                    -0.1,
                    -0.32,
                ),
            ),
        ),
    ),
}


@dataclass(frozen=True)
class ZoneSpec:
    """A scored region in target units: "ellipse" (cx, cy, rx, ry), "rect" (x0, y0, x1,
    y1) or "poly" (x, y, x, y, ...)."""

    name: str
    points: int
    shape: str
    values: tuple[float, ...]

    def outline(self, n: int = 24) -> np.ndarray:
        v = self.values
        if self.shape == "ellipse":
            a = np.linspace(0, 2 * math.pi, n, endpoint=False)
            return np.stack([v[0] + v[2] * np.cos(a), v[1] + v[3] * np.sin(a)], axis=1)
        if self.shape == "rect":
            return np.array([(v[0], v[1]), (v[2], v[1]), (v[2], v[3]), (v[0], v[3])])
        return np.asarray(v, dtype=np.float64).reshape(-1, 2)

    def centre(self) -> tuple[float, float]:
        if self.shape == "ellipse":
            return self.values[0], self.values[1]
        if self.shape == "rect":
            v = self.values
            return (v[0] + v[2]) / 2, (v[1] + v[3]) / 2
        return _centroid(self.outline())


def _centroid(poly: np.ndarray) -> tuple[float, float]:
    """The area centroid of a simple polygon (the vertex mean if it has no area)."""
    x, y = poly[:, 0], poly[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cross = x * yn - xn * y
    area = cross.sum() / 2
    if abs(area) < 1e-12:
        return float(x.mean()), float(y.mean())
    return float(((x + xn) * cross).sum() / (6 * area)), float(
        ((y + yn) * cross).sum() / (6 * area)
    )


@dataclass(frozen=True)
class Target:
    """A flat target in a stage. `path` holds (stage t_s, x, y) keys of its centre (one
    key: it stands still); it is shown from `show_s` until `hide_s`; `turns` holds (t_s,
    facing) changes, each taking TURN_S. `shots` is how many rounds the stage wants on it
    (0 on a no-shoot target, whose every hit scores `penalty`)."""

    name: str
    shape: str
    height: float  # fraction of the screen's height
    path: tuple[tuple[float, float, float], ...]
    zones: tuple[ZoneSpec, ...]
    shoot: bool = True
    shots: int = 0
    penalty: int = -5
    show_s: float = 0.0
    hide_s: float | None = None
    facing: bool = True
    turns: tuple[tuple[float, bool], ...] = ()
    image: str | None = None  # drawn instead of the zones' colours (a path in the course)

    def best_zone(self) -> ZoneSpec:
        return max(self.zones, key=lambda z: z.points)

    def position(self, t_s: float) -> tuple[float, float]:
        keys = self.path
        if t_s <= keys[0][0]:
            return keys[0][1], keys[0][2]
        for (t0, x0, y0), (t1, x1, y1) in itertools.pairwise(keys):
            if t_s <= t1:
                a = (t_s - t0) / (t1 - t0)
                return x0 + (x1 - x0) * a, y0 + (y1 - y0) * a
        return keys[-1][1], keys[-1][2]

    def face(self, t_s: float) -> float:
        """How much of its face shows: 1 facing, 0 edge-on (and 0 while hidden)."""
        if t_s < self.show_s or (self.hide_s is not None and t_s >= self.hide_s):
            return 0.0
        width = 1.0 if self.facing else _EDGE_WIDTH
        for at, facing in self.turns:
            if t_s <= at:
                break
            a = min(1.0, (t_s - at) / TURN_S)
            goal = 1.0 if facing else _EDGE_WIDTH
            width = width + (goal - width) * a
        return width

    def key_times(self, end_s: float) -> list[float]:
        """Media times at which its zones need a key for linear interpolation to be exact."""
        times = {0.0, end_s, *(t for t, _, _ in self.path)}
        for at, _ in self.turns:
            times |= {at, at + TURN_S}
        eps = 1e-3
        times |= {max(0.0, self.show_s - eps), self.show_s}
        if self.hide_s is not None:
            times |= {max(0.0, self.hide_s - eps), self.hide_s}
        return sorted(t for t in times if 0.0 <= t <= end_s)

    def zone_polygon(self, zone: ZoneSpec, t_s: float, aspect: float = ASPECT) -> np.ndarray:
        """The zone's outline at stage time t_s, in normalized screen coordinates."""
        cx, cy = self.position(t_s)
        sx = self.height / aspect * self.face(t_s)
        pts = zone.outline()
        return np.stack([cx + pts[:, 0] * sx, cy + pts[:, 1] * self.height], axis=1)

    def window(self, end_s: float) -> tuple[float, float] | None:
        """The stage times while it shows its full face (None: never)."""
        t0 = self.show_s
        for at, facing in self.turns:
            if at <= t0 and facing:
                t0 = max(t0, at + TURN_S)
        if not self.facing:
            first = next((at for at, facing in self.turns if facing and at >= t0), None)
            if first is None:
                return None
            t0 = first + TURN_S
        t1 = end_s if self.hide_s is None else min(end_s, self.hide_s)
        for at, facing in self.turns:
            if at >= t0 and not facing:
                t1 = min(t1, at)
                break
        return (t0, t1) if t1 > t0 else None


@dataclass(frozen=True)
class Stage:
    id: str
    title: str
    instructions: str
    time_s: float
    targets: tuple[Target, ...]
    ready_s: float = 5.0
    shots: int | None = None  # the shot limit (None: the shots the targets want)
    par_s: float | None = None
    advance_hits: int | None = None  # end the stage early after this many scoring hits
    image: str | None = None  # an instruction picture (a path in the course)

    @property
    def shot_limit(self) -> int:
        return self.shots if self.shots is not None else sum(t.shots for t in self.targets)

    @property
    def max_score(self) -> int:
        return sum(t.shots * t.best_zone().points for t in self.targets if t.shoot)

    def zones(self, aspect: float = ASPECT) -> tuple[Zone, ...]:
        """The sim's zones for the live segment: every target's, keyed at each change."""
        out = []
        for target in self.targets:
            times = target.key_times(self.time_s)
            zones = target.zones if target.shoot else (_outline_zone(target),)
            for spec in zones:
                keys = tuple((t, target.zone_polygon(spec, t, aspect)) for t in times)
                role = "threat" if target.shoot else "no-shoot"
                points = spec.points if target.shoot else target.penalty
                out.append(Zone(f"{target.name}:{spec.name}", role, keys, points))
        return tuple(out)


def _outline_zone(target: Target) -> ZoneSpec:
    """A no-shoot target scores its penalty anywhere on it: its largest zone's outline."""
    return max(target.zones, key=lambda z: float(np.ptp(z.outline(), axis=0).prod()))


@dataclass(frozen=True)
class Course:
    title: str
    stages: tuple[Stage, ...]
    pass_percent: float = 80.0
    kind: str = "drills"  # or "qualification"
    source: str = ""  # the published course it is modelled on
    valid_days: int | None = None  # a qualification falls due again after this
    backdrop: str = ""  # the clip behind the targets (a path in the course)
    notes: tuple[str, ...] = field(default=())

    @property
    def max_score(self) -> int:
        return sum(s.max_score for s in self.stages)

    def stage(self, segment: str) -> Stage | None:
        sid = segment[: -len(READY)] if segment.endswith(READY) else segment
        return next((s for s in self.stages if s.id == sid), None)
