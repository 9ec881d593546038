"""Course folders: `course.toml` (docs/courses.md) into a sim.course_model.Course, its lint, and
the Pack a course runs as.

A course is untrusted data like a pack: nothing in it runs, paths (backdrop, instruction
pictures, target images) stay inside its folder, and every count and size is bounded.
Every problem is one CourseError naming the file, the line and the key path; `lint_course`
collects them all. `load_course_pack` compiles the course into the scenario graph the
session runs (sim.course.to_scenario), so recording, replay and review work on a course
as on any pack. A stage's targets and zones are read in content/_course_parts.py.
Imports content and sim; must not import engine or drivers.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from content._course_parts import (
    MAX_SHOTS,
    CourseError,
    _fail,
    _known,
    _picture,
    _target,
)
from content.lint import Finding, _from_error
from content.pack import Pack, PackMeta, load_pack
from content.pack_manifest import (
    _ID,
    MANIFEST,
    NUM,
    PackError,
    _check_nesting,
    _Doc,
    _inside,
    _manifest_bytes,
    toml_error_line,
)
from sim.course import stage_window
from sim.course_model import ASPECT, Course, Stage

COURSE_MANIFEST = "course.toml"
COURSES_DIR = Path(__file__).parent / "courses"
BACKDROP = COURSES_DIR / "range.mp4"  # the bundled range wall, when a course has none
FORMAT_VERSION = 1
MAX_STAGES = 30  # as DART's courses
MAX_TARGETS = 16
MAX_TIME_S = 120.0
MAX_READY_S = 60.0
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv")
KINDS = ("drills", "qualification")


def is_course(root: str | Path) -> bool:
    return (Path(root) / COURSE_MANIFEST).is_file()


def resolve(name: str | Path) -> Path:
    """A course folder, or the name of a bundled one (content/courses/NAME)."""
    path = Path(name)
    if path.is_dir():
        return path
    bundled = COURSES_DIR / str(name)
    if _ID.match(str(name)) and bundled.is_dir():
        return bundled
    have = ", ".join(sorted(p.name for p in COURSES_DIR.iterdir() if is_course(p)))
    raise CourseError(f"{name}: no such course folder (bundled courses: {have})")


class _CourseDoc(_Doc):
    """The pack loader's typed access, its errors CourseErrors."""

    def fail(self, where: str, msg: str) -> CourseError:
        return CourseError(
            str(super().fail(where, msg)).replace("inside the pack", "inside the course")
        )


