"""A study (content/studies/NAME/study.toml): its stimuli with their subject attributes and
whether the subject is armed, the factors to balance, practice and counted trials, the
inter-trial interval and the explain step; `lint_study` checks the balance; `make_plan`
is the seeded trial schedule of one run, in session seconds.

Timeline of a run (scenario.py writes it as one pack): each trial is its stimulus clip
(the segment `practice-01-of-02`, `trial-01-of-16`...), then the inter-trial clip
(`explain-trial-01-of-16`) where the trainee explains; segments follow one another at
clip end, and shots never branch, so the schedule does not depend on what the trainee
does and the plan is exact. The decision window runs from the moment the object can be
seen (`visible_s` into the clip) to the end of the stimulus clip.

Order: blocked random. Every block holds each stimulus once, shuffled with
random.Random(seed) (block b uses the seed and b), so any prefix of whole blocks is
balanced; give each trainee their own seed to counterbalance orders across trainees.
Practice trials are drawn from the stimuli with the same seed and are not analysed.

Must not import engine (the plan is computed without Panda3D).
"""

from __future__ import annotations

import itertools
import random
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import UserError
from sim.files import FileProblem, open_regular
from sim.hit_zones import Zone, media_to_screen

STUDY_FILE = "study.toml"
SCREEN_ASPECT = 16 / 9  # the trainee screen the plan's aim points are for (run --size 16:9)
MAX_STIMULI = 512
MAX_TRIALS = 2000
MAX_BYTES = 1 << 20
MAX_TEXT = 200


class StudyError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class Stimulus:
    id: str
    clip: str  # relative to the study folder
    duration_s: float  # the clip's length
    visible_s: float  # the object (pistol, phone, wallet) can be seen from here
    armed: bool
    object: str
    actor: str  # the subject actor (a random effect in the mixed model)
    attributes: dict[str, str]
    zone: Zone  # the subject's hit zone (role threat when armed, else no-shoot)

    def aim(self, media_aspect: float, screen_aspect: float = SCREEN_ASPECT) -> tuple[float, float]:
        """A point inside the subject's zone at the window's start, on the trainee screen."""
        poly = self.zone.polygon_at(self.visible_s)
        mx, my = float(poly[:, 0].mean()), float(poly[:, 1].mean())
        x, y = media_to_screen(mx, my, screen_aspect, media_aspect)
        return round(x, 4), round(y, 4)


@dataclass(frozen=True)
class Study:
    root: Path
    name: str
    title: str
    factors: tuple[str, ...]
    trials: int
    practice: int
    iti_clip: str
    iti_s: float
    media_size: tuple[int, int]
    reasons: tuple[str, ...]
    explain: str  # how the explain step is taken, for the station and the docs
    stimuli: tuple[Stimulus, ...]

    @property
    def media_aspect(self) -> float:
        return self.media_size[0] / self.media_size[1]


def _text(v: object, where: str) -> str:
    if not isinstance(v, str) or not 0 < len(v) <= MAX_TEXT:
        raise StudyError(f"{where}: must be text of 1 to {MAX_TEXT} characters")
    return v


