"""Stress devices end to end without a renderer: a session's bus drives an emulated
threat device (a pty) through the real driver. A scenario's effect fires the device at its
cue and not while paused, capped by the local safety limit (a pack cannot raise it); the
disarm stops it; the malfunction inject drives an emulated magazine; an unplugged device is
survived and serves again once back."""

from __future__ import annotations

import threading
import zlib
from pathlib import Path

import pytest

from content.pack import load_pack
from drivers import protocol as p
from drivers.devices import open_device
from drivers.threat import LimitError, SafetyLimit, load_limit
from engine.fixed_loop import ManualClock
from engine.session import CommandSink, Session
from sim.commands import StressEffect
from sim.events import DeviceStatus, Disarm, Malfunction, Pause, Resume
from tools.emulate import Emulator

EFFECT = """
[[segments.a.cues]]
name = "fires"
t = 0.5
[[segments.a.effects]]
device = "impulse"
cue = "fires"
intensity = 90
duration_ms = 1500
"""
WAIT_S = 20.0  # generous: the machine may be busy


def wait_for(cond, timeout_s: float = WAIT_S) -> bool:
    ev = threading.Event()
    for _ in range(int(timeout_s / 0.01)):
        if cond():
            return True
        ev.wait(0.01)
    return cond()


@pytest.fixture
def limits(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "threat-limits.toml"
    path.write_text("max_intensity = 40\nmax_duration_ms = 250\nmin_gap_ms = 0\n")
    monkeypatch.setenv("SIGHTLINE_THREAT_LIMITS", str(path))
    return path


class Rig:
    """A session on a manual clock with one emulated Sightline device on its bus."""

    def __init__(self, pack_dir: Path, kind: str, link: Path):
        self.clock = ManualClock()
        self.session = Session(load_pack(pack_dir), self.clock, 120)
        self.emu = Emulator(kind, link)
        self.faults: list[str] = []
        self.device = open_device(
            f"{kind}:{link}",
            self.session.inputs,
            self.fault,
            self.clock,
        )
        self.session.subscribe(CommandSink(self.device.on_command), presents=True)
        assert self.device.link.connected_event.wait(WAIT_S)

    def fault(self, device: str, connected: bool, text: str) -> None:
        """As the app's: recorded by the sim as an input, and kept here to look at."""
        self.faults.append(text)
        self.session.inputs.put(DeviceStatus(0.0, device, connected, text), self.clock())

    def run_to(self, t_s: float, step_s: float = 0.05) -> None:
        while self.clock.t < t_s - 1e-9:
            self.clock.t = round(self.clock.t + step_s, 6)
            self.session.frame()

    def close(self) -> None:
        self.device.close()
        self.emu.close()
        self.session.close()


@pytest.fixture
def threat_rig(pack, tmp_path, limits):
    (pack / "scenario.toml").write_text((pack / "scenario.toml").read_text() + EFFECT)
    rig = Rig(pack, "threat-device", tmp_path / "belt")
    yield rig
    rig.close()


def threats(emu: Emulator) -> list[p.Threat]:
    return [m for _, m in emu.effects if isinstance(m, p.Threat)]


def test_a_scenario_effect_fires_the_emulated_device_at_its_cue_capped(threat_rig):
    rig = threat_rig
    rig.run_to(0.4)
    assert threats(rig.emu) == []  # before the cue
    rig.run_to(0.6)
    assert wait_for(lambda: threats(rig.emu))
    # the pack asked for 90 % for 1.5 s; the station's limit allows 40 % for 250 ms
    assert threats(rig.emu) == [p.Threat(p.THREAT_EFFECTS["impulse"], 40, 250)]
    assert any("capped from 90 % 1500 ms" in f for f in rig.faults)
    # what the device did is recorded by the sim (a DeviceStatus input)
    rig.run_to(0.8)
    assert any("impulse 40 % 250 ms" in text for _, _, _, text in rig.session.log().device_events)


def test_not_while_paused_and_the_pause_stops_the_device(threat_rig):
    rig = threat_rig
    rig.session.schedule([Pause(0.3), Resume(2.3)])
    rig.run_to(2.2)  # the cue's session time without the pause (0.5 s) is long past
    assert wait_for(lambda: any(isinstance(m, p.Disarm) for _, m in rig.emu.effects))
    assert threats(rig.emu) == []
    rig.run_to(2.6)  # resumed at 2.3 s: media reaches the cue at 2.5 s
    assert wait_for(lambda: threats(rig.emu))
    assert len(threats(rig.emu)) == 1


def test_disarm_stops_it_and_nothing_fires_after(threat_rig):
    rig = threat_rig
    rig.session.schedule([Disarm(0.2)])
    rig.run_to(1.0)
    assert wait_for(lambda: any(isinstance(m, p.Disarm) for _, m in rig.emu.effects))
    assert threats(rig.emu) == []
    assert any("DISARMED" in f for f in rig.faults)


def test_an_unplugged_threat_device_is_survived_and_serves_again(threat_rig):
    rig = threat_rig
    link = rig.device.link
    rig.emu.unplug()
    assert wait_for(lambda: not link.status.connected)
    rig.run_to(0.6)  # the cue passes while the cable is out: dropped, not fired late
    assert any("not sent: disconnected" in f for f in rig.faults)
    rig.emu.replug()
    assert link.connected_event.wait(WAIT_S)
    assert threats(rig.emu) == []
    rig.device.on_command(StressEffect("strobe", 10, 100, "instructor"))
    assert wait_for(lambda: threats(rig.emu) == [p.Threat(4, 10, 100)])


def test_the_malfunction_inject_drives_a_magazine_device(fixture_pack, tmp_path, limits):
    rig = Rig(fixture_pack, "magazine", tmp_path / "mag")
    try:
        rig.session.schedule([Malfunction(0.2, "w1")])
        rig.run_to(0.5)
        assert wait_for(lambda: [m for _, m in rig.emu.effects] == [p.Stoppage(1)])
        assert any("stoppage w1" in f for f in rig.faults)
    finally:
        rig.close()


def test_the_limit_comes_from_local_configuration_only(tmp_path, monkeypatch):
    monkeypatch.delenv("SIGHTLINE_THREAT_LIMITS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_limit() == SafetyLimit()  # no file: the conservative defaults
    assert SafetyLimit().cap("launcher", 50, 100) is None  # the launcher is off by default
    assert SafetyLimit().cap("impulse", 100, 5000) == (30, 300)
    cfg = tmp_path / "sightline"
    cfg.mkdir()
    (cfg / "threat-limits.toml").write_text('enabled = ["launcher"]\nmax_intensity = 70\n')
    assert load_limit().cap("launcher", 100, 100) == (70, 100)
    (cfg / "threat-limits.toml").write_text("max_duration_ms = 99999\n")
    with pytest.raises(LimitError, match="max_duration_ms is 1-2000"):
        load_limit()


def test_protocol_frames_of_the_new_messages_round_trip():
    for msg in (p.Threat(3, 25, 400), p.Disarm(), p.Stoppage(2)):
        frame = p.encode(msg, 9)
        assert p.FrameReader().feed(frame) == [(9, msg)]
    # DISARM, seq 7: no body, so no zero byte to stuff: one COBS block of the payload + CRC
    crc = zlib.crc32(b"\x85\x07").to_bytes(4, "little")
    assert 0 not in crc
    assert p.encode(p.Disarm(), 7) == bytes([7, 0x85, 7]) + crc + b"\x00"
