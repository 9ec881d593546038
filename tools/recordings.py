"""Opening a session recording for `sightline replay`, `replay --verify` and `aar`: one
reader for all three.

`load_recording(path, pack_dir)` reads the file (sim/recording.py), decodes its inputs and
tick digests, loads the pack the header names (or `pack_dir`, when the pack moved) and
checks it is the pack recorded (engine.recorder.pack_hash): a pack whose content changed
would re-simulate differently, so every command refuses it with the same one-line error.
Every problem is a RecordingError (a UserError) naming the file; nothing is printed here.
The file and its header are untrusted: reading is bounded (sim/recording.py), the header's
fields are typed and bounded, ticks must follow one another, and the only side file used
is the recording's own trainee camera video. A damaged file loads up to the damage; each
command works on that part and then fails on the damage (Recording.check).
"""

from __future__ import annotations

import math
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from content.courses import load_any
from content.pack import Pack
from sim.community import RoomOptions
from sim.events import InputEvent
from sim.files import FileProblem, open_regular
from sim.recording import RecordingError, RecordReader, camera_side_file, event_from
from sim.runtime import ScenarioRuntime

TORN_TAIL = "the recording ends early: its last record was cut short"
MAX_TICK_HZ = 1000
MAX_DIGEST = 64  # bytes of a tick's state digest (the sim writes 16)
MAX_DEPTH = 8  # nesting of the header's tables and lists
MAX_PATH = 4096


@dataclass
class Recording:
    path: Path
    header: dict  # checked: plain data (JSON-able), its config's fields typed and bounded
    pack_dir: Path
    pack: Pack
    inputs: list[tuple[int, InputEvent]]  # (tick applied at, event), in record order
    digests: list[tuple[int, bytes]]  # (tick, state digest after it), ticks 1, 2, 3...
    torn_tail: bool
    warnings: list[str] = field(default_factory=list)  # one line each, for the user
    damage: str | None = None  # where the readable part ends early, one line; see check()

    @property
    def config(self) -> dict:
        return self.header.get("config") or {}

    @property
    def tick_hz(self) -> int:
        return int(self.config.get("tick_hz", 120))

    @property
    def levels(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in (self.config.get("levels") or {}).items()}

    @property
    def last_tick(self) -> int:
        return max((tick for tick, _ in self.digests), default=0)

    @property
    def camera_file(self) -> Path | None:
        """The trainee camera video recorded with this session: this recording's own side
        file (sim.recording.camera_side_file) when the header says there is one and it
        is a regular file, never a path the header names (a hostile header could name any
        file on this machine and have it copied into a report)."""
        if not self.config.get("trainee_camera"):
            return None
        side = camera_side_file(self.path)
        try:
            mode = side.lstat().st_mode
        except OSError:
            return None
        return side if stat.S_ISREG(mode) else None

    def check(self) -> None:
        """Raise the damage (a RecordingError, exit 2) once the intact part has been used:
        replay, verify and aar do their work up to the damage, then fail on it."""
        if self.damage is not None:
            raise RecordingError(self.damage)

    def inputs_by_tick(self) -> dict[int, list[InputEvent]]:
        by_tick: dict[int, list[InputEvent]] = defaultdict(list)
        for tick, event in self.inputs:
            by_tick[tick].append(event)
        return by_tick

    @property
    def community(self) -> RoomOptions | None:
        """The community session's options (the room voted), or None."""
        return RoomOptions.from_header(self.config.get("community"))

    def runtime(self) -> ScenarioRuntime:
        """A fresh runtime configured as the recorded one was, at tick 0."""
        return ScenarioRuntime(
            self.pack.scenario,
            self.tick_hz,
            float(self.config.get("screen_aspect", 16 / 9)),
            self.levels,
            community=self.community,
        )


