"""State that a device thread and the app's thread share, hammered from two threads at once:
each object's invariants hold however the calls interleave. Bounded loops, a barrier to
start together, joins with timeouts; nothing sleeps to synchronise."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from drivers.camera import Attributor
from drivers.lightgun import LightGun, parse_commands
from drivers.trainee_camera import LiveCamera

JOIN_S = 60.0


@pytest.fixture(autouse=True)
def switch_often():
    """Hand the GIL over as often as CPython allows, so that the threads interleave
    inside each call rather than between whole loops."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def hammer(*bodies) -> None:
    """Run each body on its own thread, all released together; re-raise the first error."""
    start = threading.Barrier(len(bodies), timeout=JOIN_S)
    errors: list[BaseException] = []

    def run(body):
        try:
            start.wait()
            body()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b,), daemon=True) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=JOIN_S)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    if errors:
        raise errors[0]


def test_the_attributor_holds_up_to_a_kit_and_a_camera_at_once():
    # pull i at t = i s; a spot at t = j s with a 0.5 s window can only be pull j's
    n = 20_000
    a = Attributor(window_s=0.5)
    got: list[tuple[int, str]] = []

    def kit():
        for i in range(n):
            a.trigger(f"p{i}", float(i))

    def camera():
        for j in range(n):
            got.append((j, a.weapon_for("ir", float(j))))

    hammer(kit, camera)
    matched = [(j, w) for j, w in got if w != "w1"]  # the rest: by colour, ir -> w1
    assert all(w == f"p{j}" for j, w in matched)  # the pull at the spot's time, no other
    assert len({w for _, w in matched}) == len(matched)  # one trigger pull, one shot
    # the last 64 pulls are remembered, in order, and only they can be marked used
    assert a.pulls() == [(f"p{i}", float(i)) for i in range(n - 64, n)]
    assert a._used <= set(a.pulls())


class _Wire:
    """A SerialLink stand-in: what the gun was sent, in order (send is a queue put)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.sent.append(data)


def test_a_light_gun_connecting_while_the_engine_sends_feedback():
    """The link thread reconnects over and over while the engine fires and counts ammo:
    every connect starts with S6, and the display ends on the last count."""
    gun, wire = LightGun("openfire"), _Wire()
    n = 3_000

    def link_thread():
        for _ in range(200):
            gun.connection_made(wire)

    def engine():
        for i in range(n):
            gun.fired()
            gun.set_ammo(i % 100)

    hammer(link_thread, engine)
    commands = parse_commands(b"".join(wire.sent))
    assert commands[0] == ("S6",)  # no pulse reached the gun before it was taken
    ammo = [c for c in commands if c[0] == "FDA"]
    assert ammo[-1] == ("FDA", str((n - 1) % 100))
    assert gun.stats.taken == 200 and gun.stats.pulses == n


def test_trainee_camera_frames_are_taken_while_the_camera_overflows():
    """The camera thread keeps the queue full (dropping the oldest) while the recorder
    takes: every frame is taken once or counted dropped, in order, and none is lost."""
    cam = LiveCamera("0")
    n = 20_000
    taken: list[float] = []
    img = np.zeros((2, 2, 3), np.uint8)

    def camera():
        for i in range(n):
            cam._offer((float(i), img))

    def recorder():
        for _ in range(n // 10):
            taken.extend(t for t, _ in cam.take())

    hammer(camera, recorder)
    taken.extend(t for t, _ in cam.take())
    assert taken == sorted(taken) and len(set(taken)) == len(taken)
    assert len(taken) + cam.dropped == n
    assert taken[-1] == n - 1  # the newest frame is never the one dropped
