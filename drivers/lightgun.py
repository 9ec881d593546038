"""Open-source IR light guns (OpenFIRE, GUN4IR): recoil, rumble, LEDs and the ammo display
over the gun's serial port, in their MAMEHooker-style text commands.

Aim and trigger reach the PC as a USB absolute mouse (the trainee window's clicks); this
serial link carries feedback only. On connect the driver takes control with `S6`; each shot
fired gives one solenoid pulse (a dry trigger pull from an injected malfunction gives a
rumble instead); at the end `E` is sent alone, as the last bytes the gun receives, to give
control back. Diagnostic text the gun prints is read and ignored. The padding byte after a
command letter is `x` for OpenFIRE and `.` for GUN4IR. Must not import engine.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from drivers.link import LinkProtocol, SerialLink

SEPARATORS = {"openfire": "x", "gun4ir": "."}
# USB ids of the guns' firmware (devices.md); GUN4IR uses Arduino's vendor id.
USB_IDS = {"openfire": [(0xF143, None)], "gun4ir": [(0x2341, None)]}
BAUD = 9600


@dataclass
class GunStats:
    pulses: int = 0
    rumbles: int = 0
    taken: int = 0  # times control was taken (each connect)


class LightGun(LinkProtocol):
    """Two threads meet here: the link thread calls connection_made (each connect), the
    engine's thread the feedback calls. `_lock` guards `link` and `ammo` and makes each
    connect's setup and each ammo update one step, so the gun never gets a pulse before
    `S6` and its display ends on the last ammo count sent."""

    def __init__(self, kind: str, weapon: str = "w1"):
        if kind not in SEPARATORS:
            raise ValueError(f"unknown light gun {kind!r}")
        self.kind, self.weapon = kind, weapon
        self.sep = SEPARATORS[kind]
        self.link: SerialLink | None = None
        self.stats = GunStats()  # taken: link thread's; pulses, rumbles: the engine's
        self.ammo: int | None = None
        self._lock = threading.Lock()

    def _cmd(self, head: str, *values: object) -> bytes:
        """`F0`, 2, 1 -> b"F0x2x1": the head, then each value after a padding byte."""
        return (head + "".join(f"{self.sep}{v}" for v in values)).encode("ascii")

    # -- LinkProtocol -----------------------------------------------------------------------

    def connection_made(self, link: SerialLink) -> None:
        with self._lock:
            self.stats.taken += 1
            link.send(b"S6")  # take control: the gun stops its own feedback
            link.send(self._cmd("R0", 0, 20))  # solenoid pulse: 20 ms on
            link.send(self._cmd("R0", 1, 50))  # and at least 50 ms off between pulses
            if self.ammo is not None:
                link.send(self._cmd("FDA", self.ammo))
            self.link = link  # feedback from now on: after S6

    def data_received(self, data: bytes, host_t_s: float) -> None:
        pass  # outside a handoff the gun may print diagnostics: read and ignore

    def connection_lost(self, why: str) -> None:
        pass  # SerialLink records the fault and reconnects; S6 is resent on reconnect

    # -- feedback, called by the engine for this gun's weapon --------------------------------

    def _send(self, data: bytes) -> None:
        with self._lock:
            if self.link is not None:
                self.link.send(data)  # never blocks: SerialLink queues it

    def fired(self) -> None:
        self.stats.pulses += 1
        self._send(self._cmd("F0", 2, 1))  # one solenoid pulse (the sim counts rounds)

    def warn(self) -> None:
        """A red LED pulse: the trainee hit someone they must not shoot."""
        self._send(self._cmd("F2", 2, 1))

    def dry(self) -> None:
        self.stats.rumbles += 1
        self._send(self._cmd("F1", 2, 1))  # a rumble pulse: felt, but no recoil

    def set_ammo(self, rounds: int) -> None:
        with self._lock:
            self.ammo = max(0, min(99, rounds))
            if self.link is not None:
                self.link.send(self._cmd("FDA", self.ammo))

    def give_back(self) -> None:
        """The last thing sent: `E` alone (the firmware acts on it only as the last byte)."""
        self._send(b"E")


def parse_commands(stream: bytes, sep: str = "x") -> list[tuple[str, ...]]:
    """Split a received byte stream into commands the way the OpenFIRE firmware reads it:
    a letter, a sub-letter or digit (two letters for FDA/FDL), then padding-separated values
    of up to 3 digits. Used by the emulator to log what a gun would have done."""
    text = stream.decode("ascii", "replace")
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "E":
            out.append(("E",))
            i += 1
            continue
        if c not in "SFRM" or i + 1 >= len(text):
            i += 1  # noise: skipped like the firmware does
            continue
        head = c + text[i + 1]
        i += 2
        if head in ("FD",) and i < len(text):
            head += text[i]
            i += 1
        values = []
        while i < len(text) and text[i] == sep:
            j = i + 1
            while j < len(text) and j - i <= 3 and text[j].isdigit():
                j += 1
            if j == i + 1:
                break
            values.append(text[i + 1 : j])
            i = j
        out.append((head, *values))
    return out
