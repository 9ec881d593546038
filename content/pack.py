"""Loading a scenario pack: `scenario.toml` plus media, into a validated sim.Scenario.

Every problem becomes one PackError whose message names the file, the line where it can be
found and the key path; nothing in a pack runs, media and guidebook paths may not leave the
pack (symlinks included), and every count and size is bounded. The format is described in
docs/scenario-format.md.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from content._locate import locate
from content.media import (
    SOUND_SUFFIXES,
    VIDEO_SUFFIXES,
    MediaError,
    MediaInfo,
    probe_media,
    probe_sound,
)
from content.policies import MAX_REFS as MAX_POLICY_REFS
from content.policies import check_ref as check_policy_ref
from sim.community import PROMPT, Choice, Question
from sim.errors import UserError
from sim.events import STRESS_EFFECTS, WEAPON_KINDS
from sim.files import FileProblem, read_bounded
from sim.hit_zones import ROLES, Zone
from sim.rubric import MAX_ITEMS as MAX_RUBRIC_ITEMS
from sim.rubric import (
    RULE_KINDS,
    RULES,
    Band,
    Rubric,
    RubricError,
    RubricItem,
    RuleFieldError,
    Scale,
)
from sim.scenario import (
    Cue,
    Effect,
    Scenario,
    ScenarioError,
    Segment,
    SoundCue,
    Transition,
    View,
)
from sim.sounds import BUILTIN_SOUNDS, BUSES, DEFAULT_LEVELS, DEFAULT_REPORTS, LEVELS, SoundDef
from sim.triggers import TRIGGER_KINDS, TRIGGERS

MANIFEST = "scenario.toml"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_KEY_PARTS = 64  # dotted parts of a key or table header (bounded before parsing)
MAX_GUIDEBOOK_BYTES = 256 * 1024
MAX_SEGMENTS = 500
MAX_TRANSITIONS = 32
MAX_ZONES = 64
MAX_CUES = 64
MAX_SOUNDS = 64  # a pack's own sounds
MAX_SEGMENT_SOUNDS = 64
MAX_VIEWS = 4  # alternate-view clips of one segment
MAX_LIST = 2000
MAX_VERTICES = 64
MAX_TEXT = 2000
MAX_POINTS = 1000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

CATEGORIES = (
    "use-of-force",
    "de-escalation",
    "duty-to-intervene",
    "bias-free-policing",
    "active-threat",
    "marksmanship",
)
DIFFICULTIES = ("basic", "intermediate", "advanced")
LIGHT = ("day", "night", "low-light")
SETTINGS = ("indoor", "outdoor")
SUBJECT_KEYS = ("role", "age_band", "gender", "race_ethnicity")


class PackError(UserError, ValueError):
    """A broken pack; str() is one line naming the file, line and key path."""


@dataclass(frozen=True)
class Subject:
    """A person in the scenario as the author describes them (perceived attributes)."""

    role: str = ""
    age_band: str = ""
    gender: str = ""
    race_ethnicity: str = ""


@dataclass(frozen=True)
class PackMeta:
    summary: str = ""
    category: str = ""
    difficulty: str = ""
    duration_s: float | None = None
    light: str = ""
    setting: str = ""
    place: str = ""
    objectives: tuple[str, ...] = ()
    policy_refs: tuple[str, ...] = ()
    subjects: tuple[Subject, ...] = ()
    guidebook: str | None = None  # path inside the pack
    extension: str | None = None  # the scene extension it asks for (installed code, by name)


@dataclass(frozen=True)
class Pack:
    root: Path
    scenario: Scenario
    media: dict[str, MediaInfo]  # by clip path as written in the manifest
    meta: PackMeta = field(default_factory=PackMeta)
    media_problems: tuple[str, ...] = ()  # filled only when loading with collect_media
    problems: tuple[str, ...] = ()  # every problem found, filled only when loading with collect
    manifest_text: str = ""  # the manifest as read (or as given: a draft, see load_pack)
    manifest: str = MANIFEST  # the file it was loaded from (a course: course.toml)
    course: Any = None  # a course of fire compiled into this pack (sim.course.Course)

    @property
    def title(self) -> str:
        return self.scenario.title

    def clip_path(self, clip: str) -> Path:
        return self.root / clip

    def guidebook_text(self) -> str | None:
        if self.meta.guidebook is None:
            return None
        return (self.root / self.meta.guidebook).read_text(encoding="utf-8")


class _Doc:
    """Typed access to the parsed manifest; every error names file, line and key path.

    When `problems` is a list (load_pack(collect=True), for lint), a bad optional value is
    recorded there and its default used, and `attempt` records an item's error and skips
    the item, so that one pass finds every problem; otherwise the first one raises."""

    problems: list[str] | None = None

    def __init__(self, file: Path, text: str):
        self.file = file
        self.text = text

    def fail(self, where: str, msg: str) -> PackError:
        line = locate(self.text, where) if where else None
        place = f"{self.file}:{line}" if line else str(self.file)
        return PackError(f"{place}: {where}: {msg}" if where else f"{place}: {msg}")

    def attempt(self, fn: Any, *args: Any, fallback: Any = None) -> Any:
        """fn(*args); when collecting, its PackError is recorded and `fallback` returned."""
        if self.problems is None:
            return fn(*args)
        try:
            return fn(*args)
        except PackError as exc:
            self.problems.append(str(exc))
            return fallback

    def get(self, table: dict, key: str, where: str, kind: type | tuple, default: Any = ...):
        path = f"{where}.{key}" if where else key
        if key not in table:
            if default is ...:
                raise self.fail(path, "missing")
            return default
        value = table[key]
        problem = None
        if isinstance(value, bool) and kind is not bool:
            problem = f"expected {_kind_name(kind)}, got a boolean"
        elif not isinstance(value, kind):
            problem = f"expected {_kind_name(kind)}, got {type(value).__name__}"
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            problem = f"text is over {MAX_TEXT} characters"
        elif isinstance(value, list) and len(value) > MAX_LIST:
            problem = f"list is over {MAX_LIST} entries"
        elif isinstance(value, float) and not math.isfinite(value):
            problem = "must be finite"
        if problem is not None:
            if self.problems is None or default is ...:
                raise self.fail(path, problem)
            self.problems.append(str(self.fail(path, problem)))
            return default
        if kind == NUM:
            value = float(value)
        return value

    def choice(self, table: dict, key: str, where: str, options: tuple, default: Any = ...):
        value = self.get(table, key, where, str, default)
        if value is not default and value not in options:
            err = self.fail(
                f"{where}.{key}" if where else key, f"{value!r} is not one of {', '.join(options)}"
            )
            if self.problems is None or default is ...:
                raise err
            self.problems.append(str(err))
            return default
        return value

    def strings(self, table: dict, key: str, where: str) -> tuple[str, ...]:
        items = self.get(table, key, where, list, [])
        for i, item in enumerate(items):
            if not isinstance(item, str) or len(item) > MAX_TEXT:
                raise self.fail(f"{where}.{key}[{i}]", "expected a short string")
        return tuple(items)


NUM = (int, float)


def _kind_name(kind: type | tuple) -> str:
    names = {
        str: "a string",
        bool: "true or false",
        dict: "a table",
        list: "a list",
        int: "an integer",
        float: "a number",
    }
    if isinstance(kind, tuple):
        return "a number" if set(kind) == {int, float} else " or ".join(map(_kind_name, kind))
    return names.get(kind, kind.__name__)


def read_manifest(root: str | Path, text: str | None = None) -> tuple[_Doc, dict]:
    """Read and parse a pack's manifest, bounded; PackError on any problem. `text`, when
    given, stands for the file's contents (an unsaved draft), bounded the same way."""
    root = Path(root)
    manifest = root / MANIFEST
    if not root.is_dir():
        raise PackError(f"{root}: not a scenario pack folder")
    if text is None:
        raw = _manifest_bytes(root, manifest)
    else:
        raw = text.encode("utf-8", "surrogatepass")
        if len(raw) > MAX_MANIFEST_BYTES:
            raise PackError(f"{manifest}: over the {MAX_MANIFEST_BYTES} bytes limit")
    try:
        text = raw.decode("utf-8")
        _check_nesting(manifest, text)
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise PackError(f"{manifest}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        place = f"{manifest}:{line}" if line else str(manifest)
        raise PackError(f"{place}: TOML syntax: {exc}") from None
    except RecursionError:
        raise PackError(f"{manifest}: nested too deeply") from None
    return _Doc(manifest, text), data


def _manifest_bytes(root: Path, manifest: Path) -> bytes:
    """The manifest's bytes: a regular file inside the pack, at most MAX_MANIFEST_BYTES,
    never blocking (a link to /dev/zero was read without end, a FIFO blocked forever, a
    folder was a traceback)."""
    try:
        inside = manifest.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):
        inside = False  # a loop of links, a NUL in the name: open_regular names it below
    if not inside and manifest.is_symlink():
        raise PackError(f"{manifest}: a link that leads outside the pack")
    try:
        return read_bounded(manifest, MAX_MANIFEST_BYTES)
    except FileProblem as exc:
        if str(exc) == "no such file":
            raise PackError(f"{manifest}: missing (a pack folder needs a {MANIFEST})") from None
        if str(exc).startswith("over "):
            raise PackError(f"{manifest}: over the {MAX_MANIFEST_BYTES} bytes limit") from None
        raise PackError(f"{manifest}: cannot read ({exc})") from None


