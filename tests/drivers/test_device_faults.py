"""Faults of Sightline-protocol devices (issue 14): a device that stops its heartbeat is
reported lost within the documented 2 s and back at its next heartbeat; a flood of ERROR
frames reaches the instructor as a few summary lines, not one input each. The clock is the
test's: time moves only when the test moves it."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from drivers import protocol as p
from drivers.devices import Device
from drivers.input_queue import InputQueue
from drivers.link import SerialLink
from drivers.sightline_device import (
    ERROR_WINDOW_S,
    ERRORS_PER_WINDOW,
    HEARTBEAT_LOST_S,
    SightlineDevice,
)

WAIT_S = 10.0  # generous: only an upper bound on how long a busy machine may take


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Faults:
    """on_fault that a test can wait on."""

    def __init__(self) -> None:
        self.items: list[tuple[bool, str]] = []
        self.changed = threading.Condition()

    def __call__(self, name: str, connected: bool, text: str) -> None:
        with self.changed:
            self.items.append((connected, text))
            self.changed.notify_all()

    def wait_for(self, predicate) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self.items), timeout=WAIT_S)


def fake_link(faults: Faults) -> SimpleNamespace:
    return SimpleNamespace(on_fault=faults, send=lambda data: None)


def test_a_silent_device_is_lost_after_two_seconds_and_back_at_its_next_heartbeat():
    clock, faults = Clock(), Faults()
    dev = SightlineDevice(InputQueue(), "kit", clock)
    dev.connection_made(fake_link(faults))
    dev.poll(clock.t)
    dev.data_received(p.encode(p.Heartbeat(1), 1), clock.t)
    clock.t += HEARTBEAT_LOST_S - 0.1
    dev.poll(clock.t)
    assert faults.items == [] and not dev.heartbeat_lost
    clock.t += 0.2  # 2.1 s without a heartbeat
    dev.poll(clock.t)
    assert faults.items == [(False, "lost: no heartbeat for 2 s")] and dev.heartbeat_lost
    clock.t += 3.0
    dev.poll(clock.t)
    assert len(faults.items) == 1  # reported once, not every poll
    dev.data_received(p.encode(p.Heartbeat(2), 2), clock.t)
    assert faults.items[-1] == (True, "heartbeat back") and not dev.heartbeat_lost


def test_a_device_that_never_beats_is_lost_two_seconds_after_connecting():
    clock, faults = Clock(), Faults()
    dev = SightlineDevice(InputQueue(), "kit", clock)
    dev.connection_made(fake_link(faults))
    dev.poll(clock.t)
    clock.t += 5.0  # the 5 s of silence
    dev.poll(clock.t)
    assert faults.items == [(False, "lost: no heartbeat for 2 s")]


def test_the_watchdog_keeps_wall_time_when_the_session_clock_runs_ahead():
    """A headless run's session clock (the stamps) may run ten times faster than the wall;
    a device beating every second of wall time is not silent, and one silent for 2 s of
    wall time is lost even if the session clock has barely moved."""
    session, wall, faults = Clock(), Clock(), Faults()
    dev = SightlineDevice(InputQueue(), "kit", session, watch=wall)
    dev.connection_made(fake_link(faults))
    for k in range(10):  # ten heartbeats, a second of wall time apart: 100 s of session
        session.t += 10.0
        wall.t += 1.0
        dev.data_received(p.encode(p.Heartbeat(k), k), session.t)
        dev.poll(session.t)
    assert faults.items == [] and not dev.heartbeat_lost
    assert dev.last_heartbeat_s == session.t  # stamped on the session's clock
    session.t += 0.1
    wall.t += HEARTBEAT_LOST_S + 0.1
    dev.poll(session.t)
    assert faults.items == [(False, "lost: no heartbeat for 2 s")]


def test_heartbeat_loss_on_a_live_link_reaches_the_fault_report_and_the_status_line():
    """Through a real link thread (loop:// echoes what is sent) on the test's clock."""
    clock, faults = Clock(), Faults()
    dev = SightlineDevice(InputQueue(), "loop", clock)
    link = SerialLink("loop", "loop://", dev, on_fault=faults, clock=clock).start()
    device = Device("recoil-kit:loop", "recoil-kit", "w1", link, dev)
    try:
        beat = threading.Event()
        original = dev.data_received

        def seen(data, t):
            original(data, t)
            if dev.last_heartbeat_s is not None:
                beat.set()

        dev.data_received = seen
        assert link.connected_event.wait(WAIT_S)
        link.send(p.encode(p.Heartbeat(1), 1))
        assert beat.wait(WAIT_S)
        assert "connected" in device.status_line()
        clock.t += 2.5
        assert faults.wait_for(lambda items: (False, "lost: no heartbeat for 2 s") in items)
        assert "NO HEARTBEAT" in device.status_line()
        link.send(p.encode(p.Heartbeat(2), 2))
        assert faults.wait_for(lambda items: (True, "heartbeat back") in items)
        assert "NO HEARTBEAT" not in device.status_line()
    finally:
        link.stop()


def test_twenty_thousand_error_frames_become_a_few_lines():
    clock, faults = Clock(), Faults()
    dev = SightlineDevice(InputQueue(), "kit", clock)
    dev.connection_made(fake_link(faults))
    stream = b"".join(p.encode(p.DeviceError(3, "solenoid hot"), i) for i in range(20_000))
    for i in range(0, len(stream), 4096):  # a flood over 4 s, in read-sized chunks
        clock.t += 4.0 / (len(stream) / 4096)
        dev.data_received(stream[i : i + 4096], clock.t)
    clock.t += ERROR_WINDOW_S
    dev.poll(clock.t)  # the window ends: its summary
    dev.data_received(p.encode(p.Heartbeat(1), 1), clock.t)
    lines = [text for _, text in faults.items]
    assert lines == [
        "device error 3: solenoid hot",
        f"device error 3: solenoid hot repeated 19999 more times in {ERROR_WINDOW_S:g} s",
    ]


def test_varied_errors_are_capped_per_window_and_summed_up():
    clock, faults = Clock(), Faults()
    dev = SightlineDevice(InputQueue(), "kit", clock)
    dev.connection_made(fake_link(faults))
    for i in range(20_000):
        clock.t += 0.001  # 20 s: two windows
        text = f"fault {i % 100}\nforged line"  # control characters never reach a line
        dev.data_received(p.encode(p.DeviceError(i % 7, text), i), clock.t)
    clock.t += ERROR_WINDOW_S
    dev.poll(clock.t)
    lines = [text for _, text in faults.items]
    assert len(lines) <= 3 * (ERRORS_PER_WINDOW + 1)
    assert all("\n" not in line for line in lines)
    shown = sum(1 for line in lines if line.startswith("device error"))
    summed = sum(int(line.split()[0]) for line in lines if "more device errors" in line)
    assert shown + summed == 20_000


def test_a_device_that_goes_silent_on_an_open_port_is_reported(tmp_path):
    """The emulator as a hung firmware: the port stays open, heartbeats stop."""
    from tools.emulate import Emulator

    emu = Emulator("recoil-kit", tmp_path / "kit")
    faults = Faults()
    dev = SightlineDevice(InputQueue(), "kit")
    link = SerialLink("kit", str(emu.link), dev, on_fault=faults).start()
    try:
        assert link.connected_event.wait(WAIT_S)
        emu.heartbeats = False
        assert faults.wait_for(lambda items: (False, "lost: no heartbeat for 2 s") in items)
        assert link.status.connected  # the port itself is fine
        emu.heartbeats = True
        assert faults.wait_for(lambda items: (True, "heartbeat back") in items)
    finally:
        link.stop()
        emu.close()
