"""Opening a session recording for `sightline replay`, `replay --verify` and `aar`: one
reader for all three.

`load_recording(path, pack_dir)` reads the file (sim/recording.py), decodes its inputs and
tick digests, loads the pack the header names (or `pack_dir`, when the pack moved) and
checks it is the pack recorded (engine.recorder.pack_hash): a pack whose content changed
would re-simulate differently, so every command refuses it with the same one-line error.
Every problem is a RecordingError (a UserError) naming the file; nothing is printed here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from content.pack import Pack, load_pack
from sim.events import InputEvent
from sim.recording import RecordingError, event_from, read_recording
from sim.runtime import ScenarioRuntime

TORN_TAIL = "the recording ends early: its last record was cut short"


@dataclass
class Recording:
    path: Path
    header: dict
    pack_dir: Path
    pack: Pack
    inputs: list[tuple[int, InputEvent]]  # (tick applied at, event), in record order
    digests: list[tuple[int, bytes]]  # (tick, state digest after it), in record order
    torn_tail: bool
    warnings: list[str] = field(default_factory=list)  # one line each, for the user

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

    def inputs_by_tick(self) -> dict[int, list[InputEvent]]:
        by_tick: dict[int, list[InputEvent]] = defaultdict(list)
        for tick, event in self.inputs:
            by_tick[tick].append(event)
        return by_tick

    def runtime(self) -> ScenarioRuntime:
        """A fresh runtime configured as the recorded one was, at tick 0."""
        return ScenarioRuntime(
            self.pack.scenario,
            self.tick_hz,
            float(self.config.get("screen_aspect", 16 / 9)),
            self.levels,
        )


def load_recording(path: Path, pack_dir: Path | None = None) -> Recording:
    """The recording at `path` with its pack, checked to be the pack recorded. `pack_dir`
    overrides the header's pack path (a pack moved since, with the same content)."""
    from engine.recorder import pack_hash

    try:
        fh = path.open("rb")
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        result = read_recording(fh, str(path))
    records = result.records
    if not records or records[0].get("k") != "header":
        raise RecordingError(f"{path}: no header")
    header = records[0]
    config = header.get("config", {})
    if not isinstance(config, dict):
        raise RecordingError(f"{path}: header: config is not a table")
    hz = config.get("tick_hz", 120)
    if not isinstance(hz, int) or isinstance(hz, bool) or hz <= 0:
        raise RecordingError(f"{path}: header: tick_hz {hz!r} is not a positive whole number")
    inputs: list[tuple[int, InputEvent]] = []
    digests: list[tuple[int, bytes]] = []
    for i, rec in enumerate(records[1:], 1):
        where = f"{path}: record {i}"
        if rec["k"] not in ("input", "tick"):
            continue
        tick = rec.get("tick")
        if not isinstance(tick, int) or isinstance(tick, bool) or tick < 0:
            raise RecordingError(f"{where}: tick {tick!r} is not a whole number")
        if rec["k"] == "input":
            inputs.append((tick, event_from(rec, where)))
        else:
            digest = rec.get("d")
            if not isinstance(digest, bytes):
                raise RecordingError(f"{where}: the tick's state digest is missing")
            digests.append((tick, digest))
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
    pack = load_pack(pack_dir)
    if pack_hash(pack) != header.get("pack_hash"):
        raise RecordingError(
            f"{pack_dir}: this pack is not the one recorded (its content "
            f"changed), so a replay cannot be exact"
        )
    warnings = [TORN_TAIL] if result.torn_tail else []
    return Recording(path, header, pack_dir, pack, inputs, digests, result.torn_tail, warnings)
