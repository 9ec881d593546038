"""Replay controls without Panda3D: seeking lands on exactly the recorded state, forwards
and backwards; the playback clock pauses, steps and resumes."""

from __future__ import annotations

from content.pack import load_pack
from engine.fixed_loop import ManualClock
from engine.replay import PlaybackClock, ReplayController
from engine.session import Session
from sim.events import Flag, KeyPress, Shot

SCRIPT = [Flag(0.4, "x"), KeyPress(0.5, "2"), Shot(0.9, 0.1, 0.5), Flag(1.2, "y")]


def straight_digests(pack, ticks):
    clock = ManualClock()
    s = Session(pack, clock, 120, 16 / 9, block_video=True, max_steps_per_frame=1000)
    s.schedule(SCRIPT)
    s.frame()
    out = {}
    for tick in range(1, ticks + 1):
        clock.t = tick / 120
        s.frame()
        out[s.runtime.state.tick] = s.runtime.state.digest
    s.close()
    return out


def test_seeking_forward_and_back_lands_on_the_recorded_state(fixture_pack):
    pack = load_pack(fixture_pack)
    truth = straight_digests(pack, 200)
    clock = ManualClock()
    s = Session(pack, clock, 120, 16 / 9, block_video=True, max_steps_per_frame=1000)
    s.schedule(SCRIPT)
    s.frame()
    clock.t = 0.25
    s.frame()
    assert s.runtime.state.tick == 30
    s.seek(1.5, SCRIPT)  # forward past the branch, the shot and both flags
    assert s.runtime.state.tick == 180 and s.runtime.state.digest == truth[180]
    assert len(s.runtime.flags) == 2 and s.runtime.state.segment == "b"
    s.seek(0.45, SCRIPT)  # back, before the branch
    assert s.runtime.state.tick == 54 and s.runtime.state.digest == truth[54]
    assert s.runtime.state.segment == "a" and len(s.runtime.flags) == 1
    clock.t += 1 / 30  # and playback goes on from there, tick-exact
    s.frame()
    assert s.runtime.state.digest == truth[s.runtime.state.tick]
    s.close()


def test_controller_jumps_to_the_next_flag_or_shot(fixture_pack):
    pack = load_pack(fixture_pack)
    s = Session(pack, ManualClock(), 120, 16 / 9, block_video=True)
    s.schedule(SCRIPT)
    s.frame()
    queue = s.inputs
    ctl = ReplayController(s, PlaybackClock(), SCRIPT)
    ctl.key("n")
    assert s.runtime.state.t_s == 0.4 and s.runtime.flags[-1].note == "x"
    ctl.key("n")
    assert s.runtime.state.t_s == 0.9 and len(s.runtime.shots) == 1
    ctl.key("home")
    assert s.state.tick == 0
    assert s.inputs is queue  # a seek keeps the queue: whoever holds it is still heard
    s.close()


def test_playback_clock_pauses_steps_and_resumes():
    src = ManualClock()
    clock = PlaybackClock(src)
    src.t = 10.0
    assert clock() == 10.0
    clock.pause()
    src.t = 15.0
    assert clock() == 10.0  # frozen while paused
    clock.step()
    assert abs(clock() - (10.0 + 1 / 30)) < 1e-9
    clock.resume()
    src.t = 16.0
    assert abs(clock() - (11.0 + 1 / 30)) < 1e-9  # no jump for the paused time
