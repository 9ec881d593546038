"""The Sightline device protocol, version 2 (docs/device-protocol.md): COBS framing, a
CRC-32 frame check, and the message types, as pure functions on bytes. No I/O here: links
and drivers use it.

`FrameReader.feed(data)` accepts any chunking of the byte stream and returns the decoded
messages; a frame that fails COBS, CRC or message checks is dropped and counted, and the
reader resynchronises at the next 0x00. Buffers are bounded. Must not import engine.
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass

VERSION = 2  # version 1 had a CRC-16: 3 in 1M frames with a few corrupted bytes passed it
MAX_PAYLOAD = 64
CRC_BYTES = 4
MAX_FRAME = MAX_PAYLOAD + CRC_BYTES + 2 + 1  # payload, CRC, COBS overhead, delimiter


class ProtocolError(ValueError):
    pass


# -- COBS ------------------------------------------------------------------------------------


def cobs_encode(data: bytes) -> bytes:
    out = bytearray()
    block = bytearray()
    for byte in data:
        if byte == 0:
            out.append(len(block) + 1)
            out += block
            block.clear()
        else:
            block.append(byte)
            if len(block) == 254:
                out.append(255)
                out += block
                block.clear()
    out.append(len(block) + 1)
    out += block
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0:
            raise ProtocolError("COBS: zero byte inside a frame")
        end = i + code
        if end > len(data):
            raise ProtocolError("COBS: block runs past the end of the frame")
        block = data[i + 1 : end]
        if 0 in block:
            raise ProtocolError("COBS: zero byte inside a block")
        out += block
        i = end
        if code < 255 and i < len(data):
            out.append(0)
    return bytes(out)


def crc32(data: bytes) -> int:
    """CRC-32 (ISO-HDLC, as in Ethernet, zlib and PNG: reflected poly 0xEDB88320, init and
    final XOR 0xFFFFFFFF); crc32(b"123456789") == 0xCBF43926. A 16-bit check let about one
    corrupted frame in 65,536 through; this one lets about one in 4.3 billion."""
    return binascii.crc32(data)


def frame(payload: bytes) -> bytes:
    if not 2 <= len(payload) <= MAX_PAYLOAD:
        raise ProtocolError(f"payload of {len(payload)} bytes (2..{MAX_PAYLOAD})")
    return cobs_encode(payload + struct.pack("<I", crc32(payload))) + b"\x00"


# -- messages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identify:
    kind: int
    device_id: int
    firmware: tuple[int, int, int]
    capabilities: int
    name: str


@dataclass(frozen=True)
class Heartbeat:
    device_us: int


@dataclass(frozen=True)
class Trigger:
    weapon: int
    device_us: int


@dataclass(frozen=True)
class ShotPosition:
    weapon: int
    x: int  # 0..65535 over the trainee screen
    y: int
    intensity: int
    device_us: int

    @property
    def x_norm(self) -> float:
        return self.x / 65535

    @property
    def y_norm(self) -> float:
        return self.y / 65535


@dataclass(frozen=True)
class Flashlight:
    light: int
    on: bool
    x: int
    y: int
    device_us: int


@dataclass(frozen=True)
class Magazine:
    weapon: int
    inserted: bool
    rounds: int
    device_us: int


@dataclass(frozen=True)
class Ack:
    acked_seq: int
    status: int


@dataclass(frozen=True)
class DeviceError:
    code: int
    text: str


@dataclass(frozen=True)
class Clock:
    token: int
    device_us: int


@dataclass(frozen=True)
class Recoil:
    weapon: int
    pulses: int = 1
    on_ms: int = 20
    off_ms: int = 50


@dataclass(frozen=True)
class ClockSync:
    token: int


@dataclass(frozen=True)
class IdentifyRequest:
    pass


@dataclass(frozen=True)
class Threat:
    """A stress effect: `effect` one of THREAT_EFFECTS' codes, `intensity` 0-100 %,
    `duration_ms` 1-65535. The host has already capped both by its safety limit; the
    firmware caps them again by its own."""

    effect: int
    intensity: int
    duration_ms: int


@dataclass(frozen=True)
class Disarm:
    """Stop every effect at once and stay safe until the next THREAT."""


@dataclass(frozen=True)
class Stoppage:
    """A magazine device: make the weapon's next round a stoppage (hold the slide, lock
    the magazine) until the trainee clears it."""

    weapon: int


KINDS = {
    1: "recoil kit",
    2: "laser tracker",
    3: "light gun",
    4: "flashlight",
    5: "threat device",
    6: "magazine",
}
CAP_RECOIL, CAP_TRIGGER, CAP_SHOT, CAP_FLASHLIGHT, CAP_MAGAZINE = (1 << i for i in range(5))
CAP_BELT, CAP_LAUNCHER, CAP_STROBE, CAP_STOPPAGE = (1 << i for i in range(5, 9))
#: THREAT effect codes (sim.events.STRESS_EFFECTS by name)
THREAT_EFFECTS = {"impulse": 1, "vibration": 2, "launcher": 3, "strobe": 4}

# type byte -> (class, struct format of the fixed part, has a trailing UTF-8 text)
_LAYOUT: dict[int, tuple[type, str, bool]] = {
    0x01: (Identify, "<BIBBBH", True),
    0x02: (Heartbeat, "<Q", False),
    0x03: (Trigger, "<BQ", False),
    0x04: (ShotPosition, "<BHHBQ", False),
    0x05: (Flashlight, "<BBHHQ", False),
    0x06: (Magazine, "<BBBQ", False),
    0x07: (Ack, "<BB", False),
    0x08: (DeviceError, "<B", True),
    0x09: (Clock, "<IQ", False),
    0x81: (Recoil, "<BBBB", False),
    0x82: (ClockSync, "<I", False),
    0x83: (IdentifyRequest, "", False),
    0x84: (Threat, "<BBH", False),
    0x85: (Disarm, "", False),
    0x86: (Stoppage, "<B", False),
}
_TYPE_OF = {cls: t for t, (cls, _, _) in _LAYOUT.items()}
MAX_TEXT = {0x01: 24, 0x08: 48}

Message = (
    Identify
    | Heartbeat
    | Trigger
    | ShotPosition
    | Flashlight
    | Magazine
    | Ack
    | DeviceError
    | Clock
    | Recoil
    | ClockSync
    | IdentifyRequest
    | Threat
    | Disarm
    | Stoppage
)


def encode(msg: Message, seq: int) -> bytes:
    """A whole frame (with delimiter) for a message."""
    t = _TYPE_OF[type(msg)]
    _, fmt, has_text = _LAYOUT[t]
    if isinstance(msg, Identify):
        fixed = struct.pack(fmt, msg.kind, msg.device_id, *msg.firmware, msg.capabilities)
        text = msg.name
    elif isinstance(msg, DeviceError):
        fixed, text = struct.pack(fmt, msg.code), msg.text
    elif isinstance(msg, Flashlight | Magazine):
        values = list(vars(msg).values())
        fixed, text = struct.pack(fmt, *[int(v) for v in values]), ""
    else:
        fixed, text = struct.pack(fmt, *vars(msg).values()), ""
    body = fixed + (text.encode("utf-8")[: MAX_TEXT.get(t, 0)] if has_text else b"")
    return frame(bytes([t, seq & 0xFF]) + body)


def decode_payload(payload: bytes) -> tuple[int, Message]:
    """(seq, message) from a CRC-checked payload; ProtocolError if malformed."""
    if len(payload) < 2:
        raise ProtocolError("payload too short")
    t, seq, body = payload[0], payload[1], payload[2:]
    if t not in _LAYOUT:
        raise ProtocolError(f"unknown message type 0x{t:02x}")
    cls, fmt, has_text = _LAYOUT[t]
    size = struct.calcsize(fmt)
    if len(body) < size or (not has_text and len(body) != size):
        raise ProtocolError(f"{cls.__name__}: body of {len(body)} bytes, expected {size}")
    if has_text and len(body) - size > MAX_TEXT[t]:
        raise ProtocolError(f"{cls.__name__}: text over {MAX_TEXT[t]} bytes")
    values = struct.unpack(fmt, body[:size])
    if cls is Identify:
        name = body[size:].decode("utf-8", "replace")
        return seq, Identify(values[0], values[1], tuple(values[2:5]), values[5], name)
    if cls is DeviceError:
        return seq, DeviceError(values[0], body[size:].decode("utf-8", "replace"))
    if cls is Flashlight:
        return seq, Flashlight(values[0], bool(values[1]), *values[2:])
    if cls is Magazine:
        return seq, Magazine(values[0], bool(values[1]), *values[2:])
    return seq, cls(*values)


class FrameReader:
    """Turns a byte stream into messages, dropping and counting anything malformed."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._discarding = False  # an over-long frame: skip to the next delimiter
        self.dropped = 0
        self.last_error = ""

    def feed(self, data: bytes) -> list[tuple[int, Message]]:
        out = []
        for byte in data:
            if byte != 0:
                if self._discarding:
                    continue
                self._buf.append(byte)
                if len(self._buf) > MAX_FRAME:
                    self._drop("frame longer than the protocol allows")
                    self._discarding = True
                continue
            raw, self._buf = bytes(self._buf), bytearray()
            if self._discarding:
                self._discarding = False
                continue
            if not raw:
                continue  # idle delimiters are allowed
            try:
                decoded = cobs_decode(raw)
                if len(decoded) < 2 + CRC_BYTES:
                    raise ProtocolError("frame too short")
                payload = decoded[:-CRC_BYTES]
                (crc,) = struct.unpack("<I", decoded[-CRC_BYTES:])
                if crc32(payload) != crc:
                    raise ProtocolError("CRC mismatch")
                out.append(decode_payload(payload))
            except ProtocolError as exc:
                self._drop(str(exc))
        return out

    def _drop(self, why: str) -> None:
        self.dropped += 1
        self.last_error = why
        self._buf.clear()


if __name__ == "__main__":  # the worked example of docs/device-protocol.md
    example = encode(ShotPosition(1, 32767, 32767, 200, 1_000_000), seq=7)
    print(example.hex(" "))
