"""The parts of a course.toml below a stage: its targets (their size on the screen, their
show and hide keys, their image) and their scored zones; with the error type and the
readers content/courses.py shares. Split from content/courses.py, which reads the course
and its stages and imports this; imports content and sim only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from content.media import MediaError, probe_image
from content.pack_manifest import _ID, NUM, PackError, _Doc, _inside
from sim.course_model import SHAPES, Target, ZoneSpec

MAX_SHOTS = 50
MAX_ZONES = 15  # as DART's colour-zone images
MAX_KEYS = 64
YARD_M = 0.9144
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


class CourseError(PackError):
    """A broken course; str() is one line naming the file, line and key path."""


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
    low = flat[:2] if key == "rect" else [0.0, 0.0]  # (x0, y0, x1, y1); (cx, cy, rx, ry)
    if want and not (flat[2] > low[0] and flat[3] > low[1]):
        raise _fail(
            doc, f"{where}.{key}", "no area: an ellipse's rx, ry > 0, a rect's x0 < x1, y0 < y1"
        )
    return ZoneSpec(name, points, "poly" if key == "polygon" else key, tuple(flat))
