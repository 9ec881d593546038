"""Links and drivers through real byte pipes: loop:// and pseudo-terminals with an emulated
device; unplugging is closing the pty's master side."""

from __future__ import annotations

import threading

import pytest

from drivers import protocol as p
from drivers.input_queue import InputQueue
from drivers.link import LinkProtocol, SerialLink
from drivers.sightline_device import SightlineDevice
from tools.emulate import Emulator

WAIT_S = 60.0  # generous: a busy machine is slow; a pass returns as soon as it can


def wait_for(predicate, timeout_s=WAIT_S) -> bool:
    done = threading.Event()
    for _ in range(int(timeout_s / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return predicate()


class Collect(LinkProtocol):
    def __init__(self):
        self.reader = p.FrameReader()
        self.messages = []

    def data_received(self, data, host_t_s):
        self.messages += [m for _, m in self.reader.feed(data)]


def test_a_link_on_loop_delivers_what_it_sends():
    proto = Collect()
    link = SerialLink("loop", "loop://", proto).start()
    try:
        assert link.connected_event.wait(WAIT_S)
        link.send(b"noise\x00" + p.encode(p.Heartbeat(5), 1))
        assert wait_for(lambda: proto.messages == [p.Heartbeat(5)])
    finally:
        link.stop()


@pytest.fixture
def tracker(tmp_path):
    emu = Emulator("laser-tracker", tmp_path / "tracker", shots=3, interval_s=0.05)
    yield emu
    emu.close()


def test_laser_tracker_shots_become_stamped_shot_events(tracker):
    q = InputQueue()
    dev = SightlineDevice(q, "tracker")
    link = SerialLink("tracker", str(tracker.link), dev).start()
    events = []
    try:
        assert wait_for(lambda: events.extend(q.drain()) or len(events) >= 3)
        assert dev.identity is not None and dev.identity.kind == 2
    finally:
        link.stop()
    for item in events[:3]:
        assert item.event.weapon == "w1" and 0 < item.event.x_norm < 1
        assert item.host_t_s > 0


def test_recoil_is_acknowledged_once_even_when_resent(tmp_path):
    emu = Emulator("recoil-kit", tmp_path / "kit")
    dev = SightlineDevice(InputQueue(), "kit")
    link = SerialLink("kit", str(emu.link), dev).start()
    try:
        assert link.connected_event.wait(WAIT_S)
        dev.recoil(1)
        assert wait_for(lambda: dev.acks == 1)
        assert len(emu.recoils) == 1
        frame = p.encode(p.Recoil(1), 200)  # the same seq twice: a lost ACK's resend
        link.send(frame)
        link.send(frame)
        assert wait_for(lambda: 200 in emu.acked)
        assert len(emu.recoils) == 2  # the repeat was acknowledged, not fired again
    finally:
        link.stop()
        emu.close()


def test_unplug_is_recorded_and_the_link_comes_back(tmp_path):
    """How soon it comes back (within a second, by the README) is `sightline bench input`'s
    figure: a wall-clock bound here fails on a busy machine, not on a slow reconnect."""
    emu = Emulator("recoil-kit", tmp_path / "kit")
    faults = []
    dev = SightlineDevice(InputQueue(), "kit")
    link = SerialLink(
        "kit", str(emu.link), dev, on_fault=lambda name, up, text: faults.append((up, text))
    ).start()
    try:
        assert link.connected_event.wait(WAIT_S)
        emu.unplug()
        assert wait_for(lambda: any(not up and text.startswith("lost") for up, text in faults))
        assert not link.status.connected
        emu.replug()
        assert link.connected_event.wait(WAIT_S), "not back after the replug"
        assert any(up and "reconnected" in text for up, text in faults)
        dev.recoil(1)  # and it works again
        assert wait_for(lambda: len(emu.recoils) == 1)
    finally:
        link.stop()
        emu.close()


def test_a_port_that_does_not_exist_is_a_fault_not_a_crash(tmp_path):
    faults = []
    link = SerialLink(
        "nothing", str(tmp_path / "nope"), Collect(), on_fault=lambda *a: faults.append(a)
    ).start()
    try:
        assert wait_for(lambda: faults)
        assert "cannot open" in faults[0][2] and not link.status.connected
    finally:
        link.stop()


def test_a_driver_that_throws_does_not_kill_its_link():
    class Flaky(Collect):
        def __init__(self):
            super().__init__()
            self.boom = True

        def data_received(self, data, host_t_s):
            if self.boom:
                self.boom = False
                raise RuntimeError("bug in a driver")
            super().data_received(data, host_t_s)

    faults = []
    proto = Flaky()
    link = SerialLink(
        "loop", "loop://", proto, on_fault=lambda name, up, text: faults.append(text)
    ).start()
    try:
        assert link.connected_event.wait(WAIT_S)
        link.send(b"\x00")  # triggers the bug
        assert wait_for(lambda: any("driver error RuntimeError" in f for f in faults))
        assert link.connected_event.wait(WAIT_S)  # reopened
        link.send(p.encode(p.Heartbeat(9), 1))
        assert wait_for(lambda: p.Heartbeat(9) in proto.messages)
    finally:
        link.stop()


def test_laser_tracker_emulator_sends_scripted_positions(tmp_path):
    emu = Emulator("laser-tracker", tmp_path / "t", interval_s=0.05)
    emu.positions += [(0.25, 0.75), (0.5, 0.5)]
    q = InputQueue()
    link = SerialLink("t", str(emu.link), SightlineDevice(q, "t")).start()
    got = []
    try:
        # shoot once the host has the port open: shots sent before that are flushed with
        # the port's input when it opens, however slowly a busy host gets there
        assert link.connected_event.wait(WAIT_S)
        emu.shots_left = 2
        assert wait_for(lambda: got.extend(q.drain()) or len(got) >= 2)
    finally:
        link.stop()
        emu.close()
    assert [(round(s.event.x_norm, 3), round(s.event.y_norm, 3)) for s in got[:2]] == [
        (0.25, 0.75),
        (0.5, 0.5),
    ]
