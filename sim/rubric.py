"""Rubrics: the behaviour-anchored scales instructors score a session on, the automatic
rules that score an item from the session's records, and a session's overall level and
pass or fail against the pack's standard.

A pack may carry one `Rubric` (content/pack.py reads it from `[rubric]` and
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

Must not import outside the standard library and sim; never reads a clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from sim.events import ACTIONS
from sim.records import ScoreRecord, SessionLog
from sim.scenario import ScenarioError

NUM = (int, float)
_MISSING: Any = object()
MAX_SCALE = 100  # the highest level a scale may have
MAX_ITEMS = 64  # items in a rubric
MAX_THRESHOLDS = 99

INSTRUCTOR, AUTOMATIC = "instructor", "automatic"
#: The default proficiency names on a 1-7 scale (Dreyfus: novice to expert).
DREYFUS_1_7 = {
    1: "novice",
    2: "novice",
    3: "advanced beginner",
    4: "competent",
    5: "competent",
    6: "proficient",
    7: "expert",
}


class RubricError(ScenarioError):
    """A problem in a rubric; the message starts with its key path (rubric.items[2].rule)."""


class FieldReader(Protocol):
    """Typed access to one table of a pack (content/pack.py's _Fields)."""

    def get(self, key: str, kind: type | tuple, default: Any = _MISSING) -> Any: ...

    def choice(self, key: str, options: tuple, default: Any = _MISSING) -> Any: ...


# -- the scale -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A named range of levels: "not acceptable" 1-2, "acceptable" 3-5, "superior" 6-7."""

    name: str
    low: int
    high: int
    acceptable: bool = True


def default_bands(low: int, high: int) -> tuple[Band, ...]:
    """1-2 / 3-5 / 6-7 on the default scale; on another, the lowest fifth not acceptable
    and the highest fifth superior (at least one level each)."""
    if (low, high) == (1, 7):
        return (
            Band("not acceptable", 1, 2, False),
            Band("acceptable", 3, 5),
            Band("superior", 6, 7),
        )
    n = high - low + 1
    if n < 3:
        return (Band("not acceptable", low, low, False), Band("acceptable", high, high))
    edge = max(1, n // 5)
    return (
        Band("not acceptable", low, low + edge - 1, False),
        Band("acceptable", low + edge, high - edge),
        Band("superior", high - edge + 1, high),
    )


@dataclass(frozen=True)
class Scale:
    """The levels items are scored on, low to high. `names` gives each level its
    proficiency name (levels without one take the nearest lower named level's);
    `comment_required` are the levels whose score must carry a comment."""

    low: int = 1
    high: int = 7
    bands: tuple[Band, ...] = ()  # empty: default_bands(low, high)
    names: Mapping[int, str] = field(default_factory=dict)  # empty: DREYFUS_1_7 on 1-7
    comment_required: frozenset[int] | None = None  # None: {low, high}

    def __post_init__(self):
        if not self.bands:
            object.__setattr__(self, "bands", default_bands(self.low, self.high))
        if not self.names and (self.low, self.high) == (1, 7):
            object.__setattr__(self, "names", dict(DREYFUS_1_7))
        if self.comment_required is None:
            object.__setattr__(self, "comment_required", frozenset({self.low, self.high}))

    @property
    def levels(self) -> range:
        return range(self.low, self.high + 1)

    def __contains__(self, level: object) -> bool:
        return (
            isinstance(level, int)
            and not isinstance(level, bool)
            and self.low <= level <= self.high
        )

    def band(self, level: int) -> Band | None:
        return next((b for b in self.bands if b.low <= level <= b.high), None)

    def name(self, level: int | None) -> str:
        """The proficiency name of a level ("competent"), or "not observed"."""
        if level is None:
            return "not observed"
        named = [lv for lv in self.names if lv <= level]
        return self.names[max(named)] if named else ""

    def describe(self, level: int | None) -> str:
        """'5 acceptable, competent' for the station and reports."""
        if level is None:
            return "not observed"
        band = self.band(level)
        words = [w for w in (band.name if band else "", self.name(level)) if w]
        return f"{level} " + ", ".join(dict.fromkeys(words))

    def needs_comment(self, level: int | None) -> bool:
        return level is not None and level in self.comment_required

    def lowest_acceptable(self) -> int:
        return min((b.low for b in self.bands if b.acceptable), default=self.low)

    def validate(self, where: str = "rubric") -> None:
        if not (0 <= self.low < self.high <= MAX_SCALE):
            raise RubricError(f"{where}.scale: needs 0 <= lowest < highest <= {MAX_SCALE}")
        covered: list[int] = []
        for i, b in enumerate(self.bands):
            if not (self.low <= b.low <= b.high <= self.high):
                raise RubricError(
                    f"{where}.bands[{i}]: {b.low}-{b.high} is outside the scale "
                    f"({self.low}-{self.high})"
                )
            covered += range(b.low, b.high + 1)
        if sorted(covered) != list(self.levels):
            raise RubricError(f"{where}.bands: must cover each level of the scale exactly once")
        for lv in self.names:
            if lv not in self:
                raise RubricError(f"{where}.names.{lv}: outside the scale ({self.low}-{self.high})")
        for lv in self.comment_required:
            if lv not in self:
                raise RubricError(
                    f"{where}.comment_required: {lv} is outside the scale ({self.low}-{self.high})"
                )


# -- the records a rule reads ---------------------------------------------------------------


def paused_between(log: SessionLog, t0_s: float, t1_s: float) -> float:
    """Seconds of [t0_s, t1_s] the session spent paused (time paused is not reaction)."""
    total = 0.0
    for a, b in log.pauses:
        b = t1_s if b is None else b
        total += max(0.0, min(b, t1_s) - max(a, t0_s))
    return total


def _first_cue(log: SessionLog, name: str):
    return next((c for c in log.cues if c.name == name), None)


def _pulls(log: SessionLog, weapon: str | None):
    """Trigger pulls (fired or dry) of one weapon (None: any), in time order."""
    return [s for s in log.shots if weapon is None or s.weapon == weapon]


def _count_level(levels: Sequence[int], n: int) -> int:
    return levels[min(n, len(levels) - 1)]


# -- rule kinds ----------------------------------------------------------------------------


class RuleBase:
    """Defaults for a rule kind; each subclass is a frozen dataclass."""

    kind: ClassVar[str]

    @classmethod
    def parse(cls, fields: FieldReader, scale: Scale) -> RuleBase:
        return cls()

    def validate(self, scale: Scale, where: str) -> None:
        """Raise RubricError naming `where` if the rule cannot score on `scale`."""

    def cues(self) -> tuple[str, ...]:
        """The cue names the rule measures from (lint checks the pack has them)."""
        return ()

    def describe(self) -> str:
        raise NotImplementedError

    def evaluate(self, log: SessionLog, weapon: str | None, scale: Scale) -> tuple[int | None, str]:
        """(level, or None for not observed; a comment saying why) for one weapon's
        trainee (None: every weapon)."""
        raise NotImplementedError


def _check_levels(levels: Sequence[int], scale: Scale, where: str) -> None:
    for i, lv in enumerate(levels):
        if lv not in scale:
            raise RubricError(
                f"{where}[{i}]: {lv!r} is outside the scale ({scale.low}-{scale.high})"
            )


def _int_list(fields: FieldReader, key: str, default: Any = _MISSING) -> tuple[int, ...]:
    raw = fields.get(key, list, default)
    if raw is None:
        return ()
    if (
        not raw
        or len(raw) > MAX_THRESHOLDS
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
    ):
        raise RuleFieldError(key, f"expected a list of 1 to {MAX_THRESHOLDS} whole levels")
    return tuple(raw)


class RuleFieldError(RubricError):
    """A rule parameter of the wrong shape: the loader adds the table's key path."""

    def __init__(self, key: str, msg: str):
        super().__init__(f"{key}: {msg}")
        self.key, self.msg = key, msg


@dataclass(frozen=True)
class Reaction(RuleBase):
    """Reaction time from the first time a cue is passed to the trainee's first response:
    a trigger pull of their weapon (`response = "shot"`, the default), a coded action
    (an action name such as "verbal-command", or "action" for any) or either ("any").
    `levels_s` are upper bounds in seconds, best first: within levels_s[0] scores the
    highest level, within levels_s[1] the next, and so on; slower than all of them scores
    the level below the last; no response at all scores the lowest level. Paused time is
    not counted. The cue never passed: not observed."""

    kind: ClassVar[str] = "reaction"
    RESPONSES: ClassVar[tuple[str, ...]] = ("shot", "action", "any", *ACTIONS)
    cue: str
    levels_s: tuple[float, ...]
    response: str = "shot"

    @classmethod
    def parse(cls, fields: FieldReader, scale: Scale) -> Reaction:
        raw = fields.get("levels_s", list)
        if (
            not raw
            or len(raw) > MAX_THRESHOLDS
            or not all(
                isinstance(v, NUM) and not isinstance(v, bool) and math.isfinite(v) for v in raw
            )
        ):
            raise RuleFieldError("levels_s", f"expected a list of 1 to {MAX_THRESHOLDS} numbers")
        return cls(
            fields.get("cue", str),
            tuple(float(v) for v in raw),
            fields.choice("response", cls.RESPONSES, "shot"),
        )

    def validate(self, scale: Scale, where: str) -> None:
        if not self.cue:
            raise RubricError(f"{where}.cue: names a cue of the pack")
        if len(self.levels_s) > scale.high - scale.low:
            raise RubricError(
                f"{where}.levels_s: {len(self.levels_s)} bounds for a scale of "
                f"{scale.high - scale.low + 1} levels (at most {scale.high - scale.low})"
            )
        if any(v <= 0 for v in self.levels_s) or list(self.levels_s) != sorted(set(self.levels_s)):
            raise RubricError(f"{where}.levels_s: positive seconds, increasing (best first)")
        if self.response not in self.RESPONSES:
            raise RubricError(f"{where}.response: one of {', '.join(self.RESPONSES)}")

    def cues(self) -> tuple[str, ...]:
        return (self.cue,)

    def describe(self) -> str:
        bounds = ", ".join(f"{v:g}" for v in self.levels_s)
        return f"reaction ({self.response}) from '{self.cue}': {bounds} s"

    def _responses(self, log: SessionLog, weapon: str | None) -> list[tuple[float, str]]:
        out: list[tuple[float, str]] = []
        if self.response in ("shot", "any"):
            out += [
                (s.t_s, "dry trigger pull" if not s.fired else "shot") for s in _pulls(log, weapon)
            ]
        if self.response != "shot":
            out += [
                (a.t_s, a.action.replace("-", " "))
                for a in log.actions
                if self.response in ("action", "any") or a.action == self.response
            ]
        return sorted(out)

    def evaluate(self, log: SessionLog, weapon: str | None, scale: Scale) -> tuple[int | None, str]:
        cue = _first_cue(log, self.cue)
        if cue is None:
            return None, f"'{self.cue}' never happened"
        after = [(t, what) for t, what in self._responses(log, weapon) if t >= cue.t_s]
        if not after:
            return scale.low, f"no response after '{self.cue}'"
        t, what = after[0]
        reaction_s = t - cue.t_s - paused_between(log, cue.t_s, t)
        for i, bound in enumerate(self.levels_s):
            if reaction_s <= bound + 1e-9:
                level = scale.high - i
                break
        else:
            level = scale.high - len(self.levels_s)
        return level, f"{what} {reaction_s:.2f} s after '{self.cue}'"


@dataclass(frozen=True)
class NoShootHits(RuleBase):
    """Hits on no-shoot zones by the trainee's weapon. `levels` gives the level for 0, 1,
    2... hits, the last for any more (default: the highest for none, the lowest for any)."""

    kind: ClassVar[str] = "no-shoot-hits"
    levels: tuple[int, ...] = ()

    @classmethod
    def parse(cls, fields: FieldReader, scale: Scale) -> NoShootHits:
        return cls(_int_list(fields, "levels", None) or (scale.high, scale.low))

    def validate(self, scale: Scale, where: str) -> None:
        if len(self.levels) < 2:
            raise RubricError(f"{where}.levels: at least two levels (for none, and for one)")
        _check_levels(self.levels, scale, f"{where}.levels")

    def describe(self) -> str:
        return "no-shoot hits: " + ", ".join(map(str, self.levels))

    def evaluate(self, log: SessionLog, weapon: str | None, scale: Scale) -> tuple[int | None, str]:
        hits = [s for s in _pulls(log, weapon) if s.fired and s.role == "no-shoot"]
        where = "".join(f", {s.zone} at {s.t_s:.2f} s" for s in hits[:3])
        return _count_level(self.levels, len(hits)), f"{len(hits)} no-shoot hit(s){where}"


@dataclass(frozen=True)
class VerbalBeforeShot(RuleBase):
    """A verbal command (the coded action, or a pack phrase the trainee was heard to say)
    before the trainee's first shot: the highest
    level when one came first (or came and no shot followed), the lowest when a shot was
    fired with no verbal command before it. With `cue`, only what happened from that
    cue on counts. Neither a command nor a shot: not observed."""

    kind: ClassVar[str] = "verbal-before-shot"
    cue: str | None = None

    @classmethod
    def parse(cls, fields: FieldReader, scale: Scale) -> VerbalBeforeShot:
        return cls(fields.get("cue", str, None))

    def cues(self) -> tuple[str, ...]:
        return (self.cue,) if self.cue else ()

    def describe(self) -> str:
        return "verbal command before the first shot" + (f" after '{self.cue}'" if self.cue else "")

    def evaluate(self, log: SessionLog, weapon: str | None, scale: Scale) -> tuple[int | None, str]:
        since = 0.0
        if self.cue:
            cue = _first_cue(log, self.cue)
            if cue is None:
                return None, f"'{self.cue}' never happened"
            since = cue.t_s
        commands = [a.t_s for a in log.actions if a.action == "verbal-command"]
        commands += [r.t_s for r in log.said]  # a pack phrase recognized in the voice
        verbal = min((t for t in commands if t >= since), default=None)
        shot = next((s.t_s for s in _pulls(log, weapon) if s.fired and s.t_s >= since), None)
        if verbal is None and shot is None:
            return None, "no verbal command coded and no shot"
        if shot is None:
            return scale.high, f"verbal command at {verbal:.2f} s, no shot"
        if verbal is not None and verbal <= shot:
            return scale.high, f"verbal command at {verbal:.2f} s, first shot at {shot:.2f} s"
        return scale.low, f"first shot at {shot:.2f} s with no verbal command before it"


@dataclass(frozen=True)
class ShotsAfter(RuleBase):
    """Shots the trainee's weapon fired after a cue ("threat down": stopping when the
    threat stops), from the tick after the cue was first passed. `levels` gives the level
    for 0, 1, 2... shots, the last for any more (default: the highest for none, the lowest
    for any). The cue never passed: not observed."""

    kind: ClassVar[str] = "shots-after"
    cue: str
    levels: tuple[int, ...] = ()

    @classmethod
    def parse(cls, fields: FieldReader, scale: Scale) -> ShotsAfter:
        return cls(
            fields.get("cue", str), _int_list(fields, "levels", None) or (scale.high, scale.low)
        )

    def validate(self, scale: Scale, where: str) -> None:
        if not self.cue:
            raise RubricError(f"{where}.cue: names a cue of the pack")
        if len(self.levels) < 2:
            raise RubricError(f"{where}.levels: at least two levels (for none, and for one)")
        _check_levels(self.levels, scale, f"{where}.levels")

    def cues(self) -> tuple[str, ...]:
        return (self.cue,)

    def describe(self) -> str:
        return f"shots after '{self.cue}': " + ", ".join(map(str, self.levels))

    def evaluate(self, log: SessionLog, weapon: str | None, scale: Scale) -> tuple[int | None, str]:
        cue = _first_cue(log, self.cue)
        if cue is None:
            return None, f"'{self.cue}' never happened"
        after = [s for s in _pulls(log, weapon) if s.fired and s.tick > cue.tick]
        return _count_level(self.levels, len(after)), f"{len(after)} shot(s) after '{self.cue}'"


RULES: dict[str, type[RuleBase]] = {
    cls.kind: cls for cls in (Reaction, NoShootHits, VerbalBeforeShot, ShotsAfter)
}
RULE_KINDS = tuple(RULES)


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