def _num(v: object, where: str, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
        raise StudyError(f"{where}: must be a number from {lo} to {hi}")
    return float(v)


def _int(v: object, where: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise StudyError(f"{where}: must be a whole number from {lo} to {hi}")
    return v


def _clip(root: Path, v: object, where: str) -> str:
    """A clip path: a plain file inside the study folder, reached through no link."""
    rel = _text(v, where)
    here, inside = root.resolve(), root.resolve() / rel
    parts = [inside, *inside.parents[: len(Path(rel).parts) - 1]]
    if (
        here not in inside.resolve().parents
        or any(p.is_symlink() for p in parts)
        or not inside.is_file()
    ):
        raise StudyError(f"{where}: {rel} is not a plain file inside the study folder")
    return rel


MAX_KEYS = 2000
#: The keys a study file may hold, at its top, in each [[stimuli]] and in each zone key: any
#: other is refused, so that a misspelt optional key (`pratice = 10`) cannot quietly
#: leave its default in a study whose results a training manager will quote.
STUDY_KEYS = (
    "format_version",
    "title",
    "factors",
    "trials",
    "practice",
    "iti_clip",
    "iti_s",
    "media_size",
    "reasons",
    "explain",
    "stimuli",
)
STIMULUS_KEYS = (
    "id",
    "clip",
    "duration_s",
    "visible_s",
    "armed",
    "object",
    "actor",
    "attributes",
    "zone",
)
ZONE_KEY_KEYS = ("t", "polygon")


def _known_keys(table: dict, allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(str(k) for k in table if k not in allowed)
    if extra:
        raise StudyError(f"{where}.{extra[0]}: unknown key (expected {', '.join(allowed)})")


def _zone_keys(keys: object, where: str) -> tuple:
    """Zone keys {t, polygon}: times rising, each polygon the same 3-64 finite points."""
    if not isinstance(keys, list) or not 0 < len(keys) <= MAX_KEYS:
        raise StudyError(f"{where}: must list 1 to {MAX_KEYS} keys {{t, polygon}}")
    out = []
    for i, k in enumerate(keys):
        if isinstance(k, dict):
            _known_keys(k, ZONE_KEY_KEYS, f"{where}[{i}]")
    try:
        for k in keys:
            poly = np.array(k["polygon"], dtype=float)
            out.append((float(k["t"]), poly.reshape(-1, 2)))
    except (KeyError, TypeError, ValueError):
        raise StudyError(f"{where}: each key needs t and polygon [[x, y], ...]") from None
    shapes = {p.shape for _, p in out}
    times = [t for t, _ in out]
    if len(shapes) != 1 or not 3 <= out[0][1].shape[0] <= 64:
        raise StudyError(f"{where}: every polygon needs the same 3 to 64 points")
    if not all(np.isfinite(p).all() and np.abs(p).max() <= 4 for _, p in out):
        raise StudyError(f"{where}: polygon points are normalized (0-1) numbers")
    if times != sorted(times) or len(set(times)) != len(times):
        raise StudyError(f"{where}: key times must rise")
    return tuple(out)


def resolve_study(arg: str | Path) -> Path:
    """STUDY on the command line: a folder, its study.toml, or a bundled study's name."""
    p = Path(arg)
    if p.is_file() and p.name == STUDY_FILE:
        return p.parent
    if (p / STUDY_FILE).is_file():
        return p
    bundled = Path(__file__).resolve().parents[2] / "content" / "studies" / str(arg)
    if (bundled / STUDY_FILE).is_file():
        return bundled
    raise StudyError(f"{arg}: no {STUDY_FILE} there, and no bundled study of that name")


def load_study(arg: str | Path) -> Study:
    root = resolve_study(arg)
    path = root / STUDY_FILE
    try:
        with open_regular(path) as fh:
            raw = fh.read(MAX_BYTES + 1)
    except (FileProblem, OSError) as exc:
        raise StudyError(f"{path}: cannot read ({exc})") from None
    if len(raw) > MAX_BYTES:
        raise StudyError(f"{path}: over {MAX_BYTES} bytes")
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StudyError(f"{path}: {exc}") from None
    w = str(path)
    _known_keys(doc, STUDY_KEYS, w)
    if doc.get("format_version") != 1:
        raise StudyError(f"{w}: format_version must be 1")
    factors = doc.get("factors")
    if not isinstance(factors, list) or not factors or len(factors) > 8:
        raise StudyError(f"{w}: factors must list 1 to 8 attribute names")
    factors = tuple(_text(f, f"{w}: factors") for f in factors)
    reasons = tuple(_text(r, f"{w}: reasons") for r in doc.get("reasons", []))
    size = doc.get("media_size", [854, 480])
    if not (isinstance(size, list) and len(size) == 2):
        raise StudyError(f"{w}: media_size must be [width, height]")
    media_size = (
        _int(size[0], f"{w}: media_size", 16, 8192),
        _int(size[1], f"{w}: media_size", 16, 8192),
    )
    raw_stimuli = doc.get("stimuli")
    if not isinstance(raw_stimuli, list) or not 0 < len(raw_stimuli) <= MAX_STIMULI:
        raise StudyError(f"{w}: [[stimuli]] must list 1 to {MAX_STIMULI} stimuli")
    stimuli, seen = [], set()
    for i, s in enumerate(raw_stimuli):
        where = f"{w}: stimuli[{i}]"
        if not isinstance(s, dict):
            raise StudyError(f"{where}: must be a table")
        _known_keys(s, STIMULUS_KEYS, where)
        sid = _text(s.get("id"), f"{where}.id")
        if sid in seen:
            raise StudyError(f"{where}.id: {sid!r} twice")
        seen.add(sid)
        attrs = s.get("attributes")
        if not isinstance(attrs, dict) or not all(isinstance(v, str) for v in attrs.values()):
            raise StudyError(f"{where}.attributes: must be a table of text values")
        if not isinstance(s.get("armed"), bool):
            raise StudyError(f"{where}.armed: must be true or false")
        duration = _num(s.get("duration_s"), f"{where}.duration_s", 0.5, 60)
        visible = _num(s.get("visible_s"), f"{where}.visible_s", 0, duration)
        zk = _zone_keys(s.get("zone"), f"{where}.zone")
        role = "threat" if s["armed"] else "no-shoot"
        stimuli.append(
            Stimulus(
                id=sid,
                clip=_clip(root, s.get("clip"), f"{where}.clip"),
                duration_s=duration,
                visible_s=visible,
                armed=s["armed"],
                object=_text(
                    s.get("object", "pistol" if s["armed"] else "object"), f"{where}.object"
                ),
                actor=_text(s.get("actor", sid), f"{where}.actor"),
                attributes={str(k): v for k, v in attrs.items()},
                zone=Zone("subject", role, zk, 10 if s["armed"] else -100),
            )
        )
    return Study(
        root=root,
        name=root.name,
        title=_text(doc.get("title", root.name), f"{w}: title"),
        factors=factors,
        trials=_int(doc.get("trials"), f"{w}: trials", 1, MAX_TRIALS),
        practice=_int(doc.get("practice", 0), f"{w}: practice", 0, 100),
        iti_clip=_clip(root, doc.get("iti_clip"), f"{w}: iti_clip"),
        iti_s=_num(doc.get("iti_s"), f"{w}: iti_s", 0.1, 60),
        media_size=media_size,
        reasons=reasons,
        explain=_text(
            doc.get("explain", "typed, picked or spoken after each trial"), f"{w}: explain"
        ),
        stimuli=tuple(stimuli),
    )


# -- lint -----------------------------------------------------------------------------------


def cells(study: Study) -> dict[tuple[str, ...], dict[bool, int]]:
    """Stimuli per attribute combination (every combination of the levels seen), armed and
    unarmed counted apart."""
    levels = [sorted({s.attributes.get(f, "") for s in study.stimuli}) for f in study.factors]
    out = {combo: {True: 0, False: 0} for combo in itertools.product(*levels)}
    for s in study.stimuli:
        out[tuple(s.attributes.get(f, "") for f in study.factors)][s.armed] += 1
    return out


def lint_study(study: Study) -> list[str]:
    """Problems with the design, one line each; empty when balanced."""
    problems = []
    for s in study.stimuli:
        missing = [f for f in study.factors if f not in s.attributes]
        if missing:
            problems.append(f"stimulus {s.id}: no value for {', '.join(missing)}")
    table = cells(study)
    counts = set()
    for combo, n in table.items():
        name = ", ".join(f"{f}={v}" for f, v in zip(study.factors, combo, strict=True))
        for armed in (True, False):
            if n[armed] == 0:
                problems.append(f"missing cell: {name}, {'armed' if armed else 'unarmed'}")
        if n[True] != n[False] and n[True] and n[False]:
            problems.append(f"unbalanced cell: {name}: {n[True]} armed, {n[False]} unarmed")
        counts.add(n[True])
        counts.add(n[False])
    if len(counts - {0}) > 1:
        problems.append(
            "cells hold different numbers of stimuli: " + ", ".join(map(str, sorted(counts)))
        )
    if study.trials % len(study.stimuli):
        problems.append(
            f"trials = {study.trials} is not a whole number of blocks of the "
            f"{len(study.stimuli)} stimuli (each block shows every stimulus once)"
        )
    return problems


# -- plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    index: int  # 1-based among counted trials (practice: among practice trials)
    practice: bool
    stimulus: Stimulus
    start_s: float
    iti_start_s: float  # the explain step: the inter-trial clip
    of: int  # trials of its kind in the run: the station shows "trial-03-of-16"

    @property
    def segment(self) -> str:
        """The trial's segment id, which the instructor's station shows (the trainee's
        screen shows only the video): trial n of N, nothing about the condition."""
        return f"{'practice' if self.practice else 'trial'}-{self.index:02d}-of-{self.of:02d}"

    @property
    def iti_segment(self) -> str:
        return f"explain-{self.segment}"

    @property
    def window(self) -> tuple[float, float]:
        return (
            round(self.start_s + self.stimulus.visible_s, 4),
            round(self.start_s + self.stimulus.duration_s, 4),
        )

    def as_json(self, study: Study) -> dict:
        return {
            "index": self.index,
            "start": round(self.start_s, 4),
            "attributes": dict(self.stimulus.attributes),
            "armed": self.stimulus.armed,
            "window": list(self.window),
            "aim": list(self.stimulus.aim(study.media_aspect)),
        }


@dataclass(frozen=True)
class Plan:
    study: Study
    seed: int
    practice: tuple[Trial, ...]
    trials: tuple[Trial, ...]
    seconds: float

    def as_json(self) -> dict:
        return {
            "seconds": round(self.seconds, 4),
            "trials": [t.as_json(self.study) for t in self.trials],
            "practice": [t.as_json(self.study) for t in self.practice],
        }

    def trial_at(self, t_s: float) -> Trial | None:
        """The trial under way at session time t_s, or between trials the one just ended."""
        found = None
        for t in (*self.practice, *self.trials):
            if t.start_s <= t_s:
                found = t
        return found


def order(study: Study, seed: int) -> tuple[list[Stimulus], list[Stimulus]]:
    """(practice, counted) stimuli in their seeded blocked random order."""
    n = len(study.stimuli)
    blocks = -(-study.trials // n)
    counted: list[Stimulus] = []
    for b in range(blocks):
        block = list(study.stimuli)
        random.Random(f"{seed}:block:{b}").shuffle(block)
        counted += block
    practice = list(study.stimuli)
    random.Random(f"{seed}:practice").shuffle(practice)
    return (practice * (study.practice // n + 1))[: study.practice], counted[: study.trials]


def make_plan(study: Study, seed: int) -> Plan:
    practice_s, counted_s = order(study, seed)
    t = 0.0
    out: list[list[Trial]] = [[], []]
    for which, group in enumerate((practice_s, counted_s)):
        for i, s in enumerate(group, 1):
            out[which].append(Trial(i, which == 0, s, t, t + s.duration_s, len(group)))
            t += s.duration_s + study.iti_s
    return Plan(study, seed, tuple(out[0]), tuple(out[1]), t)
