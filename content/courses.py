"""Course folders: `course.toml` (docs/courses.md) into a sim.course_model.Course, its lint, and
the Pack a course runs as.

A course is untrusted data like a pack: nothing in it runs, paths (backdrop, instruction
pictures, target images) stay inside its folder, and every count and size is bounded.
Every problem is one CourseError naming the file, the line and the key path; `lint_course`
collects them all. `load_course_pack` compiles the course into the scenario graph the
session runs (sim.course.to_scenario), so recording, replay and review work on a course
as on any pack. Imports sim; must not import engine or drivers.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from content.lint import Finding, _from_error
from content.media import MediaError, probe_image
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
from sim.course_model import ASPECT, SHAPES, Course, Stage, Target, ZoneSpec

COURSE_MANIFEST = "course.toml"
COURSES_DIR = Path(__file__).parent / "courses"
BACKDROP = COURSES_DIR / "range.mp4"  # the bundled range wall, when a course has none
FORMAT_VERSION = 1
MAX_STAGES = 30  # as DART's courses
MAX_TARGETS = 16
MAX_ZONES = 15  # as DART's colour-zone images
MAX_SHOTS = 50
MAX_TIME_S = 120.0
MAX_READY_S = 60.0
MAX_KEYS = 64
YARD_M = 0.9144
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv")
KINDS = ("drills", "qualification")


class CourseError(PackError):
    """A broken course; str() is one line naming the file, line and key path."""


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


def _fail(doc: _Doc, where: str, msg: str) -> CourseError:
    return CourseError(str(doc.fail(where, msg)))


def _picture(doc: _Doc, root: Path, raw: dict, where: str) -> str | None:
    """`image`: a picture inside the course that decodes, within the size bounds (a
    damaged one once passed lint and stopped the course when its stage came)."""
    rel = doc.get(raw, "image", where, str, None)
    try:
        if rel is not None:
            probe_image(path := _inside(doc, root, rel, f"{where}.image", IMAGE_SUFFIXES))
    except MediaError as exc:
        raise _fail(doc, f"{where}.image", f"{rel!r}: {exc}".replace(f"{path}: ", "")) from None
    return rel


def _known(doc: _Doc, table: dict, where: str, allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            raise _fail(doc, f"{where}.{key}" if where else key, "unknown key")


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


def _target(
    doc: _Doc, root: Path, raw: Any, where: str, time_s: float, screen: tuple[float, float]
) -> Target:
    if not isinstance(raw, dict):
        raise _fail(doc, where, "expected a table")
    get = doc.get
    _known(
        doc,
        raw,
        where,
        (
            "name",
            "shape",
            "height",
            "distance_m",
            "distance_yd",
            "real_height_m",
            "x",
            "y",
            "path",
            "shoot",
            "shots",
            "penalty",
            "show",
            "hide",
            "facing",
            "turns",
            "image",
            "zones",
        ),
    )
    name = get(raw, "name", where, str)
    if not _ID.match(name):
        raise _fail(doc, f"{where}.name", "1-64 letters, digits, '_' or '-'")
    shape = doc.choice(
        raw, "shape", where, (*SHAPES, "custom"), "custom" if "zones" in raw else "q"
    )
    if shape == "custom":
        raw_zones = get(raw, "zones", where, list)
        if not 1 <= len(raw_zones) <= MAX_ZONES:
            raise _fail(doc, f"{where}.zones", f"a target has 1 to {MAX_ZONES} zones")
        zones = tuple(_zone(doc, z, f"{where}.zones[{k}]") for k, z in enumerate(raw_zones))
        real_h = get(raw, "real_height_m", where, NUM, None)
    else:
        if "zones" in raw:
            raise _fail(doc, f"{where}.zones", f"shape {shape!r} has its own zones")
        real_h = get(raw, "real_height_m", where, NUM, SHAPES[shape][0])
        zones = tuple(ZoneSpec(n, p, s, v) for n, p, s, v in SHAPES[shape][1])
    height = _height(doc, raw, where, real_h, screen)
    image = _picture(doc, root, raw, where)
    shoot = get(raw, "shoot", where, bool, True)
    shots = get(raw, "shots", where, int, 1 if shoot else 0)
    if not shoot and shots:
        raise _fail(doc, f"{where}.shots", "a no-shoot target wants no shots (0)")
    if not 0 <= shots <= MAX_SHOTS:
        raise _fail(doc, f"{where}.shots", f"must be 0-{MAX_SHOTS}")
    if shoot and shots and max(z.points for z in zones) <= 0:
        raise _fail(doc, f"{where}.zones", "a target to shoot needs a zone worth points")
    penalty = get(raw, "penalty", where, int, -5)
    if not -100 <= penalty <= 0:
        raise _fail(doc, f"{where}.penalty", "a no-shoot hit's penalty is -100..0")
    if "path" in raw:
        path = _keys(doc, get(raw, "path", where, list), f"{where}.path", time_s)
    else:
        x, y = get(raw, "x", where, NUM, 0.5), get(raw, "y", where, NUM, 0.5)
        if not (0 <= x <= 1 and 0 <= y <= 1):
            raise _fail(doc, where, "x and y are 0..1 (normalized screen)")
        path = ((0.0, float(x), float(y)),)
    show = get(raw, "show", where, NUM, 0.0)
    hide = get(raw, "hide", where, NUM, None)
    if not 0 <= show < time_s or (hide is not None and not show < hide <= time_s):
        raise _fail(doc, where, f"needs 0 <= show < hide <= time_s ({time_s:g})")
    turns = []
    for k, turn in enumerate(get(raw, "turns", where, list, [])):
        tw = f"{where}.turns[{k}]"
        ok = (
            isinstance(turn, list)
            and len(turn) == 2
            and isinstance(turn[0], NUM)
            and not isinstance(turn[0], bool)
            and turn[1] in ("face", "edge")
        )
        if not ok or not 0 <= turn[0] <= time_s or (turns and turn[0] < turns[-1][0] + 0.3):
            raise _fail(doc, tw, 'expected [t_s, "face" or "edge"], in order, 0.3 s apart')
        turns.append((float(turn[0]), turn[1] == "face"))
    if len(turns) > MAX_KEYS:
        raise _fail(doc, f"{where}.turns", f"at most {MAX_KEYS}")
    return Target(
        name,
        shape,
        height,
        path,
        zones,
        shoot,
        shots,
        penalty,
        float(show),
        None if hide is None else float(hide),
        get(raw, "facing", where, bool, True),
        tuple(turns),
        image,
    )


def _height(
    doc: _Doc, raw: dict, where: str, real_h: float | None, screen: tuple[float, float]
) -> float:
    """A target's height as a fraction of the screen's: given, or from its distance. A
    target at distance D seen on a screen at distance d is drawn d/D of its real size."""
    given = [k for k in ("height", "distance_m", "distance_yd") if k in raw]
    if len(given) != 1:
        raise _fail(doc, where, "give one of height (screen fraction), distance_m, distance_yd")
    key = given[0]
    value = doc.get(raw, key, where, NUM)
    if key == "height":
        height = value
    else:
        if real_h is None or not 0.01 <= real_h <= 5:
            raise _fail(doc, f"{where}.real_height_m", "needed (0.01-5 m) for a distance")
        distance = value * (YARD_M if key == "distance_yd" else 1.0)
        if not 0.5 <= distance <= 500:
            raise _fail(doc, f"{where}.{key}", "must be 0.5-500 m")
        height = real_h * screen[0] / (distance * screen[1])
    if not 0.01 <= height <= 1.0:
        raise _fail(
            doc, f"{where}.{key}", f"the target would be {height:.3f} screens tall (0.01-1)"
        )
    return float(height)


def _keys(doc: _Doc, raw: list, where: str, time_s: float) -> tuple:
    if not 1 <= len(raw) <= MAX_KEYS:
        raise _fail(doc, where, f"1 to {MAX_KEYS} keys [t_s, x, y]")
    keys: list[tuple[float, float, float]] = []
    for k, key in enumerate(raw):
        ok = (
            isinstance(key, list)
            and len(key) == 3
            and all(isinstance(v, NUM) and not isinstance(v, bool) for v in key)
        )
        if not ok or not (0 <= key[0] <= time_s and 0 <= key[1] <= 1 and 0 <= key[2] <= 1):
            raise _fail(doc, f"{where}[{k}]", f"expected [t_s (0-{time_s:g}), x, y (0..1)]")
        if keys and key[0] <= keys[-1][0]:
            raise _fail(doc, f"{where}[{k}]", "key times must increase")
        keys.append((float(key[0]), float(key[1]), float(key[2])))
    return tuple(keys)


def _zone(doc: _Doc, raw: Any, where: str) -> ZoneSpec:
    if not isinstance(raw, dict):
        raise _fail(doc, where, "expected a table")
    _known(doc, raw, where, ("name", "points", "ellipse", "rect", "polygon"))
    name = doc.get(raw, "name", where, str)
    if not _ID.match(name):
        raise _fail(doc, f"{where}.name", "1-64 letters, digits, '_' or '-'")
    points = doc.get(raw, "points", where, int)
    if not -100 <= points <= 100:
        raise _fail(doc, f"{where}.points", "must be -100..100")
    shapes = [k for k in ("ellipse", "rect", "polygon") if k in raw]
    if len(shapes) != 1:
        raise _fail(doc, where, "give one of ellipse [cx, cy, rx, ry], rect, polygon")
    key = shapes[0]
    values = doc.get(raw, key, where, list)
    flat: list[float] = []
    for v in values:
        pair = v if key == "polygon" else [v]
        if not isinstance(pair, list) or not all(
            isinstance(c, NUM) and not isinstance(c, bool) and -1 <= c <= 1 for c in pair
        ):
            raise _fail(doc, f"{where}.{key}", "numbers in target units (-1..1 of its height)")
        flat += [float(c) for c in pair]
    want = {"ellipse": 4, "rect": 4}.get(key)
    if (want and len(flat) != want) or (key == "polygon" and not 6 <= len(flat) <= 128):
        raise _fail(doc, f"{where}.{key}", "ellipse and rect take 4 numbers, a polygon 3-64 points")
    return ZoneSpec(name, points, "poly" if key == "polygon" else key, tuple(flat))


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
