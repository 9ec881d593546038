"""Scoring a course of fire from a session's records (docs/courses.md): each stage's
counted attempt (its last), its hits, misses, no-shoot hits, shot timer and par, the
course's total and pass; and what the instructor's overlay shows while it runs.

The same rules serve the live overlay (`live_status`) and `sightline course report`
(`score_log`). Pure: standard library and sim only; times are passed in, never read.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sim.course_model import END_SEGMENT, READY, Course


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
