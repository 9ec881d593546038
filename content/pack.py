"""Loading a scenario pack: `scenario.toml` plus media, into a validated sim.Scenario.

Every problem becomes one PackError whose message names the file, the line where it can be
found and the key path; nothing in a pack runs, media and guidebook paths may not leave the
pack (symlinks included), and every count and size is bounded. The format is described in
docs/scenario-format.md.

This module owns what a loaded pack is (`Pack`, `PackMeta`, `Subject` and the `[meta]`
vocabulary), `load_pack` (the order the tables are read in, and lint's collecting mode),
and the `[meta]` and `[panorama]` tables. Reading the manifest bounded, the limits, path
containment and typed access live in content/pack_manifest.py; the segments, rubric and
sounds tables in content/_pack_segments.py, content/_pack_rubric.py and
content/_pack_audio.py. Imports content and sim only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from content._pack_audio import _audio
from content._pack_rubric import _rubric
from content._pack_segments import _SegmentLoader
from content.media import MediaInfo
from content.pack_manifest import (
    _ID,
    FORMAT_VERSION,
    MANIFEST,
    MAX_GUIDEBOOK_BYTES,
    MAX_SEGMENTS,
    NUM,
    PackError,
    _Doc,
    _inside,
    _raise,
    _unknown_keys,
    read_manifest,
    tracked,
    unread_keys,
)
from sim.panorama import SINGLE_SCREEN_MODES, Panorama
from sim.scenario import Scenario, ScenarioError, Segment
from sim.sounds import BUILTIN_SOUNDS, DEFAULT_LEVELS, DEFAULT_REPORTS

# The pack's API. PackError and MANIFEST live in content/pack_manifest.py, with the limits
# and the safe reading that content/courses.py and the Studio share.
__all__ = [
    "CATEGORIES",
    "DIFFICULTIES",
    "LIGHT",
    "MANIFEST",
    "SETTINGS",
    "SUBJECT_KEYS",
    "Pack",
    "PackError",
    "PackMeta",
    "Subject",
    "load_pack",
]

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
    course: Any = None  # a course of fire compiled into this pack (sim.course_model.Course)
    unread: tuple[str, ...] = ()  # keys the loader never read (filled only when collecting)

    @property
    def title(self) -> str:
        return self.scenario.title

    def clip_path(self, clip: str) -> Path:
        return self.root / clip

    def guidebook_text(self) -> str | None:
        if self.meta.guidebook is None:
            return None
        # checked when the pack was loaded; a file changed since shows its bad bytes as �
        return (self.root / self.meta.guidebook).read_text(encoding="utf-8", errors="replace")


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
        data = tracked(data)  # which keys were read: lint warns about the rest
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
    panorama = doc.attempt(_panorama, doc, data)
    loader = _SegmentLoader(doc, root, probe, collect_media, panorama is not None)
    segments: dict[str, Segment] = {}
    dropped: set[str] = set()
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
        else:
            dropped.add(seg_id)  # its error is reported; references to it are not
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
        panorama=panorama,
    )
    if collect:
        scenario = _validate_collecting(doc, scenario, dropped)
    else:
        try:
            scenario.validate()
        except ScenarioError as exc:
            where, _, msg = str(exc).partition(": ")
            raise doc.fail(where, msg) from None
    problems = tuple(doc.problems or ()) + tuple(loader.problems)
    unread = tuple(unread_keys(data)) if collect else ()
    return Pack(
        root,
        scenario,
        loader.media,
        meta,
        tuple(loader.problems),
        problems,
        doc.text,
        unread=unread,
    )


_NO_SEGMENT = re.compile(r"no segment named '([^']*)'")
_ITEM = re.compile(r"^segments\.([^.\[:]+)\.(transitions|cues|sounds)\[(\d+)\]")


def _validate_collecting(doc: _Doc, scenario: Scenario, dropped: set[str]) -> Scenario:
    """Scenario.validate() stops at the first problem; to find them all, record it, take
    out the transition, cue or sound it names and validate again (at most once per item).
    Later messages are given the items' indices as written in the manifest. A reference
    to a segment in `dropped` (left out for an error of its own, already reported) is
    mended the same way but not reported: 'no segment named' was false there."""
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
        named = _NO_SEGMENT.search(msg)
        if named is None or named.group(1) not in dropped:
            problems.append(str(doc.fail(where, msg)))
    return scenario


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
        try:  # the instructor's view, the review and the community screen read it as text
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise doc.fail(
                "meta.guidebook", f"{guidebook}: not UTF-8 text (byte {exc.start})"
            ) from None
    duration = doc.get(table, "duration_s", w, NUM, None)
    if duration is not None and not 0 < duration <= 24 * 3600:
        raise doc.fail("meta.duration_s", "the session's length is 0 to 24 h, in seconds")
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


def _panorama(doc: _Doc, data: dict) -> Panorama | None:
    """`[panorama]`: the pack is authored for a theater (docs/theater.md)."""
    if "panorama" not in data:
        return None
    table = doc.get(data, "panorama", "", dict)
    _unknown_keys(doc, table, "panorama", ("degrees", "single_screen"))
    degrees = doc.get(table, "degrees", "panorama", NUM)
    if not 10 <= degrees <= 360:
        raise doc.fail("panorama.degrees", f"{degrees} is outside 10..360")
    mode = doc.choice(table, "single_screen", "panorama", SINGLE_SCREEN_MODES, "window")
    return Panorama(float(degrees), mode)


def _extension(doc: _Doc, table: dict) -> str | None:
    name = doc.get(table, "extension", "meta", str, None)
    if name is not None and not _ID.match(name):
        raise doc.fail("meta.extension", "an extension name is 1-64 letters, digits, '_' or '-'")
    return name
