"""The session recording format: what was fed to the sim, tick by tick, and what it did.

A recording is `MAGIC` followed by records, each `length (u32 LE) + crc32 (u32 LE) +
msgpack map`. Kinds (`k`):
  header  program version, pack path and content hash, configuration
  input   an event applied at a tick (keys, shots, instructor actions, device faults...)
  tick    the state digest after a tick (every tick: replay compares them)
  out     a command the sim gave the engine at a tick (clips, markers, dry fire...)
Writing is append-only; a reader accepts a torn last record (a crash mid-write) and stops
there, but any other damage is a RecordingError naming the byte offset. Every length read
is bounded. Pure Python and msgpack: no clock, no threads.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import msgpack

from sim import events as ev
from sim.errors import UserError

MAGIC = b"SIGHTLINE-REC\x01\n"
MAX_RECORD = 1 << 20
_HEAD = struct.Struct("<II")
EVENT_TYPES = {
    cls.__name__: cls
    for cls in (
        ev.KeyPress,
        ev.Shot,
        ev.TraineeAction,
        ev.Pause,
        ev.Resume,
        ev.Flag,
        ev.FlagNote,
        ev.JumpTo,
        ev.Malfunction,
        ev.SetView,
        ev.PlaySound,
        ev.SetLevel,
        ev.EndScenario,
        ev.DeviceStatus,
        ev.MagazineChange,
        ev.FlashlightMove,
        ev.TargetHit,
    )
}


class RecordingError(UserError, ValueError):
    pass


def encode_record(record: dict) -> bytes:
    body = msgpack.packb(record, use_bin_type=True)
    if len(body) > MAX_RECORD:
        raise RecordingError(f"a record of {len(body)} bytes is over {MAX_RECORD}")
    return _HEAD.pack(len(body), zlib.crc32(body)) + body


def event_record(tick: int, event: ev.InputEvent) -> dict:
    return {
        "k": "input",
        "tick": tick,
        "type": type(event).__name__,
        "f": dataclasses.asdict(event),
    }


def event_from(record: dict, where: str) -> ev.InputEvent:
    cls = EVENT_TYPES.get(record.get("type"))
    fields = record.get("f")
    if cls is None or not isinstance(fields, dict):
        raise RecordingError(f"{where}: unknown input event {record.get('type')!r}")
    try:
        return cls(**fields)
    except TypeError as exc:
        raise RecordingError(f"{where}: bad {cls.__name__} ({exc})") from None


def command_record(tick: int, cmd) -> dict:
    return {"k": "out", "tick": tick, "type": type(cmd).__name__, "f": dataclasses.asdict(cmd)}


@dataclass
class ReadResult:
    records: list[dict]
    torn_tail: bool  # the last record was cut short (the writer died mid-write)


def iter_records(fh: BinaryIO, name: str) -> Iterator[tuple[int, dict]]:
    """(byte offset, record) for each whole record; raises RecordingError on damage other
    than a torn last record, after which iteration simply stops."""
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise RecordingError(f"{name}: not a Sightline recording")
    offset = len(MAGIC)
    while True:
        head = fh.read(_HEAD.size)
        if not head:
            return
        if len(head) < _HEAD.size:
            raise _Torn()
        length, crc = _HEAD.unpack(head)
        if length > MAX_RECORD:
            raise RecordingError(
                f"{name}: byte {offset}: record length {length} is over "
                f"{MAX_RECORD}: not a recording, or damaged"
            )
        body = fh.read(length)
        if len(body) < length:
            raise _Torn()
        if zlib.crc32(body) != crc:
            raise RecordingError(f"{name}: byte {offset}: record damaged (CRC mismatch)")
        try:
            record = msgpack.unpackb(body, raw=False, strict_map_key=True)
        except (ValueError, msgpack.UnpackException) as exc:
            raise RecordingError(f"{name}: byte {offset}: not a record ({exc})") from None
        if not isinstance(record, dict) or not isinstance(record.get("k"), str):
            raise RecordingError(f"{name}: byte {offset}: not a record")
        yield offset, record
        offset += _HEAD.size + length


class _Torn(Exception):
    pass


def read_recording(fh: BinaryIO, name: str) -> ReadResult:
    records = []
    try:
        for _, record in iter_records(fh, name):
            records.append(record)
    except _Torn:
        return ReadResult(records, True)
    return ReadResult(records, False)