_NUMBER_DOT = re.compile(r"\d\.\d")


def _check_nesting(manifest: Path, text: str) -> None:
    """Refuse keys and table headers of more than MAX_KEY_PARTS dotted parts before
    parsing: tomllib takes quadratic time in them (50,000 parts: 10 s; a megabyte of them
    would hang it). Counts the dots of every line that could hold a key (a [header] or a
    line with '=', inline tables included), quoted ones too: real manifests use a handful,
    and a prose line in a multi-line string is counted only if it has an '='."""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("[") and "=" not in line:
            continue
        if _NUMBER_DOT.sub("", line).count(".") > MAX_KEY_PARTS:  # 0.5: not a key's dot
            raise PackError(
                f"{manifest}:{lineno}: a key of more than {MAX_KEY_PARTS} dotted parts "
                f"(nested too deeply)"
            )


def load_pack(
    root: str | Path,
    probe: bool = True,
    collect_media: bool = False,
    collect: bool = False,
    text: str | None = None,
) -> Pack:
    """Load and validate a pack folder.

    probe=False checks media files exist but does not open them (then `out` must be given).
    collect_media=True records missing or undecodable media in `Pack.media_problems`
    instead of raising, so a linter can report them all. collect=True (lint) goes further:
    every problem it can get past is recorded in `Pack.problems` (media included) and the
    item it is in skipped; only a manifest that cannot be read, a wrong format_version or
    no segments at all still raise. `text` is a manifest to load in place of the pack's
    file, with the pack's media (Studio lints its unsaved drafts so)."""
    root = Path(root)
    if not root.exists():  # before read_manifest's "not a scenario pack folder"
        raise PackError(f"{root}: does not exist (so not a scenario pack folder)")
    doc, data = read_manifest(root, text)
    collect_media = collect_media or collect
    if collect:
        doc.problems = []
    if "format_version" not in data:
        raise doc.fail(
            "format_version",
            f"missing: a pack's scenario.toml starts with format_version = {FORMAT_VERSION} "
            "(the format is described in docs/scenario-format.md)",
        )
    version = doc.get(data, "format_version", "", int)
    if version != FORMAT_VERSION:
        raise doc.fail(
            "format_version",
            f"this Sightline reads version {FORMAT_VERSION}, the pack is version {version}",
        )
    title = doc.attempt(doc.get, data, "title", "", str, fallback="")
    start = doc.attempt(doc.get, data, "start", "", str, fallback="")
    meta = doc.attempt(
        lambda: _meta(doc, root, doc.get(data, "meta", "", dict, {})), fallback=PackMeta()
    )
    segs_table = doc.get(data, "segments", "", dict)
    if not segs_table:
        raise doc.fail("segments", "a pack needs at least one segment")
    if len(segs_table) > MAX_SEGMENTS:
        raise doc.fail("segments", f"{len(segs_table)} segments, over {MAX_SEGMENTS}")
    loader = _SegmentLoader(doc, root, probe, collect_media)
    segments: dict[str, Segment] = {}
    for seg_id, table in segs_table.items():
        where = f"segments.{seg_id}"
        if not _ID.match(seg_id):
            doc.attempt(_raise, doc.fail(where, "segment ids are 1-64 letters, digits, '_' or '-'"))
            continue
        if not isinstance(table, dict):
            doc.attempt(_raise, doc.fail(where, "expected a table"))
            continue
        seg = doc.attempt(loader.segment, seg_id, table, where)
        if seg is not None:
            segments[seg_id] = seg
    if not segments:  # collecting, and no segment could be read: reported above
        raise PackError(doc.problems[0] if doc.problems else f"{doc.file}: no segments")
    sounds, levels, reports = doc.attempt(
        _audio,
        doc,
        root,
        data,
        probe,
        fallback=(dict(BUILTIN_SOUNDS), dict(DEFAULT_LEVELS), dict(DEFAULT_REPORTS)),
    )
    rubric = doc.attempt(_rubric, doc, data)
    if collect and not start:  # reported as missing; go on from the first segment
        start = next(iter(segments))
    scenario = Scenario(
        title=title,
        start=start,
        segments=segments,
        sounds=sounds,
        levels=levels,
        reports=reports,
        rubric=rubric,
    )
    if collect:
        scenario = _validate_collecting(doc, scenario)
    else:
        try:
            scenario.validate()
        except ScenarioError as exc:
            where, _, msg = str(exc).partition(": ")
            raise doc.fail(where, msg) from None
    problems = tuple(doc.problems or ()) + tuple(loader.problems)
    return Pack(root, scenario, loader.media, meta, tuple(loader.problems), problems, doc.text)


