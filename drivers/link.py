"""One serial device on its own thread: open, read, write, and come back after an unplug.

`SerialLink` owns the port. Its thread reads whatever arrives (stamping it with the host
clock on arrival) into a `LinkProtocol`, writes what `send()` queued (send never blocks the
caller), and when the port fails (unplugged: pyserial raises SerialException, `in_waiting`
a plain OSError) closes it, reports the fault and tries to reopen it every 100 ms: by the
same path (stable names such as /dev/serial/by-id/... survive a replug), or, for a USB
device seen before, by its VID/PID/serial number wherever it reappears.

Threads: the port and everything in `LinkStatus` belong to the link thread (other threads
only read the status). `send()` runs on the caller's thread: it queues bytes and wakes the
port's read, under `_port_lock`, which the link thread also holds while it closes or
replaces the port, so a wake-up never reaches a port being closed. Must not import engine.
"""

from __future__ import annotations

import contextlib
import queue
import termios
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import serial
from serial.tools import list_ports

from drivers.input_queue import host_now_s

RETRY_S = 0.1


@dataclass
class LinkStatus:
    name: str
    connected: bool = False
    port: str = ""
    last_data_s: float | None = None
    faults: list[tuple[float, str]] = field(default_factory=list)
    reconnects: int = 0


class LinkProtocol:
    """What a driver implements to live on a SerialLink."""

    def connection_made(self, link: SerialLink) -> None: ...

    def data_received(self, data: bytes, host_t_s: float) -> None: ...

    def connection_lost(self, why: str) -> None: ...

    def poll(self, host_t_s: float) -> None:
        """Called every read timeout: retries, heartbeats."""


class SerialLink:
    def __init__(
        self,
        name: str,
        path: str,
        protocol: LinkProtocol,
        baudrate: int = 115200,
        on_fault: Callable[[str, bool, str], None] | None = None,
        dtr: bool = True,
        clock: Callable[[], float] = host_now_s,
    ):
        self.path = path
        self.protocol = protocol
        self.baudrate = baudrate
        self.dtr = dtr
        self.status = LinkStatus(name)
        self.on_fault = on_fault  # (device name, connected, text), from the link thread
        self.clock = clock  # what events are stamped with: the session's clock
        self._usb: tuple[int, int, str | None] | None = None
        self._out: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.connected_event = threading.Event()
        self._port: serial.SerialBase | None = None
        self._port_lock = threading.Lock()  # swapping or closing `_port` vs send()'s wake-up
        self._thread = threading.Thread(target=self._run, name=f"link:{name}", daemon=True)

    def start(self) -> SerialLink:
        self._thread.start()
        return self

    def send(self, data: bytes) -> None:
        """Queue bytes for the device; wakes the link thread out of its read at once."""
        self._out.put(data)
        with self._port_lock:
            port = self._port
            if port is not None and hasattr(port, "cancel_read"):
                with contextlib.suppress(OSError, serial.SerialException, AttributeError):
                    port.cancel_read()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Write what is queued, then close (the caller's last words, like a gun's E)."""
        self._stop.set()
        self._thread.join(timeout=timeout_s)

    # -- the thread ------------------------------------------------------------------------

    def _open(self) -> serial.SerialBase | None:
        candidates = [self.path]
        if self._usb is not None:
            vid, pid, sn = self._usb
            candidates += [
                p.device
                for p in list_ports.comports()
                if (p.vid, p.pid) == (vid, pid) and (sn is None or p.serial_number == sn)
            ]
        for path in candidates:
            try:
                port = serial.serial_for_url(
                    path, baudrate=self.baudrate, timeout=0.01, write_timeout=0.5, do_not_open=True
                )
                if hasattr(port, "exclusive"):
                    port.exclusive = path.startswith("/dev/") and "pts" not in path
                port.open()
                if self.dtr and hasattr(port, "dtr"):
                    with contextlib.suppress(OSError, serial.SerialException, ValueError):
                        port.dtr = True
                self._remember_usb(port)
                return port
            except (OSError, serial.SerialException, ValueError):
                continue
        return None

    def _remember_usb(self, port) -> None:
        if self._usb is not None or not isinstance(getattr(port, "port", None), str):
            return
        for info in list_ports.comports():
            if info.device == port.port and info.vid is not None:
                self._usb = (info.vid, info.pid, info.serial_number)

    def _fault(self, text: str, connected: bool) -> None:
        self.status.faults.append((self.clock(), text))
        del self.status.faults[:-20]
        if self.on_fault is not None:
            self.on_fault(self.status.name, connected, text)

    def _run(self) -> None:
        first = True
        while True:
            if self._port is None:
                if self._stop.is_set():
                    return
                port = self._open()
                with self._port_lock:
                    self._port = port
                if self._port is None:
                    if first:
                        self._fault(f"cannot open {self.path}", False)
                        first = False
                    self._stop.wait(RETRY_S)
                    continue
                if not first:
                    self.status.reconnects += 1
                    self._fault(f"reconnected on {self._port.port}", True)
                first = False
                self.status.connected, self.status.port = True, str(self._port.port)
                self.connected_event.set()
                self.protocol.connection_made(self)
            try:
                while True:
                    try:
                        data = self._out.get_nowait()
                    except queue.Empty:
                        break
                    self._port.write(data)
                    self._port.flush()  # one command per transmission: `E` must arrive alone
                if self._stop.is_set():
                    self._port.flush()
                    self._close_port()
                    return
                data = self._port.read(max(1, min(self._port.in_waiting, 4096)))
                now = self.clock()
                if data:
                    self.status.last_data_s = now
                    self.protocol.data_received(data, now)
                self.protocol.poll(now)
            except (serial.SerialException, OSError, ValueError, termios.error) as exc:
                # an unplugged port: SerialException from read/write, OSError from
                # in_waiting, termios.error (not an OSError) from flush/tcdrain
                self._lost(f"lost: {exc.__class__.__name__}: {exc}"[:160])
            except Exception as exc:  # a driver thread must never die: record, reopen
                self._lost(f"lost: driver error {exc.__class__.__name__}: {exc}"[:160])

    def _close_port(self) -> None:
        """Close the port and forget it (forgotten even when close() raises)."""
        with self._port_lock:
            port, self._port = self._port, None
            if port is not None:
                port.close()

    def _lost(self, why: str) -> None:
        with contextlib.suppress(OSError, serial.SerialException, termios.error):
            self._close_port()
        self.status.connected = False
        self.connected_event.clear()
        self.protocol.connection_lost(why)
        self._fault(why, False)
        self._stop.wait(RETRY_S)
