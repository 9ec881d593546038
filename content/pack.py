"""Loading a scenario pack: `scenario.toml` plus media, into a validated sim.Scenario.

Every problem becomes one PackError whose message names the file and the key path (and
the line, for TOML syntax errors); nothing in a pack runs, media paths may not leave the
pack (symlinks included), and every count and size is bounded. The full format is
described in docs/scenario-format.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from content.media import VIDEO_SUFFIXES, MediaError, MediaInfo, probe_media
from sim.hit_zones import ROLES, Zone
from sim.scenario import (
    EndTrigger,
    HitTrigger,
    KeyTrigger,
    Scenario,
    ScenarioError,
    Segment,
    Transition,
)

MANIFEST = "scenario.toml"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_SEGMENTS = 500
MAX_TRANSITIONS = 32
MAX_ZONES = 64
MAX_ZONE_KEYS = 2000
MAX_VERTICES = 64
MAX_TEXT = 2000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class PackError(ValueError):
    """A broken pack; str() is one line naming the file and where in it."""


@dataclass(frozen=True)
class Pack:
    root: Path
    scenario: Scenario
    media: dict[str, MediaInfo]  # by clip path as written in the manifest

    def clip_path(self, clip: str) -> Path:
        return self.root / clip


class _Doc:
    """Typed access to the parsed manifest that names the key path in every error."""

    def __init__(self, file: Path):
        self.file = file

    def fail(self, where: str, msg: str) -> PackError:
        return PackError(f"{self.file}: {where}: {msg}" if where else f"{self.file}: {msg}")

    def get(self, table: dict, key: str, where: str, kind: type | tuple, default: Any = ...):
        path = f"{where}.{key}" if where else key
        if key not in table:
            if default is ...:
                raise self.fail(path, "missing")
            return default
        value = table[key]
        if isinstance(value, bool) and kind is not bool:
            raise self.fail(path, f"expected {_kind_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(path, f"expected {_kind_name(kind)}, got {type(value).__name__}")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise self.fail(path, f"text is over {MAX_TEXT} characters")
        if isinstance(value, list) and len(value) > MAX_ZONE_KEYS:
            raise self.fail(path, f"list is over {MAX_ZONE_KEYS} entries")
        if isinstance(value, float | int) and not isinstance(value, bool):
            value = float(value) if kind in (float, (int, float)) else value
            if value != value or value in (float("inf"), float("-inf")):
                raise self.fail(path, "must be finite")
        return value


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


NUM = (int, float)


def load_pack(root: str | Path, probe: bool = True) -> Pack:
    """Load and validate a pack folder. With probe=False, media are checked for existence
    only (fast, for tools that need no timing) and `out` must then be given."""
    root = Path(root)
    manifest = root / MANIFEST
    if not root.is_dir():
        raise PackError(f"{root}: not a scenario pack folder")
    try:
        size = manifest.stat().st_size
    except OSError:
        raise PackError(f"{manifest}: missing (a pack folder needs a {MANIFEST})") from None
    if size > MAX_MANIFEST_BYTES:
        raise PackError(f"{manifest}: {size} bytes, over the {MAX_MANIFEST_BYTES} limit")
    try:
        data = tomllib.loads(manifest.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise PackError(f"{manifest}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{manifest}: TOML syntax: {exc}") from None
    doc = _Doc(manifest)
    version = doc.get(data, "format_version", "", int)
    if version != FORMAT_VERSION:
        raise doc.fail(
            "format_version",
            f"this Sightline reads version {FORMAT_VERSION}, the pack is version {version}",
        )
    title = doc.get(data, "title", "", str)
    start = doc.get(data, "start", "", str)
    segs_table = doc.get(data, "segments", "", dict)
    if not segs_table:
        raise doc.fail("segments", "a pack needs at least one segment")
    if len(segs_table) > MAX_SEGMENTS:
        raise doc.fail("segments", f"{len(segs_table)} segments, over {MAX_SEGMENTS}")
    media: dict[str, MediaInfo] = {}
    segments: dict[str, Segment] = {}
    for seg_id, table in segs_table.items():
        where = f"segments.{seg_id}"
        if not _ID.match(seg_id):
            raise doc.fail(where, "segment ids are 1-64 letters, digits, '_' or '-'")
        if not isinstance(table, dict):
            raise doc.fail(where, "expected a table")
        segments[seg_id] = _segment(doc, root, seg_id, table, where, media, probe)
    scenario = Scenario(title=title, start=start, segments=segments)
    try:
        scenario.validate()
    except ScenarioError as exc:
        raise PackError(f"{manifest}: {exc}") from None
    return Pack(root, scenario, media)


def _segment(
    doc: _Doc,
    root: Path,
    seg_id: str,
    table: dict,
    where: str,
    media: dict[str, MediaInfo],
    probe: bool,
) -> Segment:
    clip = doc.get(table, "clip", where, str)
    info = _media(doc, root, clip, f"{where}.clip", media, probe)
    in_s = doc.get(table, "in", where, NUM, 0.0)
    out_default = info.duration_s if info else ...
    out_s = doc.get(table, "out", where, NUM, out_default)
    if info and out_s > info.duration_s + 0.05:
        raise doc.fail(
            f"{where}.out", f"{out_s} s is past the clip's end ({info.duration_s:.3f} s)"
        )
    if not 0.0 <= in_s < out_s:
        raise doc.fail(where, f"needs 0 <= in < out, got in={in_s} out={out_s}")
    transitions = doc.get(table, "transitions", where, list, [])
    if len(transitions) > MAX_TRANSITIONS:
        raise doc.fail(f"{where}.transitions", f"over {MAX_TRANSITIONS} transitions")
    zones = doc.get(table, "zones", where, list, [])
    if len(zones) > MAX_ZONES:
        raise doc.fail(f"{where}.zones", f"over {MAX_ZONES} zones")
    return Segment(
        id=seg_id,
        clip=clip,
        in_s=in_s,
        out_s=out_s,
        media_aspect=info.aspect if info else 16 / 9,
        loop=doc.get(table, "loop", where, bool, False),
        ending=doc.get(table, "ending", where, bool, False),
        transitions=tuple(
            _transition(doc, t, f"{where}.transitions[{i}]") for i, t in enumerate(transitions)
        ),
        zones=tuple(_zone(doc, z, f"{where}.zones[{i}]", in_s, out_s) for i, z in enumerate(zones)),
    )


def _media(
    doc: _Doc, root: Path, clip: str, where: str, media: dict[str, MediaInfo], probe: bool
) -> MediaInfo | None:
    if clip in media:
        return media[clip]
    rel = Path(clip)
    if rel.is_absolute() or ".." in rel.parts or clip.startswith("~"):
        raise doc.fail(where, f"{clip!r} must be a path inside the pack")
    if rel.suffix.lower() not in VIDEO_SUFFIXES:
        raise doc.fail(where, f"{clip!r} is not a video file ({', '.join(VIDEO_SUFFIXES)})")
    path = root / rel
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise doc.fail(where, f"{clip!r}: file not found in the pack") from None
    if not resolved.is_relative_to(root.resolve()):
        raise doc.fail(where, f"{clip!r} leads outside the pack")
    if not resolved.is_file():
        raise doc.fail(where, f"{clip!r} is not a file")
    if not probe:
        return None
    try:
        info = probe_media(resolved)
    except MediaError as exc:
        raise doc.fail(where, str(exc)) from None
    media[clip] = info
    return info


def _transition(doc: _Doc, table: object, where: str) -> Transition:
    if not isinstance(table, dict):
        raise doc.fail(where, "expected a table")
    on = doc.get(table, "on", where, str)
    to = doc.get(table, "to", where, str)
    trigger: KeyTrigger | EndTrigger | HitTrigger
    if on == "key":
        trigger = KeyTrigger(
            doc.get(table, "key", where, str), doc.get(table, "label", where, str, "")
        )
    elif on == "end":
        trigger = EndTrigger()
    elif on == "hit":
        trigger = HitTrigger(
            doc.get(table, "zone", where, str, None), doc.get(table, "role", where, str, None)
        )
    else:
        raise doc.fail(f"{where}.on", f"unknown trigger {on!r} (expected key, end, hit)")
    try:
        trigger.validate(where)
    except ScenarioError as exc:
        raise PackError(f"{doc.file}: {exc}") from None
    return Transition(trigger, to)


def _zone(doc: _Doc, table: object, where: str, in_s: float, out_s: float) -> Zone:
    if not isinstance(table, dict):
        raise doc.fail(where, "expected a table")
    name = doc.get(table, "name", where, str)
    if not _ID.match(name):
        raise doc.fail(f"{where}.name", "zone names are 1-64 letters, digits, '_' or '-'")
    role = doc.get(table, "role", where, str)
    if role not in ROLES:
        raise doc.fail(f"{where}.role", f"{role!r} is not one of {', '.join(ROLES)}")
    if "polygon" in table:
        keys = [(in_s, _polygon(doc, table["polygon"], f"{where}.polygon"))]
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
            keys.append((float(t), _polygon(doc, key.get("polygon"), f"{kw}.polygon")))
        if len({len(p) for _, p in keys}) != 1:
            raise doc.fail(f"{where}.keys", "every key needs the same number of vertices")
    return Zone(name, role, tuple(keys))


def _polygon(doc: _Doc, raw: object, where: str) -> np.ndarray:
    if not isinstance(raw, list) or not 3 <= len(raw) <= MAX_VERTICES:
        raise doc.fail(where, f"expected a list of 3 to {MAX_VERTICES} [x, y] points")
    pts = []
    for i, p in enumerate(raw):
        ok = (
            isinstance(p, list)
            and len(p) == 2
            and all(isinstance(v, NUM) and not isinstance(v, bool) for v in p)
        )
        if not ok or not all(-0.5 <= v <= 1.5 for v in p):
            raise doc.fail(f"{where}[{i}]", "expected [x, y] with x, y normalized (0..1)")
        pts.append((float(p[0]), float(p[1])))
    return np.asarray(pts, dtype=np.float64)
