"""The session recording format: what was fed to the sim, tick by tick, and what it did.

A recording is `MAGIC` followed by records, each `length (u32 LE) + crc32 (u32 LE) +
msgpack map`. Kinds (`k`):
  header  program version, pack path and content hash, configuration
  input   an event applied at a tick (keys, shots, instructor actions, device faults...)
  tick    the state digest after a tick (every tick: replay compares them)
  out     a command the sim gave the engine at a tick (clips, markers, dry fire...)
Writing is append-only; a reader accepts a torn last record (a crash mid-write) and stops
there. Any other damage (a flipped bit, a bad length, junk appended) ends the readable part:
`RecordReader` yields every whole record before it and names the byte offset in `damage`;
`read_recording` raises it as a RecordingError. A file is untrusted input: every length is
bounded, and so is what a record may expand to when decoded (MAX_RECORD bytes, containers
of at most MAX_ITEMS entries, strings and bytes of at most MAX_STR). Pure Python and
msgpack: no clock, no threads.
"""

from __future__ import annotations

import dataclasses
import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import msgpack

from sim import events as ev
from sim.errors import UserError

MAGIC = b"SIGHTLINE-REC\x01\n"
#: The largest record body. A tick record is about 40 bytes, the header well under 8 KiB.
MAX_RECORD = 64 << 10
MAX_ITEMS = 4096  # entries in any one list or table of a record
MAX_STR = 16 << 10  # characters in a string, bytes in a byte string
MAX_INT = 10**12  # any whole number in an input event's fields
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
        ev.Explain,
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
        ev.Score,
        ev.Said,
        ev.Vote,
        ev.CloseVote,
        ev.Reveal,
        ev.Continue,
        ev.Angle,
        ev.Threat,
        ev.Disarm,
    )
}


class RecordingError(UserError, ValueError):
    pass


def camera_side_file(record: Path) -> Path:
    """The trainee camera video recorded beside the recording `record` (REC.camera.mp4):
    here, importing no Panda3D, so replay --verify and aar use it too
    (engine.trainee_camera.camera_path calls it)."""
    return record.with_name(record.name + ".camera.mp4")


def voice_side_file(record: Path) -> Path:
    """The trainee microphone recorded beside the recording `record` (REC.voice.wav), like
    the camera's: owner-only, and `records delete` removes it with the recording."""
    return record.with_name(record.name + ".voice.wav")


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


_FIELD_TYPES = {
    "float": (int, float),
    "int": (int,),
    "str": (str,),
    "bool": (bool,),
    "int | None": (int, type(None)),  # a score's level; None: not observed
}


def event_from(record: dict, where: str) -> ev.InputEvent:
    """The input event of an "input" record, each field checked against its declared type
    (a recording is untrusted: a list where a key was would reach the sim unhashable)."""
    kind = record.get("type")
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    fields = record.get("f")
    if cls is None or not isinstance(fields, dict):
        raise RecordingError(f"{where}: unknown input event {str(kind)[:40]!r}")
    declared = {f.name: f.type for f in dataclasses.fields(cls)}
    for name, value in fields.items():
        allowed = _FIELD_TYPES.get(declared.get(name, ""), ())
        ok = isinstance(value, allowed) and (isinstance(value, bool) == (allowed == (bool,)))
        if ok and isinstance(value, float):
            ok = math.isfinite(value)
        if ok and isinstance(value, int) and not isinstance(value, bool):
            ok = abs(value) <= MAX_INT
        if not ok:
            raise RecordingError(
                f"{where}: bad {cls.__name__}: field {str(name)[:40]!r} "
                f"is not {declared.get(name, 'a field of it')}"
            )
    try:
        event = cls(**fields)
    except TypeError as exc:
        raise RecordingError(f"{where}: bad {cls.__name__} ({exc})") from None
    if not 0.0 <= event.t_s <= ev.MAX_T_S:
        raise RecordingError(f"{where}: bad {cls.__name__}: t_s {event.t_s} is out of range")
    return event


def command_record(tick: int, cmd) -> dict:
    return {"k": "out", "tick": tick, "type": type(cmd).__name__, "f": dataclasses.asdict(cmd)}


