"""Unplug and replug a device in the middle of a headless session: the session goes on,
the driver comes back, and the fault is recorded and shown to the instructor."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.render

SCRIPT = """
import sys, threading
from pathlib import Path
from content.pack import load_pack
from engine.app import RunConfig, SightlineApp
from tools.emulate import Emulator

emu = Emulator("recoil-kit", Path(sys.argv[2]))
app = SightlineApp(load_pack(sys.argv[1]), RunConfig(
    offscreen=True, width=320, height=180, seconds=600, devices=[f"recoil-kit:{emu.link}"],
    instructor="buffer"))
link = app.devices[0].link
seen = {}

def cable():
    wait = threading.Event().wait
    assert link.connected_event.wait(60)
    emu.unplug()
    for _ in range(6000):  # until the link notices (generous: the machine may be busy)
        if not link.status.connected:
            break
        wait(0.01)
    seen["lines_down"] = [d.status_line() for d in app.devices]  # the station's lines
    wait(0.3)  # the cable is out for a moment
    emu.replug()
    # back at all; how soon (within a second, by the README) is `sightline bench input`'s
    seen["back"] = link.connected_event.wait(60)
    for _ in range(6000):  # until the sim has taken the reconnect as an input
        if any(up for _, _, up, _ in app.session.runtime.device_events):
            break
        wait(0.01)
    app.stop()

threading.Thread(target=cable, daemon=True).start()
result = app.run()
rt = result.session.runtime
print("TICKS", rt.state.tick)
print("BACK", seen.get("back"))
print("DOWNLINE", [l for l in seen.get("lines_down", []) if "recoil-kit" in l])
for t, dev, up, text in rt.device_events:
    print("EVENT", up, text)
emu.close()
"""


def test_unplug_mid_session(tmp_path, fixture_pack):
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(fixture_pack), str(tmp_path / "kit")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "BACK True" in out  # reconnected once the device returned
    assert "DISCONNECTED" in out.split("DOWNLINE")[1].splitlines()[0]  # the instructor saw it
    events = [line for line in out.splitlines() if line.startswith("EVENT")]
    assert any(line.startswith("EVENT False lost") for line in events)  # recorded by the sim
    assert any("reconnected" in line for line in events)
    ticks = int(out.split("TICKS")[1].split()[0])
    assert ticks > 0  # the session went on throughout
