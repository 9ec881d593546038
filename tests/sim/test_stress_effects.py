"""Stress effects in the sim: a pack's `[[segments.X.effects]]` fire at their time or cue,
never while paused or after the end; the instructor's threat is refused then too, and
once disarmed nothing fires again; a pause, the end and the disarm stop the devices; an
injected malfunction is a command a magazine device can act on."""

from __future__ import annotations

import pytest

from content.pack import PackError, load_pack
from sim.commands import StopEffects, StoppageInjected, StressEffect
from sim.events import Disarm, EndScenario, Malfunction, Pause, Resume, Threat, parse_event
from sim.runtime import ScenarioRuntime

HZ = 120
EFFECTS = """
[[segments.a.cues]]
name = "draws"
t = 0.5
[[segments.a.effects]]
device = "impulse"
cue = "draws"
intensity = 80
duration_ms = 900
[[segments.a.effects]]
device = "strobe"
at = 1.0
"""


def with_effects(pack, extra: str = EFFECTS):
    (pack / "scenario.toml").write_text((pack / "scenario.toml").read_text() + extra)
    return load_pack(pack)


def play(rt: ScenarioRuntime, until_s: float, events=()) -> list[tuple[float, object]]:
    """(session s, command) for every stress command until `until_s`."""
    events = sorted(events, key=lambda e: e.t_s)
    out, i = [], 0
    while rt.state.tick < round(until_s * HZ):
        tick = rt.state.tick + 1
        batch = []
        while i < len(events) and events[i].t_s <= tick / HZ + 1e-9:
            batch.append(events[i])
            i += 1
        for cmd in rt.step(batch).commands:
            if isinstance(cmd, StressEffect | StopEffects | StoppageInjected):
                out.append((rt.state.t_s, cmd))
    return out


def test_effects_fire_at_their_cue_and_time(pack):
    rt = ScenarioRuntime(with_effects(pack).scenario, HZ)
    fired = play(rt, 1.5)
    assert fired == [
        (0.5, StressEffect("impulse", 80, 900, "pack")),
        (1.0, StressEffect("strobe", 50, 200, "pack")),
    ]
    assert rt.stress == [(0.5, "impulse", "pack"), (1.0, "strobe", "pack")]


def test_no_effect_fires_while_paused_it_waits_for_the_cue_in_media_time(pack):
    rt = ScenarioRuntime(with_effects(pack).scenario, HZ)
    fired = play(rt, 2.9, [Pause(0.25), Threat(0.4, "vibration"), Resume(2.25)])
    # paused at media 0.25 s for 2 s: the cue (media 0.5 s) comes at session 2.5 s
    assert fired[0] == (0.25, StopEffects())
    assert [t for t, c in fired if isinstance(c, StressEffect)] == [2.5]
    assert any("vibration not fired: paused" in why for why in rt.ignored)


def test_nothing_fires_after_the_end(pack):
    rt = ScenarioRuntime(with_effects(pack).scenario, HZ)
    fired = play(rt, 1.0, [EndScenario(0.2), Threat(0.6, "impulse")])
    assert fired == [(0.2, StopEffects())]
    assert any("impulse not fired: the scenario has ended" in why for why in rt.ignored)


def test_disarm_stops_everything_at_once_and_for_good(pack):
    rt = ScenarioRuntime(with_effects(pack).scenario, HZ)
    fired = play(rt, 2.0, [Disarm(0.1), Threat(0.3, "impulse")])
    assert fired == [(0.1, StopEffects(disarmed=True))]
    assert sum("not fired: disarmed" in why for why in rt.ignored) == 3  # 2 pack, 1 instructor


def test_the_instructor_fires_and_injects_a_stoppage(pack):
    rt = ScenarioRuntime(with_effects(pack, "").scenario, HZ)
    fired = play(rt, 0.5, [Threat(0.1, "launcher"), Malfunction(0.2, "w2")])
    assert fired == [
        (0.1, StressEffect("launcher", 100, 500, "instructor")),
        (0.2, StoppageInjected("w2")),
    ]


def test_script_events_parse():
    assert parse_event({"t": 1, "type": "threat", "effect": "strobe"}, "x") == Threat(1.0, "strobe")
    assert parse_event({"t": 1, "type": "disarm"}, "x") == Disarm(1.0)
    with pytest.raises(ValueError, match="'effect' must be one of impulse"):
        parse_event({"t": 1, "type": "threat", "effect": "taser"}, "x:3")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[segments.a.effects]]\ndevice = "impulse"\ncue = "nope"\n', "no cue named 'nope'"),
        ('[[segments.a.effects]]\ndevice = "flamethrower"\nat = 1\n', "is not one of impulse"),
        ('[[segments.a.effects]]\ndevice = "impulse"\nat = 1\nintensity = 300\n', "0-100"),
        ('[[segments.a.effects]]\ndevice = "impulse"\n', "give one of at"),
    ],
)
def test_bad_effects_are_one_line_errors_naming_the_key(pack, extra, message):
    with pytest.raises(PackError) as err:
        with_effects(pack, extra)
    assert message in str(err.value) and "segments.a.effects" in str(err.value)
    assert "\n" not in str(err.value)