@dataclass
class ReadResult:
    records: list[dict]
    torn_tail: bool  # the last record was cut short (the writer died mid-write)


class RecordReader:
    """Iterate a recording's whole records as (byte offset, record), up to its end, a torn
    last record or the first damage. Afterwards `torn_tail` says whether the last record was
    cut short (a crash mid-write: tolerated), `damage` names what is wrong and at which byte
    (None when nothing is), and `end` is the byte after the last whole record.

    A torn record is told from a damaged length field by its body: a writer killed mid-
    write leaves the start of a msgpack map that stops short, while a length that claims
    more than the file holds in front of a complete record is damage."""

    def __init__(self, fh: BinaryIO, name: str):
        self.fh, self.name = fh, name
        self.torn_tail = False
        self.damage: str | None = None
        self.end = 0

    def _damaged(self, offset: int, what: str) -> None:
        self.damage = (
            f"{self.name}: damaged at byte {offset}: {what}; the records before it are intact"
        )

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        fh = self.fh
        magic = fh.read(len(MAGIC))
        if magic != MAGIC:
            raise RecordingError(f"{self.name}: not a Sightline recording")
        offset = self.end = len(MAGIC)
        while True:
            head = fh.read(_HEAD.size)
            if not head:
                return
            if len(head) < _HEAD.size:
                self.torn_tail = True
                return
            length, crc = _HEAD.unpack(head)
            if length > MAX_RECORD:
                self._damaged(offset, f"a record length of {length} bytes is over {MAX_RECORD}")
                return
            body = fh.read(length)
            if len(body) < length:
                if _looks_torn(body):
                    self.torn_tail = True
                else:
                    self._damaged(offset, "a record's length runs past the end of the file")
                return
            if zlib.crc32(body) != crc:
                self._damaged(offset, "a record's CRC does not match its content")
                return
            record = _decode(body)
            if record is None:
                self._damaged(offset, "a record that is not a Sightline record")
                return
            yield offset, record
            offset = self.end = offset + _HEAD.size + length


def _decode(body: bytes) -> dict | None:
    """A record's map, decoded within the bounds; None when it is not one."""
    try:
        record = msgpack.unpackb(
            body,
            raw=False,
            strict_map_key=True,
            max_str_len=MAX_STR,
            max_bin_len=MAX_STR,
            max_array_len=MAX_ITEMS,
            max_map_len=MAX_ITEMS,
            max_ext_len=0,
        )
    except (ValueError, TypeError, RecursionError, msgpack.UnpackException):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("k"), str):
        return None
    return record


def _looks_torn(partial: bytes) -> bool:
    """Whether the bytes a record's length promised but the file lacks are the start of a
    record cut short (a map that stops early) rather than a whole record behind a wrong
    length, or junk."""
    if not partial:
        return True
    if not (0x80 <= partial[0] <= 0x8F or partial[0] in (0xDE, 0xDF)):
        return False  # every record is a map
    unpacker = msgpack.Unpacker(
        raw=False,
        strict_map_key=False,
        max_buffer_size=MAX_RECORD,
        max_str_len=MAX_STR,
        max_bin_len=MAX_STR,
        max_array_len=MAX_ITEMS,
        max_map_len=MAX_ITEMS,
        max_ext_len=0,
    )
    unpacker.feed(partial)
    try:
        unpacker.unpack()
    except msgpack.OutOfData:
        return True  # it stops inside the map: cut short
    except (ValueError, TypeError, RecursionError, msgpack.UnpackException):
        return False
    return False  # a whole map: the length field is what is wrong


def iter_records(fh: BinaryIO, name: str) -> Iterator[tuple[int, dict]]:
    """(byte offset, record) for each whole record; raises RecordingError on damage other
    than a torn last record, after which iteration simply stops."""
    reader = RecordReader(fh, name)
    yield from reader
    if reader.damage is not None:
        raise RecordingError(reader.damage)


def read_recording(fh: BinaryIO, name: str) -> ReadResult:
    """Every record (a torn last one tolerated); RecordingError on any other damage."""
    reader = RecordReader(fh, name)
    records = [record for _, record in reader]
    if reader.damage is not None:
        raise RecordingError(reader.damage)
    return ReadResult(records, reader.torn_tail)
