"""Courses of fire: stages, targets with scored zones, the schedule of a run, and scoring.

A course (docs/courses.md) is a list of stages; each stage shows its instructions for
`ready_s`, sounds the start beep and then runs for at most `time_s`, with targets that may
move, turn and appear. A course runs on the ordinary scenario machinery: `to_scenario`
compiles it into a scenario graph (a ready segment and a live segment per stage, the
targets' zones keyframed over the live segment's media time), so the session, bus,
recorder, replay and review work unchanged. Scoring reads the session's records
(`score_log`); the same rules serve the live instructor overlay (`live_status`) and
`sightline course report`.

Coordinates: normalized trainee screen (origin top-left); the course's backdrop clip has
the screen's aspect (16:9), so media and screen coordinates agree. A target's zones are
given in target units: x and y from the target's centre, as fractions of its height.
Pure: standard library, numpy and sim only; times are passed in, never read.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.hit_zones import Zone
from sim.scenario import Scenario, Segment, SoundCue, Transition
from sim.sounds import BUILTIN_SOUNDS
from sim.triggers import EndTrigger, SegmentClock, TriggerBase

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


@dataclass(frozen=True)
class HitsTrigger(TriggerBase):
    """A course's "hits to advance": the segment has `count` hits that scored. Not a pack
    trigger kind (sim.triggers.TRIGGERS): courses compile it in. It fires on the tick after
    the hit that completes the count."""

    count: int
    kind: ClassVar[str] = "hits"
    station: ClassVar[str] = "trainee"
    colour: ClassVar[tuple[int, int, int]] = (200, 30, 30)

    def describe(self) -> str:
        return f"{self.count} hits"

    def due_on_tick(self, clock: SegmentClock) -> bool:
        return clock.seg_hits >= self.count


# -- the scenario graph ------------------------------------------------------------------


def to_scenario(course: Course, clip: str, media_aspect: float = ASPECT) -> Scenario:
    """Per stage a ready segment (instructions, no targets) and a live one (the beep at
    0 s, a second beep at the par time, the targets' zones), then the end segment."""
    segments: dict[str, Segment] = {}
    for i, stage in enumerate(course.stages):
        nxt = course.stages[i + 1].id + READY if i + 1 < len(course.stages) else END_SEGMENT
        segments[stage.id + READY] = Segment(
            stage.id + READY,
            clip,
            0.0,
            stage.ready_s,
            media_aspect,
            transitions=(Transition(EndTrigger(), stage.id),),
        )
        sounds = [SoundCue(BEEP, 0.0)]
        if stage.par_s is not None:
            sounds.append(SoundCue(BEEP, stage.par_s))
        transitions = [Transition(EndTrigger(), nxt)]
        if stage.advance_hits:
            transitions.insert(0, Transition(HitsTrigger(stage.advance_hits), nxt))
        segments[stage.id] = Segment(
            stage.id,
            clip,
            0.0,
            stage.time_s,
            media_aspect,
            transitions=tuple(transitions),
            zones=stage.zones(media_aspect),
            sounds=tuple(sounds),
        )
    segments[END_SEGMENT] = Segment(END_SEGMENT, clip, 0.0, END_S, media_aspect, ending=True)
    return Scenario(
        title=course.title,
        start=course.stages[0].id + READY,
        segments=segments,
        sounds=dict(BUILTIN_SOUNDS),
    )


# -- the plan ----------------------------------------------------------------------------


def plan(course: Course, tick_hz: int = 120) -> dict:
    """The schedule of a run in session seconds when every stage runs its full time
    (docs/courses.md): each stage's start (its beep) and window, the span in which every
    target it wants shot shows its full face; per target where to aim (the centre of its
    highest-scoring zone in the middle of the window: a moving target is there then) and
    the rounds the stage wants on it (0 on a no-shoot target)."""
    t = 0.0
    stages = []
    for i, stage in enumerate(course.stages):
        t += _ticks(stage.ready_s, tick_hz)
        start = t
        w0, w1 = stage_window(stage)
        mid = (w0 + w1) / 2
        targets = [
            {
                "name": target.name,
                "aim": [round(v, 6) for v in _zone_centre(target, target.best_zone(), mid)],
                "shoot": target.shoot,
                "shots": target.shots if target.shoot else 0,
            }
            for target in stage.targets
        ]
        stages.append(
            {
                "index": i,
                "start": round(start, 6),
                "window": [round(start + w0, 6), round(start + w1, 6)],
                "targets": targets,
            }
        )
        t += _ticks(stage.time_s, tick_hz)
    return {"stages": stages}


def stage_window(stage: Stage) -> tuple[float, float]:
    """Stage times in which every target the stage wants shot shows its full face (the
    whole stage when it wants none); lint refuses a stage where they never all do."""
    w0, w1 = 0.0, stage.time_s
    for target in stage.targets:
        if target.shoot and target.shots:
            win = target.window(stage.time_s)
            if win is None:
                return (0.0, 0.0)
            w0, w1 = max(w0, win[0]), min(w1, win[1])
    return (w0, w1) if w1 > w0 else (0.0, 0.0)


def _ticks(seconds: float, tick_hz: int) -> float:
    """A segment's length as the runtime plays it: whole ticks."""
    return max(1, math.ceil(seconds * tick_hz - 1e-6)) / tick_hz


def _zone_centre(target: Target, zone: ZoneSpec, t_s: float) -> tuple[float, float]:
    cx, cy = target.position(t_s)
    zx, zy = zone.centre()
    return cx + zx * target.height / ASPECT * target.face(t_s), cy + zy * target.height


# -- scoring -----------------------------------------------------------------------------


@dataclass
class StageResult:
    """One stage's counted attempt (the last one run), scored by the rules of
    docs/courses.md."""

    id: str
    title: str
    max: int
    score: int = 0
    attempts: int = 0
    shots: int = 0  # fired in the counted attempt
    counted: int = 0  # within the shot limit
    over_limit: int = 0
    hits: dict[str, int] = field(default_factory=dict)  # "target:zone" -> hits
    no_shoot_hits: int = 0
    misses: int = 0
    first_shot_s: float | None = None  # from the beep
    splits_s: list[float] = field(default_factory=list)
    total_s: float | None = None
    par_s: float | None = None
    skipped: bool = False

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / self.max, 1) if self.max else 0.0

    @property
    def within_par(self) -> bool | None:
        if self.par_s is None or self.total_s is None:
            return None
        return self.total_s <= self.par_s + 1e-9

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "max": self.max,
            "percent": self.percent,
            "attempts": self.attempts,
            "shots": self.shots,
            "over_limit": self.over_limit,
            "hits": dict(sorted(self.hits.items())),
            "no_shoot_hits": self.no_shoot_hits,
            "misses": self.misses,
            "first_shot_s": _r(self.first_shot_s),
            "splits_s": [_r(s) for s in self.splits_s],
            "total_s": _r(self.total_s),
            "par_s": self.par_s,
            "within_par": self.within_par,
            "skipped": self.skipped,
        }


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


