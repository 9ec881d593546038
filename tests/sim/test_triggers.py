"""Each trigger kind of format v1, cues and scoring, on a small hand-built graph."""

from __future__ import annotations

import numpy as np
import pytest

from sim.events import Shot, TraineeAction
from sim.hit_zones import Zone
from sim.runtime import ScenarioRuntime
from sim.scenario import Cue, Scenario, ScenarioError, Segment, Transition
from sim.triggers import ActionTrigger, HitTrigger, NoShotTrigger, ShotTrigger, TimeTrigger

HZ = 100
LEFT = np.array([[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]])
RIGHT = LEFT + np.array([0.5, 0.0])


def graph(*transitions, cues=(), loop=False) -> Scenario:
    start = Segment(
        "s",
        "s.mp4",
        0.0,
        4.0,
        16 / 9,
        loop=loop,
        transitions=transitions,
        zones=(
            Zone("bystander", "no-shoot", ((0.0, LEFT),), points=-50),
            Zone("threat", "threat", ((0.0, RIGHT),), points=10),
        ),
        cues=cues,
    )
    segs = {
        "s": start,
        **{n: Segment(n, f"{n}.mp4", 0.0, 1.0, 16 / 9, ending=True) for n in ("a", "b", "c")},
    }
    return Scenario("t", "s", segs)


def play(sc, ticks, events=None):
    rt = ScenarioRuntime(sc, HZ)
    events = events or {}
    for _ in range(ticks):
        rt.step(events.get(rt.state.tick + 1, []))
    return rt


def test_time_trigger_fires_when_media_reaches_its_time():
    rt = play(graph(Transition(TimeTrigger(1.5), "a")), 200)
    assert rt.branches[0].tick == 150 and rt.branches[0].kind == "time"


def test_loop_passes_cues_on_every_pass():
    rt = play(graph(cues=(Cue("c", 0.5),), loop=True), 900)  # a 4 s loop, 9 s played
    assert [c.tick for c in rt.cues] == [50, 450, 850]


def test_no_shot_trigger_fires_at_its_deadline_only_without_a_shot():
    sc = graph(Transition(NoShotTrigger(2.0), "a"))
    assert play(sc, 201).branches[0].tick == 200
    shot = play(sc, 300, {50: [Shot(0.5, 0.25, 0.1)]})
    assert shot.branches == [] and shot.state.segment == "s"


def test_shot_trigger_fires_on_any_shot_of_the_right_weapon_kind():
    sc = graph(Transition(ShotTrigger("cew"), "a"), Transition(ShotTrigger(), "b"))
    assert play(sc, 20, {10: [Shot(0.1, 0.9, 0.9, kind="cew")]}).state.segment == "a"
    assert play(sc, 20, {10: [Shot(0.1, 0.9, 0.9, kind="oc")]}).state.segment == "b"


def test_hit_trigger_by_zone_role_and_weapon_kind():
    sc = graph(
        Transition(HitTrigger(zone="threat", weapon="firearm"), "a"),
        Transition(HitTrigger(role="no-shoot"), "b"),
        Transition(ShotTrigger(), "c"),
    )
    assert play(sc, 20, {10: [Shot(0.1, 0.75, 0.5)]}).state.segment == "a"
    assert play(sc, 20, {10: [Shot(0.1, 0.25, 0.5, kind="oc")]}).state.segment == "b"
    # a TASER hit on the threat is not a firearm hit: falls through to the shot trigger
    assert play(sc, 20, {10: [Shot(0.1, 0.75, 0.5, kind="cew")]}).state.segment == "c"


def test_action_trigger_fires_on_the_coded_action_and_every_action_is_recorded():
    sc = graph(Transition(ActionTrigger("verbal-command"), "a"))
    rt = play(
        sc,
        30,
        {5: [TraineeAction(0.05, "cover-taken")], 10: [TraineeAction(0.1, "verbal-command")]},
    )
    assert rt.state.segment == "a"
    assert [(a.tick, a.action) for a in rt.actions] == [(5, "cover-taken"), (10, "verbal-command")]


def test_points_add_up_and_shots_report_time_since_the_cue():
    sc = graph(cues=(Cue("weapon visible", 1.0),))
    rt = play(sc, 200, {80: [Shot(0.8, 0.75, 0.5)], 150: [Shot(1.5, 0.25, 0.5)]})
    assert rt.state.score == 10 - 50 and rt.state.hits == 2
    assert rt.cues[0].tick == 100 and rt.cues[0].name == "weapon visible"
    before, after = rt.shots
    assert before.cue is None and before.since_cue_s is None
    assert after.cue == "weapon visible" and after.since_cue_s == pytest.approx(0.5)


def test_first_matching_transition_in_authored_order_wins():
    sc = graph(Transition(TimeTrigger(1.0), "b"), Transition(TimeTrigger(1.0), "a"))
    assert play(sc, 150).state.segment == "b"


@pytest.mark.parametrize(
    ("transition", "message"),
    [
        (Transition(TimeTrigger(9.0), "a"), r"transitions\[0\]\.at: 9\.0 s is outside"),
        (Transition(NoShotTrigger(-1.0), "a"), r"transitions\[0\]\.by: -1\.0 s is outside"),
        (Transition(HitTrigger(zone="nobody"), "a"), r"\.zone: no zone named 'nobody'"),
        (Transition(HitTrigger(zone="threat", role="threat"), "a"), "exactly one of"),
        (Transition(ShotTrigger("rifle"), "a"), r"\.weapon: must be one of"),
        (Transition(ActionTrigger("dance"), "a"), r"\.action: must be one of"),
    ],
)
def test_invalid_triggers_name_their_key_path(transition, message):
    with pytest.raises(ScenarioError, match=message):
        graph(transition).validate()


def test_cue_outside_the_segment_is_refused():
    with pytest.raises(ScenarioError, match=r"cues\[0\]\.t: 5\.0 s is outside"):
        graph(cues=(Cue("late", 5.0),)).validate()
