"""A rubric's scale: the levels items are scored on, their named `Band`s, the proficiency
name of each level and the levels whose score needs a comment; and `RubricError`, which
every part of a rubric raises.

The rest of the rubric builds on this: the rule kinds (sim/rubric_rules.py), the items,
the `Rubric` and scoring a session (sim/rubric.py).
Must not import outside the standard library and sim; never reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.scenario import ScenarioError

MAX_SCALE = 100  # the highest level a scale may have

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
