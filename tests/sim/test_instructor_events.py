"""Instructor controls as sim events: flags, jumps and replays, stoppages, view settings,
ending the scenario. All of them are part of the deterministic state."""

from __future__ import annotations

import pytest

from sim.events import (
    EndScenario,
    Flag,
    InputError,
    JumpTo,
    KeyPress,
    Malfunction,
    SetView,
    Shot,
    parse_event,
)
from sim.runtime import DryFire, ScenarioEnded, ScenarioRuntime, ShotMarker
from tests.sim.test_runtime import HZ, scenario


def run(rt, ticks, events):
    for _ in range(ticks):
        rt.step(events.get(rt.state.tick + 1, []))
    return rt


def test_flag_records_the_moment_and_the_note():
    rt = run(ScenarioRuntime(scenario(), HZ), 50, {30: [Flag(0.25, "hesitated at the door")]})
    assert rt.state.flags == 1
    flag = rt.flags[0]
    assert (flag.tick, flag.segment, flag.note) == (30, "intro", "hesitated at the door")
    assert flag.media_t_s == pytest.approx(1.0 + 30 / HZ)


def test_jump_to_any_segment_and_replay_the_current_one():
    rt = run(
        ScenarioRuntime(scenario(), HZ),
        100,
        {10: [JumpTo(0.08, "comply")], 40: [JumpTo(0.33, "comply")]},
    )
    assert [b.trigger for b in rt.branches] == ["instructor: jump", "instructor: replay"]
    assert rt.state.segment == "comply" and rt.state.media_t_s == pytest.approx(60 / HZ)


def test_jump_after_the_end_restarts_and_unknown_segments_are_ignored():
    rt = run(
        ScenarioRuntime(scenario(), HZ),
        20,
        {5: [EndScenario(0.04)], 10: [JumpTo(0.08, "nowhere")], 12: [JumpTo(0.1, "intro")]},
    )
    assert not rt.state.ended and rt.state.segment == "intro"
    assert "unknown segment 'nowhere'" in rt.ignored[0]


def test_end_scenario_ends_it_and_says_the_instructor_did():
    rt = ScenarioRuntime(scenario(), HZ)
    result = rt.step([EndScenario(0.0)])
    assert result.state.ended and ScenarioEnded("intro", by_instructor=True) in result.commands


def test_malfunction_makes_the_next_trigger_pull_of_that_weapon_dry():
    rt = ScenarioRuntime(scenario(), HZ)
    rt.step([KeyPress(0, "2"), Malfunction(0, "w1")])
    dry = rt.step([Shot(0.01, 0.5, 0.5, "w1")])
    assert DryFire("w1") in dry.commands
    assert not any(isinstance(c, ShotMarker) for c in dry.commands)
    assert rt.state.segment == "draw" and rt.state.shots == 0  # the torso hit did not happen
    live = rt.step([Shot(0.02, 0.5, 0.5, "w1")])  # the stoppage is cleared by one pull
    assert rt.state.segment == "down" and any(isinstance(c, ShotMarker) for c in live.commands)
    assert [s.fired for s in rt.shots] == [False, True]


def test_malfunction_is_per_weapon():
    rt = ScenarioRuntime(scenario(), HZ)
    rt.step([KeyPress(0, "2"), Malfunction(0, "w2")])
    rt.step([Shot(0.01, 0.5, 0.5, "w1")])
    assert rt.state.segment == "down"


def test_view_settings_are_state():
    rt = ScenarioRuntime(scenario(), HZ)
    assert (rt.state.markers, rt.state.low_light, rt.state.flashlight) == (True, False, False)
    rt.step([SetView(0, "markers", False), SetView(0, "low-light", True)])
    assert (rt.state.markers, rt.state.low_light) == (False, True)


def test_instructor_events_change_the_digest():
    def digests(events):
        rt = ScenarioRuntime(scenario(), HZ)
        return [rt.step(events.get(i, [])).state.digest for i in range(1, 40)]

    base = digests({})
    for ev in (Flag(0.1, "x"), SetView(0.1, "low-light", True), Malfunction(0.1, "w1")):
        assert digests({12: [ev]})[11] != base[11], ev


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"t": 1, "type": "flag", "note": "late"}, Flag(1.0, "late")),
        ({"t": 1, "type": "jump", "segment": "draw"}, JumpTo(1.0, "draw")),
        ({"t": 1, "type": "malfunction"}, Malfunction(1.0, "w1")),
        (
            {"t": 1, "type": "view", "setting": "low-light", "on": True},
            SetView(1.0, "low-light", True),
        ),
        ({"t": 1, "type": "end"}, EndScenario(1.0)),
    ],
)
def test_instructor_events_parse_from_scripts(obj, expected):
    assert parse_event(obj, "x") == expected


def test_bad_instructor_events_are_named():
    with pytest.raises(InputError, match="'setting'"):
        parse_event({"t": 1, "type": "view", "setting": "zoom", "on": True}, "s:1")
    with pytest.raises(InputError, match="'note'"):
        parse_event({"t": 1, "type": "flag", "note": "x" * 501}, "s:1")


def test_magazines_count_rounds_and_an_empty_gun_fires_dry():
    from sim.events import MagazineChange
    from sim.runtime import AmmoChanged

    rt = ScenarioRuntime(scenario(), HZ)
    rt.step([KeyPress(0, "2")])
    loaded = rt.step([MagazineChange(0.0, "w1", True, 1)])
    assert AmmoChanged("w1", 1) in loaded.commands
    first = rt.step([Shot(0.0, 0.1, 0.1, "w1")])  # a miss, but it fires
    assert AmmoChanged("w1", 0) in first.commands and rt.state.shots == 1
    empty = rt.step([Shot(0.0, 0.5, 0.5, "w1")])  # would hit the torso: but it is empty
    assert DryFire("w1", "empty") in empty.commands and rt.state.segment == "draw"
    assert rt.shots[-1].dry_reason == "empty"
    rt.step([MagazineChange(0.0, "w1", False)])
    rt.step([Shot(0.0, 0.5, 0.5, "w1")])
    assert rt.shots[-1].fired is False  # no magazine: still dry
    assert parse_event({"t": 1, "type": "magazine", "rounds": 15}, "x") == MagazineChange(
        1.0, "w1", True, 15
    )
