"""Rubrics: the behaviour-anchored scales instructors score a session on, the automatic
rules that score an item from the session's records, and a session's overall level and
pass or fail against the pack's standard.

A pack may carry one `Rubric` (content/_pack_rubric.py reads it from `[rubric]` and
`[[rubric.items]]`; docs/scenario-format.md describes the file). The data model:

  - `Scale`: the levels (default 1-7), their `Band`s (default 1-2 not acceptable, 3-5
    acceptable, 6-7 superior), a proficiency name per level (default the Dreyfus names,
    novice to expert), the levels whose score needs a comment (default the extremes);
    "not observed" is a level of None everywhere.
  - `RubricItem`: a competency (`id`, `label`), its behaviour anchors by level, an
    optional automatic `rule`, its `weight` in the overall level and whether it is
    `critical` (it alone can fail the session).
  - Rules, one class per kind in `RULES` (a closed set: packs never carry code), each
    with `parse` (through content's field reader, as trigger kinds do), `validate`
    against the scale, the `cues` it names (lint checks them) and `evaluate` over the
    session's records (a `SessionLog`) for one weapon: (level or None, comment).
  - `Rubric`: the scale, the items and `pass_level`, the overall level needed to pass.

Scores are input events (sim.events.Score): the runtime keeps the instructor's as
`ScoreRecord`s (sim/records.py). Automatic items are not events: `score_session` computes
them from the records, with the instructor's, whenever asked (the station, the records
store, the review), so the same records always give the same sheet and a killed run's
recording re-simulated gives what the run would have. Asked at the end of a session, it
is the session's result; asked earlier, it is the result so far. An instructor's score on
an automatic item overrides the rule (both are kept, the instructor's counts).

Where the parts live: the scale, its bands and `RubricError` in sim/rubric_scale.py; the
rule kinds (`RULES`) and the record helpers they use in sim/rubric_rules.py; the items,
the `Rubric` and scoring a session here. Callers import each name from the module that
defines it.

Must not import outside the standard library and sim; never reads a clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sim.records import ScoreRecord, SessionLog
from sim.rubric_rules import RuleBase
from sim.rubric_scale import RubricError, Scale

__all__ = [
    "AUTOMATIC",
    "INSTRUCTOR",
    "MAX_ITEMS",
    "Rubric",
    "RubricItem",
    "ScoreSheet",
    "WeaponResult",
    "automatic_scores",
    "counted",
    "score_session",
    "session_weapons",
]

MAX_ITEMS = 64  # items in a rubric

INSTRUCTOR, AUTOMATIC = "instructor", "automatic"


# -- items and the rubric ------------------------------------------------------------------


@dataclass(frozen=True)
class RubricItem:
    """One competency: what the instructor scores (or a rule computes), with the
    observable behaviour expected at each anchored level."""

    id: str
    label: str
    anchors: Mapping[int, str] = field(default_factory=dict)  # level -> behaviour
    rule: RuleBase | None = None  # None: scored by the instructor only
    weight: float = 1.0  # in the overall level
    critical: bool = False  # a score below the pass level fails the session
    # links into the agency's policy library ("use-of-force#3.2", content/policies.py)
    policy: tuple[str, ...] = ()

    @property
    def automatic(self) -> bool:
        return self.rule is not None

    def anchor(self, level: int) -> str:
        """The anchor written for `level`, or ""."""
        return self.anchors.get(level, "")

    def validate(self, scale: Scale, where: str) -> None:
        for lv in self.anchors:
            if lv not in scale:
                raise RubricError(
                    f"{where}.anchors.{lv}: level {lv} is outside the scale "
                    f"({scale.low}-{scale.high})"
                )
        if not (0 < self.weight <= 100):
            raise RubricError(f"{where}.weight: a number above 0, at most 100")
        if self.rule is not None:
            self.rule.validate(scale, f"{where}.rule")


@dataclass(frozen=True)
class Rubric:
    """A pack's rubric. `pass_level`: the overall level needed to pass (None: the
    lowest acceptable level of the scale)."""

    items: tuple[RubricItem, ...]
    scale: Scale = field(default_factory=Scale)
    pass_level: int | None = None

    def __post_init__(self):
        if self.pass_level is None:
            object.__setattr__(self, "pass_level", self.scale.lowest_acceptable())

    def item(self, item_id: str) -> RubricItem | None:
        return next((it for it in self.items if it.id == item_id), None)

    def validate(self) -> None:
        """Raise RubricError on the first problem, naming its key path."""
        self.scale.validate()
        if self.pass_level not in self.scale:
            raise RubricError(
                f"rubric.pass_level: {self.pass_level} is outside the scale "
                f"({self.scale.low}-{self.scale.high})"
            )
        if len(self.items) > MAX_ITEMS:
            raise RubricError(f"rubric.items: over {MAX_ITEMS} items")
        seen: dict[str, int] = {}
        for i, it in enumerate(self.items):
            if it.id in seen:
                raise RubricError(
                    f"rubric.items[{i}].id: {it.id!r} is already the id of items[{seen[it.id]}]"
                )
            seen[it.id] = i
            it.validate(self.scale, f"rubric.items[{i}]")

    def check_score(self, item_id: str, level: int | None, comment: str) -> str | None:
        """Why a score cannot be given (for the runtime's `ignored`), or None."""
        item = self.item(item_id)
        if item is None:
            return f"no rubric item {item_id!r}"
        if level is not None and level not in self.scale:
            return (
                f"{item_id}: level {level} is outside the scale "
                f"({self.scale.low}-{self.scale.high}, or not observed)"
            )
        if self.scale.needs_comment(level) and not comment.strip():
            return f"{item_id}: a score of {level} needs a comment"
        return None

    # -- a session's result ----------------------------------------------------------

    def overall_level(self, levels: Mapping[str, int | None]) -> int | None:
        """The items' observed levels averaged by weight, rounded half up; None when no
        item was observed. Items not in the rubric are left out."""
        total = weight = 0.0
        for it in self.items:
            lv = levels.get(it.id)
            if lv is not None:
                total += it.weight * lv
                weight += it.weight
        if not weight:
            return None
        return min(self.scale.high, math.floor(total / weight + 0.5 + 1e-9))

    def passed(self, levels: Mapping[str, int | None]) -> bool | None:
        """Against the pack's standard: the overall level at least `pass_level` and no
        critical item below it. None (not decided) when nothing was observed or a
        critical item was not."""
        overall = self.overall_level(levels)
        if overall is None:
            return None
        critical = [levels.get(it.id) for it in self.items if it.critical]
        if any(lv is not None and lv < self.pass_level for lv in critical):
            return False
        if any(lv is None for lv in critical):
            return None
        return overall >= self.pass_level


@dataclass(frozen=True)
class WeaponResult:
    """One weapon's (one trainee's) result: the counted level of each item (the
    instructor's latest score, else the rule's; None: not observed or not scored), the
    overall level and pass or fail."""

    weapon: str
    levels: dict[str, int | None]
    level: int | None
    passed: bool | None


@dataclass(frozen=True)
class ScoreSheet:
    """A session scored: every score (the instructor's, in the order given, then the
    automatic ones) and each weapon's result."""

    scores: tuple[ScoreRecord, ...]
    results: tuple[WeaponResult, ...]

    def result(self, weapon: str) -> WeaponResult | None:
        return next((r for r in self.results if r.weapon == weapon), None)


def counted(scores: Iterable, item_ids: Iterable[str] | None = None) -> dict[str, int | None]:
    """item -> the level that counts: the latest instructor score, else the automatic
    one. `scores` are ScoreRecords or anything with item, level, source and t_s (the
    records store's rows); the order given breaks ties in time."""
    best: dict[str, tuple[tuple, int | None]] = {}
    for n, sc in enumerate(scores):
        t_s = sc.t_s if sc.t_s is not None else -1.0
        key = (sc.source != AUTOMATIC, t_s, n)
        if sc.item not in best or key > best[sc.item][0]:
            best[sc.item] = (key, sc.level)
    wanted = None if item_ids is None else set(item_ids)
    return {k: v for k, (_, v) in best.items() if wanted is None or k in wanted}


def automatic_scores(rubric: Rubric, log: SessionLog, weapon: str, t_s: float, tick: int):
    """The automatic items' scores for one weapon, from the records so far."""
    out = []
    for it in rubric.items:
        if it.rule is None:
            continue
        level, comment = it.rule.evaluate(log, weapon, rubric.scale)
        out.append(ScoreRecord(tick, t_s, it.id, level, weapon, comment, AUTOMATIC))
    return out


def session_weapons(log: SessionLog) -> tuple[str, ...]:
    """The weapons a session scores: those that pulled a trigger or were scored by the
    instructor, in the order first seen; "w1" (a scripted shot's default) when none."""
    seen = dict.fromkeys([*(s.weapon for s in log.shots), *(s.weapon for s in log.scores)])
    return tuple(seen) or ("w1",)


def score_session(
    rubric: Rubric | None, log: SessionLog, t_s: float = 0.0, tick: int = 0
) -> ScoreSheet:
    """Score a session from its records: the instructor's scores as given, plus each
    automatic item evaluated for each weapon (`session_weapons`), stamped `t_s`/`tick`
    (the session's end, or now). One pure function for the station, the records store
    and the review, so they agree."""
    if rubric is None:
        return ScoreSheet((), ())
    given = tuple(log.scores)
    auto: list[ScoreRecord] = []
    results = []
    for weapon in session_weapons(log):
        mine_auto = automatic_scores(rubric, log, weapon, t_s, tick)
        auto += mine_auto
        levels = counted([*(s for s in given if s.weapon == weapon), *mine_auto])
        levels = {it.id: levels.get(it.id) for it in rubric.items}
        results.append(
            WeaponResult(weapon, levels, rubric.overall_level(levels), rubric.passed(levels))
        )
    return ScoreSheet(given + tuple(auto), tuple(results))