def _read(root: Path) -> tuple[_Doc, dict]:
    manifest = root / COURSE_MANIFEST
    if not root.is_dir():
        raise CourseError(f"{root}: not a course folder")
    try:
        raw = _manifest_bytes(root, manifest)
    except PackError as exc:
        raise CourseError(str(exc).replace("scenario pack", "course")) from None
    try:
        text = raw.decode("utf-8")
        _check_nesting(manifest, text)
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise CourseError(f"{manifest}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        line = toml_error_line(exc)
        raise CourseError(f"{manifest}{f':{line}' if line else ''}: TOML syntax: {exc}") from None
    except RecursionError:
        raise CourseError(f"{manifest}: nested too deeply") from None
    doc = _CourseDoc(manifest, text)
    return doc, data


def load_course(root: str | Path, problems: list[str] | None = None) -> Course:
    """Load and check a course folder; with `problems` (lint), each bad stage is recorded
    there and skipped, so that one pass finds them all."""
    root = Path(root)
    doc, data = _read(root)
    get = doc.get
    _known(
        doc,
        data,
        "",
        (
            "format_version",
            "title",
            "kind",
            "source",
            "pass_percent",
            "valid_days",
            "backdrop",
            "screen",
            "stages",
            "notes",
        ),
    )
    if "format_version" not in data:
        raise _fail(doc, "format_version", "missing: a course starts with format_version = 1")
    if get(data, "format_version", "", int) != FORMAT_VERSION:
        raise _fail(doc, "format_version", f"this Sightline reads version {FORMAT_VERSION}")
    title = get(data, "title", "", str)
    kind = doc.choice(data, "kind", "", KINDS, "drills")
    source = get(data, "source", "", str, "")
    if kind == "qualification" and not source:
        raise _fail(doc, "source", "a qualification names the published course it follows")
    pass_percent = get(data, "pass_percent", "", NUM, 80.0)
    if not 0 < pass_percent <= 100:
        raise _fail(doc, "pass_percent", "must be in 0 < pass_percent <= 100")
    valid_days = get(data, "valid_days", "", int, None)
    if valid_days is not None and not 1 <= valid_days <= 3660:
        raise _fail(doc, "valid_days", "must be 1-3660 days")
    backdrop = ""
    if "backdrop" in data:
        _inside(doc, root, get(data, "backdrop", "", str), "backdrop", VIDEO_SUFFIXES)
        backdrop = data["backdrop"]
    screen = get(data, "screen", "", dict, {})
    _known(doc, screen, "screen", ("distance_m", "height_m"))
    distance_m = get(screen, "distance_m", "screen", NUM, 4.572)  # 5 yd from the screen
    height_m = get(screen, "height_m", "screen", NUM, 2.0)
    if not (0.5 <= distance_m <= 50 and 0.2 <= height_m <= 20):
        raise _fail(doc, "screen", "distance_m is 0.5-50 and height_m 0.2-20")
    raw_stages = get(data, "stages", "", list)
    if not 1 <= len(raw_stages) <= MAX_STAGES:
        raise _fail(doc, "stages", f"a course has 1 to {MAX_STAGES} stages")
    stages: list[Stage] = []
    ids: set[str] = set()
    for i, raw in enumerate(raw_stages):
        where = f"stages[{i}]"
        try:
            stage = _stage(doc, root, raw, where, (distance_m, height_m))
            if stage.id in ids:
                raise _fail(doc, f"{where}.id", f"{stage.id!r} is used by an earlier stage")
        except PackError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
            continue
        ids.add(stage.id)
        stages.append(stage)
    if not stages:
        raise CourseError(problems[0] if problems else f"{doc.file}: no stages")
    notes = doc.strings(data, "notes", "")
    return Course(
        title, tuple(stages), float(pass_percent), kind, source, valid_days, backdrop, notes
    )


def _stage(doc: _Doc, root: Path, raw: Any, where: str, screen: tuple[float, float]) -> Stage:
    if not isinstance(raw, dict):
        raise _fail(doc, where, "expected a table")
    get = doc.get
    _known(
        doc,
        raw,
        where,
        (
            "id",
            "title",
            "instructions",
            "image",
            "ready_s",
            "time_s",
            "shots",
            "par_s",
            "advance_hits",
            "targets",
        ),
    )
    sid = get(raw, "id", where, str)
    if not _ID.match(sid) or sid.endswith("-ready") or sid == "course-end":
        raise _fail(doc, f"{where}.id", "1-64 letters, digits, '_' or '-' (not *-ready)")
    ready_s = get(raw, "ready_s", where, NUM, 5.0)
    time_s = get(raw, "time_s", where, NUM)
    if not 0.5 <= ready_s <= MAX_READY_S:
        raise _fail(doc, f"{where}.ready_s", f"must be 0.5-{MAX_READY_S:g} s")
    if not 0.5 <= time_s <= MAX_TIME_S:
        raise _fail(doc, f"{where}.time_s", f"must be 0.5-{MAX_TIME_S:g} s (DART's limit)")
    image = _picture(doc, root, raw, where)
    par_s = get(raw, "par_s", where, NUM, None)
    if par_s is not None and not 0 < par_s <= time_s:
        raise _fail(doc, f"{where}.par_s", f"must be within 0 < par_s <= time_s ({time_s:g})")
    raw_targets = get(raw, "targets", where, list)
    if not 1 <= len(raw_targets) <= MAX_TARGETS:
        raise _fail(doc, f"{where}.targets", f"a stage has 1 to {MAX_TARGETS} targets")
    targets = []
    for j, rt in enumerate(raw_targets):
        target = _target(doc, root, rt, f"{where}.targets[{j}]", time_s, screen)
        if any(t.name == target.name for t in targets):
            raise _fail(doc, f"{where}.targets[{j}].name", f"{target.name!r} is used twice")
        targets.append(target)
    wanted = sum(t.shots for t in targets)
    shots = get(raw, "shots", where, int, None)
    if shots is not None and not (wanted <= shots <= MAX_SHOTS):
        raise _fail(
            doc, f"{where}.shots", f"the shot limit is {wanted} (the shots wanted) to {MAX_SHOTS}"
        )
    if shots is None and wanted > MAX_SHOTS:
        raise _fail(doc, f"{where}.targets", f"{wanted} shots wanted, over {MAX_SHOTS}")
    advance = get(raw, "advance_hits", where, int, None)
    if advance is not None and not 1 <= advance <= max(wanted, 1):
        raise _fail(doc, f"{where}.advance_hits", f"must be 1-{wanted} (the shots wanted)")
    stage = Stage(
        sid,
        get(raw, "title", where, str, sid),
        get(raw, "instructions", where, str, ""),
        float(time_s),
        tuple(targets),
        float(ready_s),
        shots,
        par_s,
        advance,
        image,
    )
    if wanted and stage_window(stage)[1] <= 0:
        raise _fail(
            doc, f"{where}.targets", "the targets it wants shot never all show their face at once"
        )
    return stage


def load_course_pack(root: str | Path) -> Pack:
    """The course as a runnable pack: its scenario graph over the backdrop clip."""
    from sim.course import to_scenario

    root = Path(root)
    course = load_course(root)
    clip = course.backdrop or str(BACKDROP.resolve())
    if not Path(root, clip).is_file():
        raise CourseError(f"{root}: the backdrop clip {clip} is missing")
    scenario = to_scenario(course, clip, ASPECT)
    meta = PackMeta(summary=f"course of fire: {course.kind}", category="course")
    return Pack(root, scenario, {}, meta, manifest=COURSE_MANIFEST, course=course)


def load_any(root: str | Path) -> Pack:
    """A scenario pack, or a course folder compiled into one: what `run`, `replay`,
    `aar` and `course report` load (content.pack cannot import this module: it imports
    content.pack)."""
    root = Path(root)
    if is_course(root) and not (root / MANIFEST).exists():
        return load_course_pack(root)
    return load_pack(root)


def lint_course(root: str | Path) -> list[Finding]:
    """Every problem of a course folder, and warnings a course author should see."""
    root = Path(root)
    problems: list[str] = []
    try:
        course = load_course(root, problems)
    except PackError as exc:
        return [_from_error(str(exc))] + [_from_error(p) for p in problems[1:]]
    findings = [_from_error(p) for p in problems]
    for i, stage in enumerate(course.stages):
        if not stage.instructions:
            findings.append(
                Finding(
                    "warning", str(root / COURSE_MANIFEST), None, f"stages[{i}]", "no instructions"
                )
            )
        if stage.advance_hits and i + 1 < len(course.stages):
            findings.append(
                Finding(
                    "warning",
                    str(root / COURSE_MANIFEST),
                    None,
                    f"stages[{i}].advance_hits",
                    "a stage that ends early moves later stages off `course plan`'s schedule",
                )
            )
    return findings
