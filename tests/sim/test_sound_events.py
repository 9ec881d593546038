"""Sound in the sim: events parsed from scripts, scheduled and injected sounds become
commands and records, levels live in the state (and its digest)."""

from __future__ import annotations

import pytest

from sim.events import InputError, PlaySound, SetLevel, parse_event
from sim.runtime import ScenarioRuntime, ShotMarker, StartSound
from sim.scenario import Scenario, Segment, SoundCue
from sim.sounds import BUILTIN_SOUNDS, LEVELS


def scenario(**seg) -> Scenario:
    a = Segment("a", "a.mp4", 0.0, 2.0, 16 / 9, ending=True, **seg)
    return Scenario("t", "a", {"a": a})


def test_sound_and_level_events_parse_and_reject_bad_values():
    assert parse_event({"t": 1, "type": "sound", "sound": "dog"}, "x") == PlaySound(1.0, "dog")
    assert parse_event({"t": 1, "type": "level", "control": "master", "percent": 40}, "x") == (
        SetLevel(1.0, "master", 40)
    )
    for bad in (
        {"t": 1, "type": "sound"},
        {"t": 1, "type": "sound", "sound": "x" * 33},
        {"t": 1, "type": "level", "control": "bass", "percent": 10},
        {"t": 1, "type": "level", "control": "master", "percent": 101},
        {"t": 1, "type": "level", "control": "master", "percent": True},
    ):
        with pytest.raises(InputError, match=r"run\.jsonl:3"):
            parse_event(bad, "run.jsonl:3")


def test_scheduled_sounds_start_on_their_tick_and_injected_ones_on_theirs():
    rt = ScenarioRuntime(scenario(sounds=(SoundCue("dog", 0.0), SoundCue("siren", 0.5))))
    assert StartSound("dog", "distractor", "pack") in rt.start_commands()
    seen = {}
    for tick in range(1, 100):
        events = [PlaySound(tick / 120, "radio")] if tick == 70 else []
        for cmd in rt.step(events).commands:
            if isinstance(cmd, StartSound):
                seen[cmd.sound] = (tick, cmd.source)
    assert seen == {"siren": (60, "pack"), "radio": (70, "instructor")}
    assert [(r.sound, r.tick) for r in rt.sounds] == [("dog", 0), ("siren", 60), ("radio", 70)]


def test_an_unknown_sound_is_ignored_and_noted():
    rt = ScenarioRuntime(scenario())
    result = rt.step([PlaySound(0.0, "kazoo")])
    assert not [c for c in result.commands if isinstance(c, StartSound)]
    assert "no sound named 'kazoo'" in rt.ignored[0]


def test_levels_are_state_so_replays_verify_them():
    a = ScenarioRuntime(scenario(), levels={"master": 60})
    b = ScenarioRuntime(scenario(), levels={"master": 60})
    assert a.state.levels[LEVELS.index("master")] == 60
    assert a.state.levels[LEVELS.index("effects")] == 80  # the default, the pack's otherwise
    a.step([SetLevel(0.0, "effects", 30)])
    b.step()
    assert a.state.levels[LEVELS.index("effects")] == 30
    assert a.state.digest != b.state.digest
    with pytest.raises(ValueError, match="controls are"):
        ScenarioRuntime(scenario(), levels={"bass": 10})


def test_shot_markers_carry_the_weapon_kind_for_the_report():
    from sim.events import Shot

    rt = ScenarioRuntime(scenario())
    cmds = rt.step([Shot(0.0, 0.5, 0.5, "w2", "cew")]).commands
    assert [c.kind for c in cmds if isinstance(c, ShotMarker)] == ["cew"]
    assert {"pistol", "rifle", "taser", "oc-spray", "dry-click"} <= set(BUILTIN_SOUNDS)