def _plain(value: object, depth: int = 0) -> bool:
    """Whether a header value is plain data (what json.dumps writes), nested at most
    MAX_DEPTH."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if depth >= MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_header(path: Path, header: dict) -> None:
    """Every header field the commands use, typed and bounded (the header is untrusted,
    like pack data); RecordingError naming the field otherwise."""

    def bad(what: str) -> RecordingError:
        return RecordingError(f"{path}: header: {what}")

    if not _plain(header):
        raise bad("not plain data (tables, lists, text and numbers, nested at most 8 deep)")
    config = header.get("config", {})
    if not isinstance(config, dict):
        raise bad("config is not a table")
    hz = config.get("tick_hz", 120)
    if not _whole(hz) or not 0 < hz <= MAX_TICK_HZ:
        raise bad(f"tick_hz {hz!r} is not a whole number from 1 to {MAX_TICK_HZ}")
    aspect = config.get("screen_aspect", 16 / 9)
    if (
        isinstance(aspect, bool)
        or not isinstance(aspect, int | float)
        or not math.isfinite(aspect)
        or not 0.1 <= aspect <= 10
    ):
        raise bad(f"screen_aspect {aspect!r} is not a number from 0.1 to 10")
    size = config.get("size", [1280, 720])
    if not (
        isinstance(size, list)
        and len(size) == 2
        and all(_whole(v) and 16 <= v <= 8192 for v in size)
    ):
        raise bad(f"size {size!r} is not [width, height] in pixels (16 to 8192)")
    levels = config.get("levels") or {}
    if not isinstance(levels, dict) or not all(
        _whole(v) and 0 <= v <= 100 for v in levels.values()
    ):
        raise bad("levels is not a table of percentages (0 to 100)")
    reports = config.get("reports") or {}
    if not isinstance(reports, dict) or not all(isinstance(v, str) for v in reports.values()):
        raise bad("reports is not a table of names")
    camera = config.get("trainee_camera")
    if camera is not None and not isinstance(camera, str | bool):
        raise bad("trainee_camera is not a file name")
    try:
        RoomOptions.from_header(config.get("community"))
    except ValueError as exc:
        raise bad(str(exc)) from None
    pack = header.get("pack")
    if pack is not None and (not isinstance(pack, str) or len(pack) > MAX_PATH or "\0" in pack):
        raise bad("pack is not a folder path")


def _read(path: Path) -> tuple[dict, list, list, bool, str | None]:
    """Header, inputs, digests, torn tail and damage, streamed: no record is kept beyond
    what it decodes to (the inputs and digests), so memory grows with the ticks recorded,
    not with what records could expand to. Ticks must run 1, 2, 3... with each tick's
    inputs before its digest (as engine.recorder writes them); a tick out of that order is
    damage, which also bounds the re-simulation by the records the file holds."""
    try:
        fh = open_regular(path)  # never blocks on a FIFO, never a folder
    except FileProblem as exc:
        raise RecordingError(f"{path}: cannot read ({exc})") from None
    header: dict | None = None
    inputs: list[tuple[int, InputEvent]] = []
    digests: list[tuple[int, bytes]] = []
    damage = None
    with fh:
        reader = RecordReader(fh, str(path))
        for i, (offset, rec) in enumerate(reader):
            if header is None:
                if rec["k"] != "header":
                    raise RecordingError(f"{path}: no header")
                header = rec
                _check_header(path, header)
                continue
            if rec["k"] not in ("input", "tick"):
                continue
            where = f"{path}: record {i} (byte {offset})"
            tick, expected = rec.get("tick"), len(digests) + 1
            if not _whole(tick) or tick != expected:
                damage = (
                    f"{where}: tick {str(tick)[:24]} where tick {expected} was due; "
                    f"the records before it are intact"
                )
                break
            if rec["k"] == "input":
                inputs.append((tick, event_from(rec, where)))
                continue
            digest = rec.get("d")
            if not isinstance(digest, bytes) or not 0 < len(digest) <= MAX_DIGEST:
                raise RecordingError(f"{where}: the tick's state digest is missing")
            digests.append((tick, digest))
        damage = damage or reader.damage
    if header is None:
        raise RecordingError(damage or f"{path}: no header")
    return header, inputs, digests, reader.torn_tail, damage


def load_recording(path: Path, pack_dir: Path | None = None) -> Recording:
    """The recording at `path` with its pack, checked to be the pack recorded. `pack_dir`
    overrides the header's pack path (a pack moved since, with the same content). A damaged
    recording loads up to the damage, named in `damage` (see Recording.check)."""
    from engine.recorder import pack_hash

    header, inputs, digests, torn_tail, damage = _read(path)
    if pack_dir is None:
        recorded = header.get("pack")
        if not isinstance(recorded, str) or not recorded:
            raise RecordingError(f"{path}: header: no pack path; name the pack with --pack")
        pack_dir = Path(recorded)
        if not pack_dir.is_dir():
            raise RecordingError(
                f"{path}: the pack it was recorded with, {pack_dir}, is not there; "
                f"give its new place with --pack"
            )
    pack = load_any(pack_dir)  # a scenario pack or a course of fire
    if pack_hash(pack) != header.get("pack_hash"):
        raise RecordingError(
            f"{pack_dir}: this pack is not the one recorded (its content "
            f"changed), so a replay cannot be exact"
        )
    warnings = [TORN_TAIL] if torn_tail else []
    recording = Recording(path, header, pack_dir, pack, inputs, digests, torn_tail, warnings)
    recording.damage = damage
    camera = recording.config.get("trainee_camera")
    if camera and recording.camera_file is None:
        warnings.append(
            f"the trainee camera video {camera_side_file(path)} is missing (or not a plain "
            f"file); going on without it"
        )
    return recording
