"""The camera as a device: spots become shots on the trainee screen, attributed to the
right shooter by trigger timing or colour."""

from __future__ import annotations

import threading

import numpy as np

from drivers.camera import Attributor, CameraDevice
from drivers.input_queue import InputQueue
from tests.drivers.test_laser_tracker import H, W, write_laser_clip
from tests.drivers.test_links import WAIT_S


def test_attribution_prefers_the_nearest_trigger_then_the_colour():
    a = Attributor()
    a.trigger("w3", 10.00)
    a.trigger("w4", 10.10)
    assert a.weapon_for("red", 10.02) == "w3"  # nearest trigger pull
    assert a.weapon_for("red", 10.05) == "w4"  # w3's pull is already used
    assert a.weapon_for("green", 12.0) == "w2"  # no pull near: by colour
    assert a.weapon_for("ir", 12.0) == "w1"


def test_a_recorded_camera_feeds_shots_onto_the_screen(tmp_path):
    path = tmp_path / "cam.mp4"
    write_laser_clip(path, 40, (12, 13, 14), 160.0, 360.0, "green")
    q = InputQueue()
    cam = CameraDevice(str(path), q, "camera").start()
    got = []
    done = threading.Event()
    for _ in range(round(WAIT_S / 0.01)):  # the shot arrives when the camera reaches it
        got += q.drain()
        if got or done.wait(0.01):
            break
    cam.stop()
    (item,) = got
    shot = item.event
    assert shot.weapon == "w2"  # green, no trigger pulls: by colour
    assert abs(shot.x_norm - 0.25) < 0.01 and abs(shot.y_norm - 0.75) < 0.01


def test_a_homography_maps_the_camera_onto_the_screen():
    cam = CameraDevice(
        "0",
        InputQueue(),
        "camera",
        homography=np.array([[1 / 320, 0, -0.5], [0, 1 / 240, -0.5], [0, 0, 1]]),
    )
    assert cam.to_screen(320, 240, W, H) == (0.5, 0.5)
    assert cam.to_screen(10, 10, W, H) is None  # outside the projected screen


def test_recoil_kit_trigger_pulls_reach_the_cameras_attributor(tmp_path):
    from drivers.devices import open_device
    from tests.drivers.test_links import wait_for
    from tools.emulate import Emulator

    emu = Emulator("recoil-kit", tmp_path / "kit")
    a = Attributor()
    dev = open_device(f"recoil-kit:{emu.link}@w3", InputQueue(), lambda *x: None, attributor=a)
    try:
        # pull the trigger once the host has the port open: a pull sent before that is
        # flushed with the port's input when it opens, however slowly a busy host gets there
        assert dev.link.connected_event.wait(WAIT_S)
        emu.shots_left = 1
        assert wait_for(lambda: len(a.triggers) == 1)
        weapon, t = a.triggers[0]
        assert weapon == "w3"  # the kit serves w3
        assert a.weapon_for("red", t + 0.05) == "w3"  # a red spot then is w3's, not w1's
    finally:
        dev.close()
        emu.close()
