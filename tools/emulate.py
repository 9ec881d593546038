"""`sightline emulate KIND`: a pretend device on a pseudo-terminal, for tests and for
trying Sightline without hardware.

  openfire / gun4ir    a light gun's serial side: logs each command it receives, parsed
                       the way the firmware parses them
  recoil-kit           Sightline protocol: IDENTIFY, heartbeats, a TRIGGER per scripted
                       or random shot; ACKs RECOIL commands and counts the pulses
  laser-tracker        Sightline protocol: SHOT positions (scripted or random)
  threat-device        Sightline protocol: a stress belt/launcher/strobe; ACKs THREAT and
                       DISARM, logs each effect (with the host time it arrived)
  magazine             Sightline protocol: a magazine with 15 rounds (MAGAZINE on connect);
                       ACKs STOPPAGE and logs it

Sightline devices speak protocol version 2 (CRC-32 frame check, docs/device-protocol.md)
through drivers/protocol.py. For fault tests, `heartbeats = False` makes one go silent as a
hung firmware does (the port stays open), and `send_error()` sends ERROR frames.

The emulator opens a pty pair and keeps a stable symlink to the device side (like
/dev/serial/by-id/ on a real system); `unplug()` closes it as a yanked cable does and
`replug()` brings it back under a new pty, behind the same symlink.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import threading
import time
import tty
from pathlib import Path

from drivers import protocol as p
from drivers.lightgun import SEPARATORS, parse_commands

KINDS = ("openfire", "gun4ir", "recoil-kit", "laser-tracker", "threat-device", "magazine")
PROTOCOL_KINDS = {"recoil-kit": 1, "laser-tracker": 2, "threat-device": 5, "magazine": 6}
CAPABILITIES = {
    1: p.CAP_RECOIL | p.CAP_TRIGGER,
    2: p.CAP_SHOT,
    5: p.CAP_BELT | p.CAP_LAUNCHER | p.CAP_STROBE,
    6: p.CAP_MAGAZINE | p.CAP_STOPPAGE,
}


class Emulator:
    def __init__(
        self, kind: str, link: Path, shots: int = 0, interval_s: float = 1.0, seed: int = 1
    ):
        if kind not in KINDS:
            raise ValueError(f"unknown device kind {kind!r}; one of {', '.join(KINDS)}")
        self.kind, self.link = kind, Path(link)
        self.shots_left, self.interval_s = shots, interval_s
        self.positions: list[tuple[float, float]] = []  # scripted shot positions, normalized
        self.rng = random.Random(seed)
        self.received = bytearray()  # everything the host sent
        self.commands: list[tuple[str, ...]] = []  # light guns: parsed commands
        self.recoils: list[p.Recoil] = []  # Sightline devices: RECOIL commands acted on
        self.acked: set[int] = set()
        self.sent_at: dict[int, float] = {}  # device_us of each SHOT/TRIGGER -> host write time
        self.recoil_at: list[float] = []  # host time each new RECOIL arrived
        # threat devices and magazines: (host time, THREAT / DISARM / STOPPAGE) acted on
        self.effects: list[tuple[float, p.Threat | p.Disarm | p.Stoppage]] = []
        self.reader = p.FrameReader()
        self.heartbeats = True  # False: a hung device, silent on an open port
        self._seq = 0
        self._master: int | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.plug()
        self._thread = threading.Thread(target=self._run, name=f"emulate:{kind}", daemon=True)
        self._thread.start()

    # -- the cable ---------------------------------------------------------------------------

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        name = os.ttyname(slave)
        os.close(slave)  # the host opens it by name
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(name)
        tmp.replace(self.link)
        with self._lock:
            self._master = master
            self._t0 = time.monotonic()
            self._next_hello = True

    def unplug(self) -> None:
        with self._lock:
            if self._master is not None:
                os.close(self._master)
                self._master = None

    replug = plug

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.unplug()
        self.link.unlink(missing_ok=True)

    # -- the device --------------------------------------------------------------------------

    def _send(self, msg: p.Message) -> None:
        with self._lock:
            if self._master is None:
                return
            self._seq = (self._seq + 1) & 0xFF
            with contextlib.suppress(OSError):  # the cable was pulled meanwhile
                os.write(self._master, p.encode(msg, self._seq))

    def send_error(self, code: int, text: str, times: int = 1) -> None:
        """ERROR frames, as a device with a fault (or a flood of them) sends."""
        for _ in range(times):
            self._send(p.DeviceError(code, text))

    def _device_us(self) -> int:
        return int((time.monotonic() - self._t0) * 1e6)

    def _run(self) -> None:
        next_shot = time.monotonic() + self.interval_s
        next_beat = time.monotonic()
        while not self._stop.is_set():
            master = self._master
            if master is None:
                self._stop.wait(0.01)
                continue
            if self._next_hello and self.kind in PROTOCOL_KINDS:
                self._next_hello = False
                kind = PROTOCOL_KINDS[self.kind]
                caps = CAPABILITIES[kind]
                self._send(p.Identify(kind, 42, (1, 0, 0), caps, f"emulated {self.kind}"))
                if self.kind == "magazine":
                    self._send(p.Magazine(1, True, 15, self._device_us()))
            try:
                ready, _, _ = select.select([master], [], [], 0.01)
                data = os.read(master, 4096) if ready else b""
            except OSError:
                data = b""
            if data:
                self._received(data)
            now = time.monotonic()
            if self.kind in PROTOCOL_KINDS:
                if now >= next_beat and self.heartbeats:
                    self._send(p.Heartbeat(self._device_us()))
                    next_beat = now + 0.5
                if self.shots_left and now >= next_shot:
                    self.shots_left -= 1
                    next_shot = now + self.interval_s
                    stamp = self._device_us()
                    self.sent_at[stamp] = time.monotonic()
                    if self.kind == "recoil-kit":
                        self._send(p.Trigger(1, stamp))
                    else:
                        if self.positions:
                            px, py = self.positions.pop(0)
                            x, y = round(px * 65535), round(py * 65535)
                        else:
                            x, y = self.rng.randint(6000, 59000), self.rng.randint(6000, 59000)
                        self._send(p.ShotPosition(1, x, y, 200, stamp))

    def _received(self, data: bytes) -> None:
        self.received += data
        if self.kind in SEPARATORS:
            self.commands = parse_commands(bytes(self.received), SEPARATORS[self.kind])
            return
        for seq, msg in self.reader.feed(data):
            if isinstance(msg, p.Recoil):
                if seq not in self.acked:  # a resent command is acknowledged, not refired
                    self.acked.add(seq)
                    self.recoils.append(msg)
                    self.recoil_at.append(time.monotonic())
                self._send(p.Ack(seq, 0))
            elif isinstance(msg, p.Threat | p.Disarm | p.Stoppage):
                if seq not in self.acked:
                    self.acked.add(seq)
                    self.effects.append((time.monotonic(), msg))
                self._send(p.Ack(seq, 0))
            elif isinstance(msg, p.ClockSync):
                self._send(p.Clock(msg.token, self._device_us()))
            elif isinstance(msg, p.IdentifyRequest):
                self._next_hello = True


def emulate_command(args) -> int:
    link = Path(args.link or f"/tmp/sightline-{args.kind}")
    emu = Emulator(args.kind, link, shots=max(args.shots, len(args.at)), interval_s=args.interval)
    for spec in args.at:
        x, y = (float(v) for v in spec.split(","))
        emu.positions.append((x, y))
    print(f"emulating a {args.kind} on {link} (-> {os.path.realpath(link)})")
    print(f"connect with: sightline run PACK --device {args.kind}:{link}   (Ctrl-C to stop)")
    shown = 0
    try:
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
            log = (
                emu.commands
                if emu.kind in SEPARATORS
                else [m for _, m in emu.effects]
                if emu.kind in ("threat-device", "magazine")
                else emu.recoils
            )
            for item in log[shown:]:
                print(f"received: {item}")
            shown = len(log)
    except KeyboardInterrupt:
        pass
    finally:
        emu.close()
    return 0
