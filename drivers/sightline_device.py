"""Devices that speak the Sightline protocol (docs/device-protocol.md): recoil kits, laser
trackers, flashlights, magazines, threat (stress) devices.

Shots become sim Shot events on the input queue, stamped with the host time the device
clock maps to (CLOCK exchanges every 2 s; until the first, stamped on arrival). RECOIL,
THREAT, DISARM and STOPPAGE commands carry a sequence number and are resent once after
50 ms without an ACK (the device ACKs a repeat without acting again). A device silent
for HEARTBEAT_LOST_S (no HEARTBEAT) is reported lost while its port stays open, and back
at its next heartbeat. ERROR frames reach the instructor rate-limited: a repeat of an
error already shown, or any error past ERRORS_PER_WINDOW in ERROR_WINDOW_S, is counted
and summed up in one line when the window ends, so a flooding device cannot flood the
session's inputs. Times are the link's clock.
Must not import engine.
"""

from __future__ import annotations

import collections
import itertools
import threading
from collections.abc import Callable

from drivers import protocol as p
from drivers.input_queue import InputQueue, host_now_s
from drivers.link import LinkProtocol, SerialLink
from sim.events import FlashlightMove, MagazineChange, Shot

ACK_TIMEOUT_S = 0.05
CLOCK_EVERY_S = 2.0
HEARTBEAT_LOST_S = 2.0  # docs/device-protocol.md: a heartbeat at least once a second
ERROR_WINDOW_S = 10.0
ERRORS_PER_WINDOW = 5  # error lines shown at once per window; the rest are counted
_ERROR_KINDS_KEPT = 16  # distinct errors counted by name per window (the rest: "other")


def _printable(text: str) -> str:
    """A device's text for one status line: control characters would break the line."""
    return "".join(c if c.isprintable() else "?" for c in text)


class _ErrorLimiter:
    """Decides which device ERRORs become a line now, and sums up the rest per window."""

    def __init__(self) -> None:
        self.window_end_s: float | None = None
        self.shown: set[tuple[int, str]] = set()
        self.held: collections.Counter[tuple[int, str]] = collections.Counter()
        self.held_other = 0

    def add(self, code: int, text: str, t_s: float) -> list[str]:
        """Lines to show now for an ERROR at t_s (a summary of the last window first)."""
        lines = self.roll(t_s)
        if self.window_end_s is None:
            self.window_end_s = t_s + ERROR_WINDOW_S
        key = (code, text)
        if key not in self.shown and len(self.shown) < ERRORS_PER_WINDOW:
            self.shown.add(key)
            lines.append(f"device error {code}: {text}")
        elif key in self.held or len(self.held) < _ERROR_KINDS_KEPT:
            self.held[key] += 1
        else:
            self.held_other += 1
        return lines

    def roll(self, t_s: float) -> list[str]:
        """At the end of a window: one line for everything held back in it."""
        if self.window_end_s is None or t_s < self.window_end_s:
            return []
        total = sum(self.held.values()) + self.held_other
        lines = []
        if total:
            (code, text), n = self.held.most_common(1)[0]
            if total == n:
                what = f"device error {code}: {text} repeated {n} more times"
            else:
                what = f"{total} more device errors (most often {code}: {text}, {n} times)"
            lines.append(f"{what} in {ERROR_WINDOW_S:g} s")
        self.window_end_s = None
        self.shown.clear()
        self.held.clear()
        self.held_other = 0
        return lines