def _attempts(log) -> list[tuple[int, float, str]]:
    """(tick, t_s, segment) of every segment entry, in order."""
    entries = [(0, 0.0, log.segments_played[0])] if log.segments_played else []
    entries += [(b.tick, b.t_s, b.to_segment) for b in log.branches]
    return entries


def score_log(course: Course, log, now_s: float | None = None) -> dict:
    """The course's result from a session's records (sim.records.SessionLog): per stage
    its last attempt, and in total. `now_s` marks a stage still running (live status)."""
    entries = _attempts(log)
    results = {s.id: StageResult(s.id, s.title, s.max_score, par_s=s.par_s) for s in course.stages}
    # the counted attempt of each stage: its last entry
    last: dict[str, tuple[int, float]] = {}
    for tick, t_s, seg in entries:
        if seg in results:
            results[seg].attempts += 1
            last[seg] = (tick, t_s)
    stages = {s.id: s for s in course.stages}
    for sid, (tick0, t0) in last.items():
        stage, res = stages[sid], results[sid]
        later = [e for e in entries if e[0] >= tick0 and e[2] != sid]
        t_end = min((e[1] for e in later if e[0] > tick0 or e[2] != sid), default=None)
        shots = [
            s
            for s in log.shots
            if s.segment == sid and s.tick >= tick0 and s.fired and (t_end is None or s.t_s < t_end)
        ]
        times = [s.t_s - t0 for s in shots]
        res.shots = len(shots)
        if times:
            res.first_shot_s = times[0]
            res.splits_s = [b - a for a, b in itertools.pairwise(times)]
            res.total_s = times[-1]
        total = 0
        for n, shot in enumerate(shots):
            if n >= stage.shot_limit:
                res.over_limit += 1
                continue
            res.counted += 1
            if shot.zone is None:
                res.misses += 1
                continue
            res.hits[shot.zone] = res.hits.get(shot.zone, 0) + 1
            if shot.role == "no-shoot":
                res.no_shoot_hits += 1
            total += shot.points
        res.score = max(0, total)
    # a stage entered as a ready segment but never run: skipped by the instructor
    for sid, res in results.items():
        ready_seen = any(seg == sid + READY for _, _, seg in entries)
        res.skipped = res.attempts == 0 and ready_seen
    score = sum(r.score for r in results.values())
    mx = course.max_score
    percent = round(100.0 * score / mx, 1) if mx else 0.0
    done = any(seg == END_SEGMENT for _, _, seg in entries)
    return {
        "course": course.title,
        "score": score,
        "max": mx,
        "percent": percent,
        "pass": percent >= course.pass_percent - 1e-9,
        "pass_percent": course.pass_percent,
        "complete": done,
        "stages": [results[s.id].as_dict() for s in course.stages],
    }


def live_status(course: Course, log, segment: str, media_t_s: float) -> dict:
    """What the instructor's overlay shows now: the stage, its timer, the shot timer
    (first shot, splits, total) and the stage score so far."""
    stage = course.stage(segment)
    result = score_log(course, log)
    if stage is None:
        return {"stage": None, "result": result}
    res = next(r for r in result["stages"] if r["id"] == stage.id)
    index = course.stages.index(stage)
    return {
        "stage": stage.id,
        "index": index,
        "count": len(course.stages),
        "title": stage.title,
        "ready": segment.endswith(READY),
        "left_s": max(
            0.0, (stage.ready_s if segment.endswith(READY) else stage.time_s) - media_t_s
        ),
        "elapsed_s": 0.0 if segment.endswith(READY) else media_t_s,
        "stage_result": res,
        "result": result,
    }