def _raise(exc: Exception) -> None:
    raise exc


_ITEM = re.compile(r"^segments\.([^.\[:]+)\.(transitions|cues|sounds)\[(\d+)\]")


def _validate_collecting(doc: _Doc, scenario: Scenario) -> Scenario:
    """Scenario.validate() stops at the first problem; to find them all, record it, take
    out the transition, cue or sound it names and validate again (at most once per item).
    Later messages are given the items' indices as written in the manifest."""
    problems = doc.problems if doc.problems is not None else []
    kept = {  # (segment, field) -> the manifest index of each item still in it
        (seg.id, name): list(range(len(getattr(seg, name))))
        for seg in scenario.segments.values()
        for name in ("transitions", "cues", "sounds")
    }
    budget = sum(len(v) for v in kept.values()) + 2
    while budget > 0:
        budget -= 1
        try:
            scenario.validate()
            return scenario
        except ScenarioError as exc:
            text = str(exc)
        m = _ITEM.match(text)
        if m:
            seg_id, name, i = m.group(1), m.group(2), int(m.group(3))
            index = kept[(seg_id, name)]
            seg = scenario.segments[seg_id]
            items = getattr(seg, name)
            text = re.sub(
                rf"\b{name}\[(\d+)\]",
                lambda n, name=name, index=index: f"{name}[{index[int(n.group(1))]}]",
                text,
            )
            if text.startswith(f"segments.{seg_id}.transitions[{index[i]}].to:"):
                # keep it (its key stays taken), leading nowhere new: back to itself
                items = (*items[:i], replace(items[i], to=seg_id), *items[i + 1 :])
            else:
                del index[i]
                items = items[:i] + items[i + 1 :]
            seg = replace(seg, **{name: items})
            scenario = replace(scenario, segments={**scenario.segments, seg_id: seg})
        elif text.startswith("start:"):  # go on from the first segment
            scenario = replace(scenario, start=next(iter(scenario.segments)))
        else:
            budget = 0
        where, _, msg = text.partition(": ")
        problems.append(str(doc.fail(where, msg)))
    return scenario


