"""The scripted flashlight (issue 14): an input script places and moves a tracked beam, as
a flashlight device does, so a headless low-light run can show one."""

from __future__ import annotations

import pytest

from sim.events import FlashlightMove, InputError, parse_event
from sim.recording import event_from, event_record


def test_a_flashlight_event_is_a_tracked_beam():
    obj = {"t": 1.5, "type": "flashlight", "light": "f2", "on": True, "x": 0.4, "y": 0.5}
    assert parse_event(obj, "s:1") == FlashlightMove(1.5, "f2", True, 0.4, 0.5)
    # the light defaults to f1 (a device's first light); an off beam needs no place
    assert parse_event({"t": 2, "type": "flashlight", "on": False}, "s:2") == FlashlightMove(
        2.0, "f1", False
    )
    moved = parse_event({"t": 2, "type": "flashlight", "on": True, "x": 0, "y": 1}, "s:3")
    assert event_from(event_record(3, moved), "rec") == moved  # recorded like a device's


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        ({"t": 1, "type": "flashlight", "x": 0.5, "y": 0.5}, "'on' (true or false)"),
        ({"t": 1, "type": "flashlight", "on": 1, "x": 0.5, "y": 0.5}, "'on' (true or false)"),
        ({"t": 1, "type": "flashlight", "on": True, "y": 0.5}, "missing 'x'"),
        ({"t": 1, "type": "flashlight", "on": True, "x": 1.2, "y": 0.5}, "outside"),
        ({"t": 1, "type": "flashlight", "on": True, "x": 0, "y": 0, "light": ""}, "'light'"),
        ({"t": 1, "type": "flashlight", "on": True, "x": 0, "y": 0, "light": 7}, "'light'"),
    ],
)
def test_bad_flashlight_events_name_the_problem(obj, fragment):
    with pytest.raises(InputError, match=r"s\.jsonl:4") as err:
        parse_event(obj, "s.jsonl:4")
    assert fragment in str(err.value)
