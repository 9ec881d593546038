"""The fixed-timestep core, driven by a hand-set clock (no Panda3D)."""

from __future__ import annotations

import threading

import pytest

from drivers.input_queue import InputQueue
from engine.fixed_loop import FixedStepLoop, ManualClock
from sim.events import KeyPress, Shot


def make_loop(clock, **kw):
    log: list[tuple[int, list]] = []
    loop = None

    def step(events):
        log.append((loop.tick, list(events)))

    loop = FixedStepLoop(step, clock, **kw)
    loop.start()
    return loop, log


@pytest.mark.parametrize(
    ("fps", "frames", "ticks"),
    [
        (60, 1000, 2000),
        (144, 1000, 833),
        (30, 900, 3600),
        (120, 5000, 5000),
        (59.94, 600, 1201),
    ],
)
def test_n_frames_of_a_given_dt_give_the_exact_tick_count(fps, frames, ticks):
    clock = ManualClock(12345.678)
    loop, log = make_loop(clock, tick_hz=120)
    for i in range(1, frames + 1):
        clock.t = 12345.678 + i / fps
        loop.advance()
    assert loop.tick == ticks == len(log)
    assert loop.dropped_ticks == 0


def test_exact_count_survives_float_round_off_in_a_summed_clock():
    clock = ManualClock(98765.4321)
    loop, _ = make_loop(clock, tick_hz=240)
    for _ in range(3600):
        clock.t += 1 / 60  # accumulates float error, as a real frame-time sum does
        loop.advance()
    assert loop.tick == 14400


def test_tick_rate_is_configurable():
    clock = ManualClock(100.0)
    loop, _ = make_loop(clock, tick_hz=240)
    for _ in range(30):
        clock.t += 1 / 60
        loop.advance()
    assert loop.tick == 120


def test_a_long_frame_is_clamped_and_the_backlog_dropped():
    clock = ManualClock(100.0)
    loop, _ = make_loop(clock, tick_hz=120, max_frame_s=0.25, max_steps_per_frame=8)
    clock.t += 5.0  # a 5 s stall
    ran = loop.advance()
    assert ran == 8  # the cap, not 600 and not 30 (the clamp)
    assert loop.alpha < 1.0
    assert loop.dropped_ticks == 30 - 8
    # the next normal frame runs only its own ticks: nothing was carried over
    clock.t += 1 / 60
    assert loop.advance() == 2


def test_sustained_overload_never_accumulates_a_backlog():
    clock = ManualClock(100.0)
    loop, _ = make_loop(clock, tick_hz=120, max_steps_per_frame=4)
    for _ in range(100):
        clock.t += 0.1  # 12 ticks owed a frame, 4 allowed
        assert loop.advance() == 4
        assert loop.alpha < 1.0


def test_alpha_is_the_leftover_fraction_of_a_tick():
    clock = ManualClock(100.0)
    loop, _ = make_loop(clock, tick_hz=100)
    clock.t += 0.025
    loop.advance()
    assert loop.tick == 2 and loop.alpha == pytest.approx(0.5)


def test_event_applies_at_the_first_tick_at_or_after_its_host_timestamp():
    clock = ManualClock(50.0)
    loop, log = make_loop(clock, tick_hz=100, max_steps_per_frame=10)  # no backlog dropped
    host0 = loop.session_to_host(0.0)
    loop.inputs.put(KeyPress(0, "1"), host0 + 0.0301)  # between ticks 3 and 4
    loop.inputs.put(KeyPress(0, "2"), host0 + 0.05)  # exactly tick 5
    clock.t += 0.1
    loop.advance()
    applied = {ev.key: tick for tick, evs in log for ev in evs}
    assert applied == {"1": 4, "2": 5}


def test_events_get_session_timestamps():
    clock = ManualClock(50.0)
    loop, log = make_loop(clock, tick_hz=100, max_steps_per_frame=10)
    loop.inputs.put(Shot(0, 0.5, 0.5), loop.session_to_host(0.0301))
    clock.t += 0.1
    loop.advance()
    (ev,) = [e for _, evs in log for e in evs]
    assert ev.t_s == pytest.approx(0.0301)


def test_late_event_applies_at_the_next_tick():
    clock = ManualClock(100.0)
    loop, log = make_loop(clock, tick_hz=100, max_steps_per_frame=100)
    clock.t += 0.1
    loop.advance()  # ticks 1..10 ran
    loop.inputs.put(KeyPress(0, "3"), loop.session_to_host(0.02))  # belonged to tick 2
    clock.t += 0.01
    loop.advance()
    assert [(t, e.key) for t, evs in log for e in evs] == [(11, "3")]


def test_scripted_events_apply_at_their_session_time_despite_dropped_time():
    clock = ManualClock(100.0)
    loop, log = make_loop(clock, tick_hz=120)
    loop.inputs.put_session(KeyPress(1.5, "2"))
    clock.t += 3.0  # a stall: most of it is dropped
    loop.advance()
    while loop.tick < 200:
        clock.t += 1 / 60
        loop.advance()
    assert [t for t, evs in log if evs] == [180]