class SightlineDevice(LinkProtocol):
    """The link thread feeds it (connection_made, data_received, poll); the engine's thread
    calls `recoil`. `_lock` guards what both touch: `link`, the sequence counter and the
    RECOIL frames waiting for their ACK. Everything else is the link thread's alone."""

    def __init__(
        self,
        inputs: InputQueue,
        name: str,
        clock: Callable[[], float] = host_now_s,
        watch: Callable[[], float] | None = None,
    ):
        """`clock` stamps the events (the session's clock); `watch` times what happens at
        the device's own pace, the heartbeat watchdog and ACK timeouts (the wall clock:
        a headless run's session clock may run faster than the wall and call a device
        that beats every second silent). Without `watch`, `clock` serves both."""
        self.inputs, self.name, self.clock = inputs, name, clock
        self.watch = watch or clock
        self.on_trigger: Callable[[int, float], None] | None = None  # shot attribution
        self.reader = p.FrameReader()
        self.link: SerialLink | None = None
        self.connected = False
        self.identity: p.Identify | None = None
        self.last_heartbeat_s: float | None = None
        self.heartbeat_lost = False  # silent for HEARTBEAT_LOST_S while connected
        self._silent_since_s: float | None = None  # connection or last heartbeat
        self._errors = _ErrorLimiter()
        self.triggers: collections.deque[tuple[str, float]] = collections.deque(maxlen=64)
        self._seq = itertools.count(1)
        self._pending: dict[int, tuple[bytes, float, bool]] = {}  # seq -> (frame, sent, resent)
        self._clock: tuple[float, float] | None = None  # (round trip s, offset s)
        self._sync: dict[int, float] = {}  # token -> host send time
        self._next_sync_s = 0.0
        self.acks = 0
        self.lost_acks = 0
        self._lock = threading.Lock()

    def _next(self) -> int:
        return next(self._seq) & 0xFF

    def host_time(self, device_us: int, arrival_s: float) -> float:
        if self._clock is None:
            return arrival_s
        mapped = device_us / 1e6 - self._clock[1]
        return min(mapped, arrival_s)  # never in the future of its own arrival

    # -- LinkProtocol --------------------------------------------------------------------------

    def connection_made(self, link: SerialLink) -> None:
        self.reader = p.FrameReader()
        self._clock = None
        self.heartbeat_lost = False
        self._silent_since_s = None  # counted from the first poll on this connection
        with self._lock:
            self.link = link
            self.connected = True
            self._pending.clear()
            link.send(p.encode(p.IdentifyRequest(), self._next()))
        self._next_sync_s = 0.0

    def _report(self, connected: bool, text: str) -> None:
        link = self.link
        if link is not None and link.on_fault is not None:
            link.on_fault(self.name, connected, text)

    def data_received(self, data: bytes, host_t_s: float) -> None:
        for _, msg in self.reader.feed(data):
            if isinstance(msg, p.ShotPosition):
                self.inputs.put(
                    Shot(0.0, min(msg.x_norm, 1.0), min(msg.y_norm, 1.0), f"w{msg.weapon}"),
                    self.host_time(msg.device_us, host_t_s),
                )
            elif isinstance(msg, p.Trigger):
                t = self.host_time(msg.device_us, host_t_s)
                self.triggers.append((f"w{msg.weapon}", t))
                if self.on_trigger is not None:
                    self.on_trigger(msg.weapon, t)
            elif isinstance(msg, p.Flashlight):
                self.inputs.put(
                    FlashlightMove(0.0, f"f{msg.light}", msg.on, msg.x / 65535, msg.y / 65535),
                    self.host_time(msg.device_us, host_t_s),
                )
            elif isinstance(msg, p.Magazine):
                self.inputs.put(
                    MagazineChange(0.0, f"w{msg.weapon}", msg.inserted, msg.rounds),
                    self.host_time(msg.device_us, host_t_s),
                )
            elif isinstance(msg, p.Heartbeat):
                self.last_heartbeat_s = host_t_s
                self._silent_since_s = self.watch()
                if self.heartbeat_lost:
                    self.heartbeat_lost = False
                    self._report(True, "heartbeat back")
            elif isinstance(msg, p.Ack):
                with self._lock:
                    if self._pending.pop(msg.acked_seq, None) is not None:
                        self.acks += 1
            elif isinstance(msg, p.Clock):
                sent = self._sync.pop(msg.token, None)
                if sent is not None:
                    rtt = host_t_s - sent
                    offset = msg.device_us / 1e6 - (sent + host_t_s) / 2
                    if self._clock is None or rtt <= self._clock[0] * 1.5:
                        self._clock = (rtt, offset)
            elif isinstance(msg, p.Identify):
                self.identity = msg
            elif isinstance(msg, p.DeviceError):
                for line in self._errors.add(msg.code, _printable(msg.text), host_t_s):
                    self._report(True, line)

    def connection_lost(self, why: str) -> None:
        with self._lock:
            self.connected = False  # commands are dropped until the device is back
            self._pending.clear()
        self.heartbeat_lost = False  # the link reports the loss itself
        self._silent_since_s = None

    def _watch(self, host_t_s: float) -> None:
        """Heartbeat loss and the error summary, on every poll of a connected link."""
        now = self.watch()
        if self._silent_since_s is None:
            self._silent_since_s = now
        silent_s = now - self._silent_since_s
        if not self.heartbeat_lost and silent_s > HEARTBEAT_LOST_S:
            self.heartbeat_lost = True
            self._report(False, f"lost: no heartbeat for {HEARTBEAT_LOST_S:g} s")
        for line in self._errors.roll(host_t_s):
            self._report(True, line)

    def poll(self, host_t_s: float) -> None:
        if self.link is not None:
            self._watch(host_t_s)
        with self._lock:
            link = self.link
            if link is None:
                return
            now = self.watch()
            for seq, (frame, sent, resent) in list(self._pending.items()):
                if now - sent > ACK_TIMEOUT_S:
                    if resent:
                        self._pending.pop(seq)
                        self.lost_acks += 1
                    else:
                        link.send(frame)
                        self._pending[seq] = (frame, now, True)
            if host_t_s < self._next_sync_s:
                return
            token = next(self._seq) & 0xFFFFFFFF
            sync_seq = self._next()
        self._sync = {k: v for k, v in self._sync.items() if host_t_s - v < 5}
        self._sync[token] = self.clock()
        link.send(p.encode(p.ClockSync(token), sync_seq))
        self._next_sync_s = host_t_s + CLOCK_EVERY_S

    # -- commands ------------------------------------------------------------------------------

    def recoil(self, weapon: int, pulses: int = 1) -> None:
        self._command(p.Recoil(weapon, pulses))

    def threat(self, effect: int, intensity: int, duration_ms: int) -> bool:
        """A THREAT frame (already capped by the station's limit, drivers/threat.py)."""
        return self._command(p.Threat(effect, intensity, duration_ms))

    def disarm(self) -> bool:
        return self._command(p.Disarm())

    def stoppage(self, weapon: int) -> bool:
        return self._command(p.Stoppage(weapon))

    def _command(self, msg: p.Message) -> bool:
        """Send a command that moves hardware: acknowledged, resent once after
        ACK_TIMEOUT_S. False when no device is connected (it is dropped: an effect must
        not fire late, when the cable comes back)."""
        with self._lock:
            if self.link is None or not self.connected:
                return False
            seq = self._next()
            frame = p.encode(msg, seq)
            self._pending[seq] = (frame, self.watch(), False)
            self.link.send(frame)
            return True