def _inside(doc: _Doc, root: Path, rel_text: str, where: str, suffixes: tuple) -> Path:
    if "\0" in rel_text:  # os calls raise ValueError on it, not OSError
        raise doc.fail(where, "a NUL character in a path")
    rel = Path(rel_text)
    if rel.is_absolute() or ".." in rel.parts or rel_text.startswith("~"):
        raise doc.fail(where, f"{rel_text!r} must be a path inside the pack")
    if rel.suffix.lower() not in suffixes:
        raise doc.fail(where, f"{rel_text!r} must end in {', '.join(suffixes)}")
    try:
        resolved = (root / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        raise doc.fail(where, f"{rel_text!r}: file not found in the pack") from None
    if not resolved.is_relative_to(root.resolve()):
        raise doc.fail(where, f"{rel_text!r} leads outside the pack")
    if not resolved.is_file():
        raise doc.fail(where, f"{rel_text!r} is not a file")
    return resolved


def _meta(doc: _Doc, root: Path, table: dict) -> PackMeta:
    w = "meta"
    env = doc.get(table, "environment", w, dict, {})
    subjects = []
    for i, s in enumerate(doc.get(table, "subjects", w, list, [])):
        sw = f"meta.subjects[{i}]"
        if not isinstance(s, dict):
            raise doc.fail(sw, "expected a table")
        unknown = set(s) - set(SUBJECT_KEYS)
        if unknown:
            raise doc.fail(
                sw, f"unknown key {sorted(unknown)[0]!r} (expected {', '.join(SUBJECT_KEYS)})"
            )
        subjects.append(Subject(**{k: doc.get(s, k, sw, str, "") for k in SUBJECT_KEYS}))
    guidebook = doc.get(table, "guidebook", w, str, None)
    if guidebook is not None:
        path = _inside(doc, root, guidebook, "meta.guidebook", (".md",))
        if path.stat().st_size > MAX_GUIDEBOOK_BYTES:
            raise doc.fail("meta.guidebook", f"over {MAX_GUIDEBOOK_BYTES} bytes")
    duration = doc.get(table, "duration_s", w, NUM, None)
    return PackMeta(
        summary=doc.get(table, "summary", w, str, ""),
        category=doc.choice(table, "category", w, CATEGORIES, ""),
        difficulty=doc.choice(table, "difficulty", w, DIFFICULTIES, ""),
        duration_s=duration,
        light=doc.choice(env, "light", "meta.environment", LIGHT, ""),
        setting=doc.choice(env, "setting", "meta.environment", SETTINGS, ""),
        place=doc.get(env, "place", "meta.environment", str, ""),
        objectives=doc.strings(table, "objectives", w),
        policy_refs=doc.strings(table, "policy_refs", w),
        subjects=tuple(subjects),
        guidebook=guidebook,
        extension=_extension(doc, table),
    )


def _audio(
    doc: _Doc, root: Path, data: dict, probe: bool
) -> tuple[dict[str, SoundDef], dict[str, int], dict[str, str]]:
    """The pack's own sounds (`[sounds.NAME]`), and `[audio]`: starting levels and the
    report of each weapon kind."""
    table = doc.get(data, "sounds", "", dict, {})
    if len(table) > MAX_SOUNDS:
        raise doc.fail("sounds", f"{len(table)} sounds, over {MAX_SOUNDS}")
    sounds = dict(BUILTIN_SOUNDS)
    for name, spec in table.items():
        sound = doc.attempt(_sound_def, doc, root, name, spec, probe)
        if sound is not None:
            sounds[name] = sound
    audio = doc.get(data, "audio", "", dict, {})
    unknown = set(audio) - {*LEVELS, "reports"}
    if unknown:
        raise doc.fail(
            "audio", f"unknown key {sorted(unknown)[0]!r} (expected {', '.join(LEVELS)}, reports)"
        )
    levels = dict(DEFAULT_LEVELS)
    for control in LEVELS:
        pct = doc.get(audio, control, "audio", int, levels[control])
        if isinstance(pct, bool) or not 0 <= pct <= 100:
            raise doc.fail(f"audio.{control}", "a level is a whole percent, 0-100")
        levels[control] = pct
    reports = dict(DEFAULT_REPORTS)
    rtable = doc.get(audio, "reports", "audio", dict, {})
    for kind, name in rtable.items():
        if kind not in WEAPON_KINDS:
            raise doc.fail(f"audio.reports.{kind}", f"must be one of {', '.join(WEAPON_KINDS)}")
        if not isinstance(name, str) or name not in sounds:
            raise doc.fail(f"audio.reports.{kind}", f"no sound named {name!r}")
        reports[kind] = name
    return sounds, levels, reports


def _sound_def(doc: _Doc, root: Path, name: str, spec: object, probe: bool) -> SoundDef:
    w = f"sounds.{name}"
    if not _ID.match(name) or len(name) > 32:
        raise doc.fail(w, "sound names are 1-32 letters, digits, '_' or '-'")
    if not isinstance(spec, dict):
        raise doc.fail(w, "expected a table with file, and optionally bus and label")
    unknown = set(spec) - {"file", "bus", "label"}
    if unknown:
        raise doc.fail(w, f"unknown key {sorted(unknown)[0]!r} (expected file, bus, label)")
    rel = doc.get(spec, "file", w, str)
    path = _inside(doc, root, rel, f"{w}.file", SOUND_SUFFIXES)
    if probe:
        try:
            probe_sound(path)
        except MediaError as exc:
            raise doc.fail(f"{w}.file", str(exc)) from None
    return SoundDef(
        name,
        doc.choice(spec, "bus", w, BUSES[1:], "distractor"),
        doc.get(spec, "label", w, str, name),
        rel,
    )


RUBRIC_KEYS = ("scale", "bands", "names", "comment_required", "pass_level", "items")
ITEM_KEYS = ("id", "label", "anchors", "rule", "weight", "critical", "policy")
QUESTION_KEYS = ("prompt", "at", "choices", "points", "policy", "discuss", "ask")
_LEVEL_KEY = re.compile(r"^-?[0-9]{1,3}$")


def _rubric_checked(doc: _Doc, fn: Any, *args: Any) -> Any:
    """fn(*args) with a RubricError (which starts with its key path) as a located
    PackError."""
    try:
        return fn(*args)
    except RubricError as exc:
        where, _, msg = str(exc).partition(": ")
        raise doc.fail(where, msg) from None


def _unknown_keys(doc: _Doc, table: dict, where: str, allowed: tuple) -> None:
    unknown = set(table) - set(allowed)
    if unknown:
        raise doc.fail(where, f"unknown key {sorted(unknown)[0]!r} (expected {', '.join(allowed)})")


def _level_table(doc: _Doc, table: dict, where: str) -> dict[int, str]:
    """{1 = "text", 7 = "text"}: levels (TOML keys are text) to short text."""
    out = {}
    for key in table:
        if not _LEVEL_KEY.match(key):
            raise doc.fail(f"{where}.{key}", "keys are levels of the scale (1, 2, ... 7)")
        out[int(key)] = doc.get(table, key, where, str)
    return out


def _whole_levels(doc: _Doc, table: dict, key: str, where: str) -> list[int] | None:
    raw = doc.get(table, key, where, list, None)
    if raw is not None and not all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        raise doc.fail(f"{where}.{key}", "expected a list of whole levels")
    return raw


def _scale(doc: _Doc, table: dict) -> Scale:
    w = "rubric"
    span = _whole_levels(doc, table, "scale", w) or [1, 7]
    if len(span) != 2:
        raise doc.fail("rubric.scale", "expected [lowest, highest], e.g. [1, 7]")
    bands = []
    for i, raw in enumerate(doc.get(table, "bands", w, list, [])):
        bw = f"rubric.bands[{i}]"
        if not isinstance(raw, dict):
            raise doc.fail(bw, "expected a table with name, from, to and acceptable")
        _unknown_keys(doc, raw, bw, ("name", "from", "to", "acceptable"))
        bands.append(
            Band(
                doc.get(raw, "name", bw, str),
                doc.get(raw, "from", bw, int),
                doc.get(raw, "to", bw, int),
                doc.get(raw, "acceptable", bw, bool, True),
            )
        )
    required = _whole_levels(doc, table, "comment_required", w)
    scale = Scale(
        span[0],
        span[1],
        tuple(bands),
        _level_table(doc, doc.get(table, "names", w, dict, {}), "rubric.names"),
        None if required is None else frozenset(required),
    )
    _rubric_checked(doc, scale.validate)
    return scale


def _rubric_item(doc: _Doc, raw: object, where: str, scale: Scale) -> RubricItem:
    if not isinstance(raw, dict):
        raise doc.fail(where, "expected a table with id, label and anchors")
    _unknown_keys(doc, raw, where, ITEM_KEYS)
    item_id = doc.get(raw, "id", where, str)
    if not _ID.match(item_id):
        raise doc.fail(f"{where}.id", "item ids are 1-64 letters, digits, '_' or '-'")
    rule = None
    rule_table = doc.get(raw, "rule", where, dict, None)
    if rule_table is not None:
        rw = f"{where}.rule"
        kind = RULES.get(doc.choice(rule_table, "kind", rw, RULE_KINDS))
        allowed = ("kind", *(f.name for f in dataclasses.fields(kind)))
        _unknown_keys(doc, rule_table, rw, allowed)
        try:
            rule = kind.parse(_Fields(doc, rule_table, rw), scale)
        except RuleFieldError as exc:  # a parameter of the wrong shape
            raise doc.fail(f"{rw}.{exc.key}", exc.msg) from None
    weight = doc.get(raw, "weight", where, NUM, 1.0)
    item = RubricItem(
        item_id,
        doc.get(raw, "label", where, str),
        _level_table(doc, doc.get(raw, "anchors", where, dict, {}), f"{where}.anchors"),
        rule,
        weight,
        doc.get(raw, "critical", where, bool, False),
        _policy_links(doc, raw, where),
    )
    _rubric_checked(doc, item.validate, scale, where)
    return item


def _policy_links(doc: _Doc, raw: dict, where: str) -> tuple[str, ...]:
    """`policy = ["use-of-force#3.2"]`: links into the policy library, checked for their
    shape here; whether they resolve depends on the library, so lint checks that when it
    is given one (content/policies.py)."""
    refs = doc.strings(raw, "policy", where)
    if len(refs) > MAX_POLICY_REFS:
        raise doc.fail(f"{where}.policy", f"over {MAX_POLICY_REFS} links")
    for i, ref in enumerate(refs):
        problem = check_policy_ref(ref)
        if problem:
            raise doc.fail(f"{where}.policy[{i}]", problem)
    return refs


def _rubric(doc: _Doc, data: dict) -> Rubric | None:
    """`[rubric]` (the scale, bands, proficiency names, levels needing a comment, the pass
    level) and `[[rubric.items]]`; None when the pack has none. Each item is checked
    against the scale here, so lint reports every bad item and keeps the good ones."""
    table = doc.get(data, "rubric", "", dict, None)
    if table is None:
        return None
    _unknown_keys(doc, table, "rubric", RUBRIC_KEYS)
    scale = _scale(doc, table)
    raw_items = doc.get(table, "items", "rubric", list, [])
    if not raw_items:
        raise doc.fail("rubric.items", "a rubric needs at least one item ([[rubric.items]])")
    if len(raw_items) > MAX_RUBRIC_ITEMS:
        raise doc.fail("rubric.items", f"{len(raw_items)} items, over {MAX_RUBRIC_ITEMS}")
    items: list[RubricItem] = []
    first: dict[str, int] = {}
    for i, raw in enumerate(raw_items):
        where = f"rubric.items[{i}]"
        item = doc.attempt(_rubric_item, doc, raw, where, scale)
        if item is None:
            continue
        if item.id in first:
            doc.attempt(
                _raise,
                doc.fail(
                    f"{where}.id", f"{item.id!r} is already the id of items[{first[item.id]}]"
                ),
            )
            continue
        first[item.id] = i
        items.append(item)
    pass_level = doc.get(table, "pass_level", "rubric", int, None)
    rubric = Rubric(tuple(items), scale, pass_level)
    _rubric_checked(doc, rubric.validate)
    return rubric


def _extension(doc: _Doc, table: dict) -> str | None:
    name = doc.get(table, "extension", "meta", str, None)
    if name is not None and not _ID.match(name):
        raise doc.fail("meta.extension", "an extension name is 1-64 letters, digits, '_' or '-'")
    return name


@dataclass(frozen=True)
class _Fields:
    """One table of the manifest, read by a trigger kind's `parse` (sim.triggers)."""

    doc: _Doc
    table: dict
    where: str

    def get(self, key: str, kind: type | tuple, default: Any = ...) -> Any:
        return self.doc.get(self.table, key, self.where, kind, default)

    def choice(self, key: str, options: tuple, default: Any = ...) -> Any:
        return self.doc.choice(self.table, key, self.where, options, default)


class _SegmentLoader:
    def __init__(self, doc: _Doc, root: Path, probe: bool, collect_media: bool):
        self.doc, self.root, self.probe, self.collect = doc, root, probe, collect_media
        self.media: dict[str, MediaInfo] = {}
        self.problems: list[str] = []
        self._checked: set[str] = set()

    def segment(self, seg_id: str, table: dict, where: str) -> Segment:
        doc = self.doc
        clip = doc.get(table, "clip", where, str)
        info = self._media(clip, f"{where}.clip")
        in_s = doc.get(table, "in", where, NUM, 0.0)
        if info is not None:
            out_s = doc.get(table, "out", where, NUM, info.duration_s)
            if out_s > info.duration_s + 0.05:
                raise doc.fail(
                    f"{where}.out", f"{out_s} s is past the clip's end ({info.duration_s:.3f} s)"
                )
        elif self.collect:
            # The clip is reported; without it the segment's end is unknown, so nothing is
            # checked against it (math.inf) rather than against a made-up end.
            out_s = doc.get(table, "out", where, NUM, math.inf)
        else:
            out_s = doc.get(table, "out", where, NUM)
        if not 0.0 <= in_s < out_s:
            raise doc.fail(where, f"needs 0 <= in < out, got in={in_s} out={out_s}")
        each = self._each
        transitions = doc.get(table, "transitions", where, list, [])
        if len(transitions) > MAX_TRANSITIONS:
            raise doc.fail(f"{where}.transitions", f"over {MAX_TRANSITIONS} transitions")
        zones = doc.get(table, "zones", where, list, [])
        if len(zones) > MAX_ZONES:
            raise doc.fail(f"{where}.zones", f"over {MAX_ZONES} zones")
        cues = doc.get(table, "cues", where, list, [])
        if len(cues) > MAX_CUES:
            raise doc.fail(f"{where}.cues", f"over {MAX_CUES} cues")
        sounds = doc.get(table, "sounds", where, list, [])
        if len(sounds) > MAX_SEGMENT_SOUNDS:
            raise doc.fail(f"{where}.sounds", f"over {MAX_SEGMENT_SOUNDS} sounds")
        trs = each(self.transition, transitions, f"{where}.transitions")
        effects = doc.get(table, "effects", where, list, [])
        if len(effects) > MAX_CUES:
            raise doc.fail(f"{where}.effects", f"over {MAX_CUES} effects")
        return Segment(
            id=seg_id,
            clip=clip,
            in_s=in_s,
            out_s=out_s,
            media_aspect=info.aspect if info else 16 / 9,
            loop=doc.get(table, "loop", where, bool, False),
            ending=doc.get(table, "ending", where, bool, False),
            transitions=trs,
            zones=each(lambda z, w: self.zone(z, w, in_s, out_s), zones, f"{where}.zones"),
            cues=each(self.cue, cues, f"{where}.cues"),
            sounds=each(self.sound, sounds, f"{where}.sounds"),
            question=self.question(table, f"{where}.question", trs),
            views=self.views(table, where),
            effects=each(self.effect, effects, f"{where}.effects"),
        )

    def _each(self, read: Any, items: list, where: str) -> tuple:
        """read(item, "where[i]") for each item; when collecting, one that fails is
        recorded and left out. Note that a transition left out this way can make its
        target look unreachable to lint."""
        out = (self.doc.attempt(read, item, f"{where}[{i}]") for i, item in enumerate(items))
        return tuple(x for x in out if x is not None)

    def _media(self, clip: str, where: str) -> MediaInfo | None:
        if clip in self.media or clip in self._checked:
            return self.media.get(clip)
        self._checked.add(clip)
        try:
            resolved = _inside(self.doc, self.root, clip, where, VIDEO_SUFFIXES)
            if not self.probe:
                return None
            info = probe_media(resolved)
        except PackError as exc:
            if self.collect and "must be a path inside" not in str(exc):
                self.problems.append(str(exc))
                return None
            raise
        except MediaError as exc:
            err = self.doc.fail(where, str(exc))
            if self.collect:
                self.problems.append(str(err))
                return None
            raise err from None
        self.media[clip] = info
        return info

    def transition(self, table: object, where: str) -> Transition:
        doc = self.doc
        if not isinstance(table, dict):
            raise doc.fail(where, "expected a table")
        on = doc.get(table, "on", where, str)
        to = doc.get(table, "to", where, str)
        kind = TRIGGERS.get(on)
        if kind is None:
            raise doc.fail(
                f"{where}.on", f"unknown trigger {on!r} (expected {', '.join(TRIGGER_KINDS)})"
            )
        return Transition(kind.parse(_Fields(doc, table, where)), to)

    def question(self, seg_table: dict, where: str, trs: tuple) -> Question | None:
        """`[segments.ID.question]`: what a community session asks the room here
        (sim/community.py); checked against the graph by Scenario.validate."""
        doc = self.doc
        table = doc.get(seg_table, "question", where.rsplit(".", 1)[0], dict, None)
        if table is None:
            return None
        _unknown_keys(doc, table, where, QUESTION_KEYS)
        raw = doc.get(table, "choices", where, list, [])
        choices = []
        for i, item in enumerate(raw):
            cw = f"{where}.choices[{i}]"
            if not isinstance(item, dict):
                raise doc.fail(cw, "expected a table with label and to")
            _unknown_keys(doc, item, cw, ("label", "to"))
            choices.append(Choice(doc.get(item, "label", cw, str), doc.get(item, "to", cw, str)))
        if not choices:  # the segment's key branches, with the pack's prompt and texts
            for tr in trs:
                if tr.trigger.kind == "key":
                    choices.append(Choice(tr.trigger.label or f"Branch {tr.trigger.key}", tr.to))
        points = doc.strings(table, "points", where) if "points" in table else None
        discuss = doc.strings(table, "discuss", where) if "discuss" in table else None
        return Question(
            tuple(choices),
            doc.get(table, "prompt", where, str, PROMPT),
            doc.get(table, "at", where, NUM, None),
            points,
            _policy_links(doc, table, where),
            discuss,
            doc.get(table, "ask", where, bool, True),
        )

    def views(self, seg_table: dict, seg_where: str) -> tuple[View, ...]:
        """`views = [{ label, clip, in }]`: the same moments from other cameras, each a
        video in the pack (checked like the segment's clip)."""
        doc, where = self.doc, f"{seg_where}.views"
        raw = doc.get(seg_table, "views", seg_where, list, [])
        if len(raw) > MAX_VIEWS:
            raise doc.fail(where, f"over {MAX_VIEWS} views")
        out = []
        for i, item in enumerate(raw):
            vw = f"{where}[{i}]"
            if not isinstance(item, dict):
                raise doc.fail(vw, "expected a table with label and clip")
            _unknown_keys(doc, item, vw, ("label", "clip", "in"))
            clip = doc.get(item, "clip", vw, str)
            self._media(clip, f"{vw}.clip")
            in_s = doc.get(item, "in", vw, NUM, 0.0)
            if in_s < 0:
                raise doc.fail(f"{vw}.in", "must be 0 or more")
            out.append(View(doc.get(item, "label", vw, str), clip, in_s))
        return tuple(out)

    def cue(self, table: object, where: str) -> Cue:
        if not isinstance(table, dict):
            raise self.doc.fail(where, "expected a table with name and t")
        return Cue(self.doc.get(table, "name", where, str), self.doc.get(table, "t", where, NUM))

    def sound(self, table: object, where: str) -> SoundCue:
        if not isinstance(table, dict):
            raise self.doc.fail(where, "expected a table with sound and t")
        return SoundCue(
            self.doc.get(table, "sound", where, str), self.doc.get(table, "t", where, NUM)
        )

    def effect(self, table: object, where: str) -> Effect:
        """A stress effect: device, at (media s) or cue, intensity (%), duration_ms. What
        the pack asks for; the local safety limit decides what the device does."""
        doc = self.doc
        if not isinstance(table, dict):
            raise doc.fail(where, "expected a table with device and at or cue")
        for key in table:
            if key not in ("device", "at", "cue", "intensity", "duration_ms"):
                raise doc.fail(f"{where}.{key}", "unknown key")
        at, cue = doc.get(table, "at", where, NUM, None), doc.get(table, "cue", where, str, None)
        if (at is None) == (cue is None):
            raise doc.fail(where, "give one of at (media s) or cue (a cue's name)")
        intensity = doc.get(table, "intensity", where, int, 50)
        duration = doc.get(table, "duration_ms", where, int, 200)
        if not (0 <= intensity <= 100 and 1 <= duration <= 10_000):
            raise doc.fail(where, "intensity is 0-100 (%), duration_ms 1-10000")
        return Effect(
            doc.choice(table, "device", where, STRESS_EFFECTS), intensity, duration, at, cue
        )

    def zone(self, table: object, where: str, in_s: float, out_s: float) -> Zone:
        doc = self.doc
        if not isinstance(table, dict):
            raise doc.fail(where, "expected a table")
        name = doc.get(table, "name", where, str)
        if not _ID.match(name):
            raise doc.fail(f"{where}.name", "zone names are 1-64 letters, digits, '_' or '-'")
        role = doc.choice(table, "role", where, ROLES)
        points = doc.get(table, "points", where, int, 0)
        if abs(points) > MAX_POINTS:
            raise doc.fail(f"{where}.points", f"must be within -{MAX_POINTS}..{MAX_POINTS}")
        if "polygon" in table:
            keys = [(in_s, self.polygon(table["polygon"], f"{where}.polygon"))]
        else:
            raw = doc.get(table, "keys", where, list)
            if not raw:
                raise doc.fail(f"{where}.keys", "needs at least one key")
            keys = []
            for i, key in enumerate(raw):
                kw = f"{where}.keys[{i}]"
                if not isinstance(key, dict):
                    raise doc.fail(kw, "expected a table with t and polygon")
                t = doc.get(key, "t", kw, NUM)
                if not in_s - 1e-6 <= t <= out_s + 1e-6:
                    raise doc.fail(f"{kw}.t", f"{t} s is outside the segment ({in_s}..{out_s})")
                if keys and t <= keys[-1][0]:
                    raise doc.fail(f"{kw}.t", "key times must increase")
                keys.append((t, self.polygon(key.get("polygon"), f"{kw}.polygon")))
            if len({len(p) for _, p in keys}) != 1:
                raise doc.fail(f"{where}.keys", "every key needs the same number of vertices")
        return Zone(name, role, tuple(keys), points)

    def polygon(self, raw: object, where: str) -> np.ndarray:
        if not isinstance(raw, list) or not 3 <= len(raw) <= MAX_VERTICES:
            raise self.doc.fail(where, f"expected a list of 3 to {MAX_VERTICES} [x, y] points")
        pts = []
        for i, p in enumerate(raw):
            ok = (
                isinstance(p, list)
                and len(p) == 2
                and all(isinstance(v, NUM) and not isinstance(v, bool) for v in p)
            )
            if not ok or not all(-0.5 <= v <= 1.5 for v in p):
                raise self.doc.fail(f"{where}[{i}]", "expected [x, y] normalized (0..1)")
            pts.append((float(p[0]), float(p[1])))
        return np.asarray(pts, dtype=np.float64)