def test_same_tick_events_run_in_host_time_order():
    clock = ManualClock(100.0)
    loop, log = make_loop(clock, tick_hz=10)
    h = loop.session_to_host
    loop.inputs.put(KeyPress(0, "2"), h(0.08))
    loop.inputs.put(KeyPress(0, "1"), h(0.02))
    clock.t += 0.1
    loop.advance()
    assert [e.key for _, evs in log for e in evs] == ["1", "2"]


def test_sim_state_per_tick_does_not_depend_on_frame_pacing():
    """Scripted events + any frame rate = the same ticks with the same events."""

    def ticks_with_events(fps: float) -> list[tuple[int, tuple]]:
        clock = ManualClock(7.0)
        loop, log = make_loop(clock, tick_hz=120)
        for t, k in ((0.5, "1"), (1.2345, "2"), (2.0, "3")):
            loop.inputs.put_session(KeyPress(t, k))
        i = 0
        while loop.tick < 300:
            i += 1
            clock.t = 7.0 + i / fps
            loop.advance()
        return [(t, tuple(evs)) for t, evs in log if evs]

    assert ticks_with_events(30) == ticks_with_events(144) == ticks_with_events(59.94)


def test_events_from_many_threads_all_arrive():
    q = InputQueue()
    clock = ManualClock(100.0)
    loop, log = make_loop(clock, inputs=q, tick_hz=120, max_steps_per_frame=100)
    host0 = loop.session_to_host(0.0)

    def produce(n):
        for i in range(250):
            q.put(Shot(0, 0.5, 0.5, f"w{n}"), host0 + i / 1000)

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)  # generous: a busy machine may run these threads slowly
    clock.t += 0.25
    loop.advance()
    assert sum(len(evs) for _, evs in log) == 1000


def test_catch_up_applies_queued_inputs_but_not_future_ones():
    clock = ManualClock(100.0)
    loop, log = make_loop(clock, tick_hz=100, max_steps_per_frame=100)
    clock.t += 0.1
    loop.advance()  # ticks 1..10
    loop.inputs.put(KeyPress(0, "1"), loop.session_to_host(0.1003))  # due at tick 11
    loop.inputs.put_session(KeyPress(5.0, "2"))  # a scripted event, much later
    clock.t += 0.0004  # the run ends before tick 11 was owed
    loop.catch_up()
    assert [(t, e.key) for t, evs in log for e in evs] == [(11, "1")]


@pytest.mark.parametrize("early", [False, True])
def test_an_input_already_here_runs_its_tick_in_this_frame_when_live(early):
    """Issue 20: a key pressed part-way through a tick waited a whole frame for the
    accumulator. Live runs (early_inputs) run that tick now; it still applies at its own
    tick with its own time, and the next frame runs one tick fewer."""
    clock = ManualClock(50.0)
    loop, log = make_loop(clock, tick_hz=100, early_inputs=early)
    host0 = loop.session_to_host(0.0)
    clock.t = host0 + 0.035  # frame 1: 3 whole ticks, half of tick 4 accumulated
    loop.inputs.put(KeyPress(0, "2"), host0 + 0.0325)  # in tick 4's span, before now
    loop.inputs.put(KeyPress(0, "3"), host0 + 0.0399)  # tick 4 too, but not here yet
    assert loop.advance() == (4 if early else 3)
    applied = {ev.key: (tick, ev.t_s) for tick, evs in log for ev in evs}
    if early:
        assert applied == {"2": (4, pytest.approx(0.0325)), "3": (4, pytest.approx(0.0399))}
        assert loop.early_ticks == 1 and loop.alpha == 0.0
    else:
        assert applied == {}
    clock.t = host0 + 0.05  # frame 2: up to tick 5 either way
    loop.advance()
    assert loop.tick == 5
    applied = {ev.key: tick for tick, evs in log for ev in evs}
    assert applied == {"2": 4, "3": 4}


def test_an_input_in_an_overloaded_frame_applies_in_that_frame():
    """Issue 20: a frame over the tick cap drops its backlog; the drop is taken before the
    inputs are mapped, so one that arrived just before now applies in this frame (it was
    mapped past the ticks run, a frame or more late, while every frame dropped time)."""
    clock = ManualClock(50.0)
    loop, log = make_loop(clock, tick_hz=100, max_steps_per_frame=4)
    host0 = loop.session_to_host(0.0)
    loop.inputs.put(KeyPress(0, "2"), host0 + 0.095)  # 5 ms before the frame's end
    clock.t = host0 + 0.1  # 10 ticks owed, 4 run, 6 dropped
    loop.advance()
    assert loop.tick == 4 and loop.dropped_ticks == 6
    applied = {ev.key: tick for tick, evs in log for ev in evs}
    assert applied == {"2": 4}
