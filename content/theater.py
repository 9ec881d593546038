"""The theater file: the projectors of a multi-screen range, their arcs, soft-edge blends
and warps (docs/theater.md). `new_theater_text` writes a documented, editable file for N
screens evenly around an arc; `load_theater` reads one back, every problem one line
naming the file, line and key path (TheaterError, a UserError).

A theater file is configuration written by the academy, but it is still read carefully:
its size is bounded, every number checked for range, and nothing in it runs. Geometry
maths lives in sim/panorama.py. Must not import engine.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content._locate import locate
from sim.errors import UserError
from sim.files import FileProblem, read_bounded
from sim.panorama import IDENTITY_CORNERS, PROJECTIONS, Geometry, Warp, even_arcs

FORMAT = 1
MAX_BYTES = 256 * 1024
MAX_PROJECTORS = 8
MAX_MESH = 64  # points a side of a mesh grid
MAX_SIZE = 8192  # pixels a side of an offscreen projector
DEFAULT_SIZE = (1920, 1080)
DEFAULT_GAMMA = 2.2
DEFAULT_CURVE = 2.0


class TheaterError(UserError, ValueError):
    """A broken theater file; str() is one line naming the file, line and key path."""


@dataclass(frozen=True)
class Blend:
    """Soft edges in degrees at the left and right of the projector's arc, the display
    gamma the ramp is corrected for, the ramp's curve, and the black level lift (0..0.5:
    the light a projector gives at black, added outside the overlaps so they match)."""

    left: float = 0.0
    right: float = 0.0
    gamma: float = DEFAULT_GAMMA
    curve: float = DEFAULT_CURVE
    black_level: float = 0.0


@dataclass(frozen=True)
class Projector:
    name: str
    geometry: Geometry
    blend: Blend
    display: int | None = None  # index in `sightline displays` (a window run)
    offscreen: tuple[int, int] = DEFAULT_SIZE  # its output size headless
    tracker: str | None = None  # a --device spec of the camera tracker watching it

    @property
    def arc(self) -> tuple[float, float]:
        return self.geometry.arc


@dataclass(frozen=True)
class Theater:
    path: Path
    degrees: float
    projectors: tuple[Projector, ...]

    @property
    def screens(self) -> int:
        return len(self.projectors)


# -- writing a new one ---------------------------------------------------------------------


def _f(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".") if v != int(v) else f"{v:.1f}"


def _c(statement: str, comment: str) -> str:
    """A line with its comment in the comment column."""
    return f"{statement:<32}# {comment}"


def new_theater_text(
    screens: int,
    degrees: float,
    overlap_pct: float = 15.0,
    size: tuple[int, int] = DEFAULT_SIZE,
    projection: str = "flat",
) -> str:
    """A theater file for `screens` projectors sharing `degrees` of arc evenly, each
    overlapping its neighbour by `overlap_pct` % of its own width, with soft edges as
    wide as the overlaps, no warp, and displays 1..N (display 0 for the instructor)."""
    if not 1 <= screens <= MAX_PROJECTORS:
        raise TheaterError(f"--screens {screens}: a theater has 1 to {MAX_PROJECTORS} screens")
    if not 0 < degrees <= 360:
        raise TheaterError(f"--degrees {degrees:g}: the arc is more than 0 and at most 360")
    if not 0 <= overlap_pct < 50:
        raise TheaterError(f"--overlap {overlap_pct:g}: the overlap is 0 to under 50 %")
    if projection not in PROJECTIONS:
        raise TheaterError(f"--projection {projection}: one of {', '.join(PROJECTIONS)}")
    overlap = overlap_pct / 100 if screens > 1 else 0.0
    arcs = even_arcs(screens, degrees, overlap)
    w, h = size
    lines = [
        "# A Sightline theater: the projectors of a multi-screen range (docs/theater.md).",
        f"# Written by `sightline theater new --screens {screens} --degrees {degrees:g} "
        f"--overlap {overlap_pct:g}`; edit it to match the room.",
        "#",
        "# Angles are degrees around the trainee: 0 straight ahead, negative to the left.",
        "# Output points (warp corners, mesh) are normalized to the projector's picture,",
        "# 0..1 with the origin top-left.",
        f"format = {FORMAT}",
        _c(f"degrees = {_f(degrees)}", "the arc the screens cover together"),
        "",
    ]
    for k, (a0, a1) in enumerate(arcs):
        left = arcs[k - 1][1] - a0 if k > 0 else 0.0
        right = a1 - arcs[k + 1][0] if k + 1 < screens else 0.0
        lines += [
            "[[projectors]]",
            f'name = "screen-{k + 1}"',
            _c(f"display = {k + 1}", "`sightline displays` index, full screen (no line: none)"),
            _c(f"offscreen = [{w}, {h}]", "its picture size in a headless run"),
            _c(f'projection = "{projection}"', 'a flat screen (perspective), or "curved"'),
            _c(f"arc = [{_f(a0)}, {_f(a1)}]", "the angles it shows, left edge to right edge"),
            f"# overlaps its neighbours by {_f(left)} deg (left) and {_f(right)} deg (right)",
            '# tracker = "laser-tracker:/dev/ttyACM0@w1"   # the camera tracker that sees it',
            "",
            _c("[projectors.blend]", "soft edges over the overlaps"),
            _c(f"left = {_f(left)}", "ramp width in degrees at the left edge"),
            _c(f"right = {_f(right)}", "... and at the right edge"),
            _c(f"gamma = {DEFAULT_GAMMA}", "the projector's gamma"),
            _c(f"curve = {DEFAULT_CURVE}", "ramp shape (Bourke's p), 1 = linear"),
            _c("black_level = 0.0", "projector black, 0..0.5: lifted outside overlaps"),
            "",
            _c("[projectors.warp]", "keystone: where the picture's corners land"),
            "corners = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]   # TL, TR, BR, BL",
            "# mesh = { cols = 3, rows = 3, points = [[0.0, 0.0], [0.5, 0.0], [1.0, 0.0],",
            "#   [0.0, 0.5], [0.5, 0.5], [1.0, 0.5], [0.0, 1.0], [0.5, 1.0], [1.0, 1.0]] }",
            "",
        ]
    return "\n".join(lines)


# -- reading -------------------------------------------------------------------------------


class _Reader:
    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def fail(self, where: str, msg: str) -> TheaterError:
        line = locate(self.text, where) if where else None
        place = f"{self.path}:{line}" if line else str(self.path)
        return TheaterError(f"{place}: {where}: {msg}" if where else f"{place}: {msg}")

    def num(self, table: dict, key: str, where: str, lo: float, hi: float, default: Any = ...):
        path = f"{where}.{key}" if where else key
        if key not in table:
            if default is ...:
                raise self.fail(path, "missing")
            return default
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.fail(path, "expected a number")
        if not lo <= v <= hi:
            raise self.fail(path, f"{v} is outside {lo:g}..{hi:g}")
        return float(v)

    def point(self, raw: object, where: str) -> tuple[float, float]:
        ok = isinstance(raw, list) and len(raw) == 2
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw)
        if not ok or not all(-1.0 <= v <= 2.0 and math.isfinite(v) for v in raw):
            raise self.fail(where, "expected [x, y], normalized to the picture (-1..2)")
        return float(raw[0]), float(raw[1])

    def table(self, table: dict, key: str, where: str) -> dict:
        v = table.get(key, {})
        if not isinstance(v, dict):
            raise self.fail(f"{where}.{key}", "expected a table")
        return v

    def unknown(self, table: dict, where: str, allowed: tuple[str, ...]) -> None:
        extra = sorted(set(table) - set(allowed))
        if extra:
            raise self.fail(f"{where}.{extra[0]}", f"unknown key (expected {', '.join(allowed)})")


_PROJECTOR_KEYS = ("name", "display", "offscreen", "projection", "arc", "blend", "warp", "tracker")


def load_theater(path: str | Path) -> Theater:
    path = Path(path)
    try:
        data = read_bounded(path, MAX_BYTES)
    except FileProblem as exc:
        raise TheaterError(f"{path}: cannot read the theater file ({exc})") from None
    except OSError as exc:
        raise TheaterError(f"{path}: cannot read the theater file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
        raw = tomllib.loads(text)
    except UnicodeDecodeError:
        raise TheaterError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise TheaterError(f"{path}: not valid TOML ({exc})") from None
    r = _Reader(path, text)
    r.unknown(raw, "", ("format", "degrees", "projectors"))
    if raw.get("format") != FORMAT:
        raise r.fail("format", f"this Sightline reads theater format {FORMAT}")
    degrees = r.num(raw, "degrees", "", 1.0, 360.0)
    items = raw.get("projectors")
    if not isinstance(items, list) or not items:
        raise r.fail("projectors", "a theater needs at least one [[projectors]] table")
    if len(items) > MAX_PROJECTORS:
        raise r.fail("projectors", f"{len(items)} projectors, over {MAX_PROJECTORS}")
    projectors = tuple(_projector(r, p, f"projectors[{i}]", i) for i, p in enumerate(items))
    names = [p.name for p in projectors]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise r.fail(f"projectors[{i}].name", f"{name!r} is used twice")
    for i, p in enumerate(projectors):
        lo, hi = p.arc
        if lo < -degrees / 2 - 1e-6 or hi > degrees / 2 + 1e-6:
            raise r.fail(
                f"projectors[{i}].arc",
                f"[{lo:g}, {hi:g}] leaves the theater's {degrees:g} deg "
                f"({-degrees / 2:g}..{degrees / 2:g})",
            )
        if p.blend.left + p.blend.right > hi - lo + 1e-9:
            raise r.fail(f"projectors[{i}].blend", "soft edges wider than the arc")
    seen: dict[int, int] = {}
    for i, p in enumerate(projectors):
        if p.display is not None and p.display in seen:
            raise r.fail(
                f"projectors[{i}].display",
                f"display {p.display} is used twice (projectors[{seen[p.display]}] has it)",
            )
        if p.display is not None:
            seen[p.display] = i
    return Theater(path, degrees, projectors)


def _projector(r: _Reader, p: object, where: str, index: int) -> Projector:
    if not isinstance(p, dict):
        raise r.fail(where, "expected a table")
    r.unknown(p, where, _PROJECTOR_KEYS)
    name = p.get("name", f"screen-{index + 1}")
    if not isinstance(name, str) or not 1 <= len(name) <= 64:
        raise r.fail(f"{where}.name", "expected a name of 1-64 characters")
    display = p.get("display")
    if display is not None and (
        isinstance(display, bool) or not isinstance(display, int) or not 0 <= display < 64
    ):
        raise r.fail(f"{where}.display", "expected a display index 0-63")
    size = p.get("offscreen", list(DEFAULT_SIZE))
    ok = isinstance(size, list) and len(size) == 2
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in size)
    if not ok or not all(16 <= v <= MAX_SIZE and v % 2 == 0 for v in size):
        raise r.fail(f"{where}.offscreen", f"expected [width, height], even, 16-{MAX_SIZE}")
    projection = p.get("projection", "flat")
    if projection not in PROJECTIONS:
        raise r.fail(f"{where}.projection", f"{projection!r} is not one of flat, curved")
    arc = p.get("arc")
    ok = isinstance(arc, list) and len(arc) == 2
    ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in arc)
    if not ok or not all(math.isfinite(v) for v in arc):
        raise r.fail(f"{where}.arc", "expected [left, right] in degrees")
    a0, a1 = float(arc[0]), float(arc[1])
    if not a0 < a1:
        raise r.fail(f"{where}.arc", f"the left edge ({a0:g}) must be left of the right ({a1:g})")
    if projection == "flat" and a1 - a0 >= 170:
        raise r.fail(f"{where}.arc", "a flat screen shows under 170 deg (use curved)")
    b = r.table(p, "blend", where)
    bw = f"{where}.blend"
    r.unknown(b, bw, ("left", "right", "gamma", "curve", "black_level"))
    blend = Blend(
        left=r.num(b, "left", bw, 0.0, 180.0, 0.0),
        right=r.num(b, "right", bw, 0.0, 180.0, 0.0),
        gamma=r.num(b, "gamma", bw, 1.0, 3.5, DEFAULT_GAMMA),
        curve=r.num(b, "curve", bw, 1.0, 8.0, DEFAULT_CURVE),
        black_level=r.num(b, "black_level", bw, 0.0, 0.5, 0.0),
    )
    tracker = p.get("tracker")
    if tracker is not None and (not isinstance(tracker, str) or not 1 <= len(tracker) <= 512):
        raise r.fail(f"{where}.tracker", "expected a device spec such as laser-tracker:PATH@w1")
    geometry = Geometry((a0, a1), projection, _warp(r, r.table(p, "warp", where), f"{where}.warp"))
    return Projector(name, geometry, blend, display, (size[0], size[1]), tracker)


def _warp(r: _Reader, w: dict, where: str) -> Warp:
    r.unknown(w, where, ("corners", "mesh"))
    corners = IDENTITY_CORNERS
    if "corners" in w:
        raw = w["corners"]
        if not isinstance(raw, list) or len(raw) != 4:
            raise r.fail(f"{where}.corners", "expected four [x, y] points: TL, TR, BR, BL")
        corners = tuple(r.point(c, f"{where}.corners[{i}]") for i, c in enumerate(raw))
        if _quad_area(corners) <= 1e-4 or not _convex(corners):
            raise r.fail(f"{where}.corners", "the corners must make a convex quad, clockwise")
    if "mesh" not in w:
        return Warp(corners)
    m = w["mesh"]
    mw = f"{where}.mesh"
    if not isinstance(m, dict):
        raise r.fail(mw, "expected a table with cols, rows and points")
    r.unknown(m, mw, ("cols", "rows", "points"))
    cols, rows = m.get("cols"), m.get("rows")
    for key, v in (("cols", cols), ("rows", rows)):
        if isinstance(v, bool) or not isinstance(v, int) or not 2 <= v <= MAX_MESH:
            raise r.fail(f"{mw}.{key}", f"expected a whole number 2-{MAX_MESH}")
    pts = m.get("points")
    if not isinstance(pts, list) or len(pts) != cols * rows:
        raise r.fail(f"{mw}.points", f"expected cols x rows = {cols * rows} [x, y] points")
    mesh = tuple(r.point(q, f"{mw}.points[{i}]") for i, q in enumerate(pts))
    return Warp(corners, mesh, cols, rows)


def _quad_area(c) -> float:
    return 0.5 * sum(c[i][0] * c[i - 3][1] - c[i - 3][0] * c[i][1] for i in range(4))


def _convex(c) -> bool:
    """Clockwise on screen (y down): every turn has the same, positive, sign."""
    signs = []
    for i in range(4):
        ax, ay = c[i]
        bx, by = c[(i + 1) % 4]
        cx, cy = c[(i + 2) % 4]
        signs.append((bx - ax) * (cy - by) - (by - ay) * (cx - bx))
    return all(s > 0 for s in signs)


def write_new(path: Path, text: str) -> None:
    """Write a new theater file; refuses to overwrite one."""
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise TheaterError(f"{path}: already exists (remove it or choose another name)") from None
    except OSError as exc:
        raise TheaterError(f"{path}: cannot write ({exc.strerror})") from None
