"""A rubric's automatic rules: the closed set of rule kinds (`RULES`: packs never carry
code) that score an item from a session's records, and the helpers they read the records
with.

Each kind is a frozen dataclass with `parse` (through content's field reader, as trigger
kinds do), `validate` against the scale, the `cues` it names (lint checks them) and
`evaluate` over the session's records (a `SessionLog`) for one weapon: (level or None,
comment). The items and the `Rubric` that use them are in sim/rubric.py. Must not import
outside the standard library and sim; never reads a clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from sim.events import ACTIONS
from sim.records import SessionLog
from sim.rubric_scale import RubricError, Scale

NUM = (int, float)
_MISSING: Any = object()
MAX_THRESHOLDS = 99


class FieldReader(Protocol):
    """Typed access to one table of a pack (content/pack_manifest.py's _Fields)."""

    def get(self, key: str, kind: type | tuple, default: Any = _MISSING) -> Any: ...

    def choice(self, key: str, options: tuple, default: Any = _MISSING) -> Any: ...


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
            raise RuleFieldError(
                "levels_s", f"expected a list of 1 to {MAX_THRESHOLDS} finite numbers"
            )
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
