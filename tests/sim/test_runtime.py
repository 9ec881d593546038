"""The scenario runtime: transitions, media time, hits, pause, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from sim.events import KeyPress, Pause, Resume, Shot
from sim.hit_zones import Zone
from sim.runtime import PlayClip, ScenarioEnded, ScenarioRuntime, ShotMarker
from sim.scenario import Scenario, ScenarioError, Segment, Transition
from sim.triggers import EndTrigger, HitTrigger, KeyTrigger

HZ = 120
SQUARE = np.array([[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]])


def scenario(**over) -> Scenario:
    segs = {
        "intro": Segment(
            "intro",
            "intro.mp4",
            1.0,
            3.0,
            16 / 9,
            transitions=(
                Transition(KeyTrigger("1", "comply"), "comply"),
                Transition(KeyTrigger("2", "draw"), "draw"),
                Transition(EndTrigger(), "hold"),
            ),
            zones=(Zone("subject", "no-shoot", ((0.0, SQUARE),)),),
        ),
        "hold": Segment(
            "hold",
            "hold.mp4",
            0.0,
            0.5,
            16 / 9,
            loop=True,
            transitions=(Transition(KeyTrigger("1"), "comply"),),
        ),
        "comply": Segment("comply", "comply.mp4", 0.0, 1.0, 16 / 9, ending=True),
        "draw": Segment(
            "draw",
            "draw.mp4",
            0.0,
            2.0,
            16 / 9,
            transitions=(Transition(HitTrigger(zone="torso"), "down"),),
            zones=(Zone("torso", "threat", ((0.0, SQUARE), (2.0, SQUARE + np.array([0.3, 0])))),),
        ),
        "down": Segment("down", "down.mp4", 0.0, 1.0, 16 / 9),
    }
    segs.update(over)
    return Scenario("test", "intro", segs)


def run(rt: ScenarioRuntime, ticks: int, events: dict[int, list] | None = None):
    events = events or {}
    return [rt.step(events.get(rt.state.tick + 1, [])) for _ in range(ticks)]


def test_starts_at_the_start_segment_in_time():
    rt = ScenarioRuntime(scenario(), HZ)
    assert rt.start_commands() == (PlayClip("intro", "intro.mp4", 1.0),)
    assert (rt.state.segment, rt.state.media_t_s, rt.state.tick) == ("intro", 1.0, 0)


def test_media_time_advances_one_tick_per_step():
    rt = ScenarioRuntime(scenario(), HZ)
    run(rt, 60)
    assert rt.state.media_t_s == pytest.approx(1.5)
    assert rt.state.t_s == pytest.approx(0.5)


def test_instructor_key_branches_at_its_tick_and_restarts_media():
    rt = ScenarioRuntime(scenario(), HZ)
    results = run(rt, 200, {180: [KeyPress(1.5, "2")]})
    assert results[178].state.segment == "intro"
    switch = results[179]
    assert switch.state.tick == 180 and switch.state.segment == "draw"
    assert switch.state.media_t_s == 0.0
    assert PlayClip("draw", "draw.mp4", 0.0) in switch.commands
    assert rt.branches[0].from_segment == "intro" and rt.branches[0].t_s == 1.5


def test_key_not_offered_by_the_segment_changes_nothing():
    rt = ScenarioRuntime(scenario(), HZ)
    run(rt, 10, {5: [KeyPress(0.04, "9")]})
    assert rt.state.segment == "intro" and rt.branches == []


def test_end_of_clip_transition_fires_after_exactly_the_clip_duration():
    rt = ScenarioRuntime(scenario(), HZ)
    results = run(rt, 241)
    assert results[238].state.segment == "intro"
    assert results[239].state.segment == "hold"  # tick 240 = 2.0 s of a 1.0..3.0 clip
    assert rt.branches[0].trigger == "end of clip"


def test_loop_segment_wraps_media_time():
    rt = ScenarioRuntime(
        scenario(),
        HZ,
    )
    run(rt, 240)  # now in hold (0.0..0.5, loop)
    run(rt, 72)  # 0.6 s later
    assert rt.state.segment == "hold"
    assert rt.state.media_t_s == pytest.approx(0.1)


def test_ending_segment_ends_the_scenario_and_ignores_later_input():
    rt = ScenarioRuntime(scenario(), HZ)
    results = run(rt, 260, {1: [KeyPress(0.0, "1")]})
    ended_at = next(i for i, r in enumerate(results) if r.state.ended)
    assert ended_at + 1 == 1 + 120  # switched at tick 1, 1.0 s clip
    assert ScenarioEnded("comply") in results[ended_at].commands
    run(rt, 5, {rt.state.tick + 1: [Shot(0, 0.5, 0.5)]})
    assert rt.shots == []


def test_segment_with_no_way_on_holds_on_its_last_frame():
    rt = ScenarioRuntime(scenario(), HZ)
    run(rt, 10, {1: [KeyPress(0.0, "2")]})
    rt.step([Shot(0.0, 0.5, 0.5)])  # hit -> down, which has no transitions
    run(rt, 200)
    assert rt.state.segment == "down" and rt.state.holding and not rt.state.ended
    assert rt.state.media_t_s == 1.0


def test_pause_freezes_media_time_and_resume_continues():
    rt = ScenarioRuntime(scenario(), HZ)
    run(rt, 120, {60: [Pause(0.5)], 100: [Resume(0.8)]})
    # played ticks 1-60, paused 61-99... resumed at 100, advances from tick 101
    assert rt.state.media_t_s == pytest.approx(1.0 + (60 + 20) / HZ)


def test_shot_in_zone_is_a_hit_and_fires_the_hit_transition():
    rt = ScenarioRuntime(scenario(), HZ)
    results = run(rt, 30, {1: [KeyPress(0.0, "2")], 12: [Shot(0.1, 0.5, 0.5, "w2")]})
    hit = results[11]
    marker = next(c for c in hit.commands if isinstance(c, ShotMarker))
    assert (marker.zone, marker.role, marker.weapon) == ("torso", "threat", "w2")
    assert hit.state.segment == "down"
    assert rt.shots[0].zone == "torso" and rt.state.hits == 1


def test_moving_zone_is_tested_at_the_media_time_of_the_shot():
    rt = ScenarioRuntime(scenario(), HZ)
    # zone slides 0.3 right over 2 s; at media 1.0 s it spans x 0.55..0.75
    run(rt, 121, {1: [KeyPress(0.0, "2")], 121: [Shot(1.0, 0.45, 0.5)]})
    assert rt.shots[-1].zone is None
    run(rt, 1, {122: [Shot(1.0, 0.7, 0.5)]})
    assert rt.shots[-1].zone == "torso"


def test_shot_on_letterbox_bar_is_a_miss():
    segs = scenario()
    wide = Segment(
        "intro",
        "w.mp4",
        0.0,
        1.0,
        2.35,
        zones=(Zone("all", "threat", ((0.0, np.array([[0, 0], [1, 0], [1, 1], [0, 1]])),)),),
    )
    rt = ScenarioRuntime(Scenario("t", "intro", {**segs.segments, "intro": wide}), HZ)
    rt.step([Shot(0.0, 0.5, 0.05), Shot(0.0, 0.5, 0.5)])
    assert [s.zone for s in rt.shots] == [None, "all"]


def test_same_inputs_give_the_same_state_every_tick():
    events = {1: [KeyPress(0, "2")], 50: [Shot(0.4, 0.5, 0.5)], 70: [Pause(0.6)]}
    a = [r.state for r in run(ScenarioRuntime(scenario(), HZ), 400, events)]
    b = [r.state for r in run(ScenarioRuntime(scenario(), HZ), 400, events)]
    assert a == b
    c = [
        r.state
        for r in run(ScenarioRuntime(scenario(), HZ), 400, {**events, 50: [Shot(0.4, 0.1, 0.1)]})
    ]
    assert [s.digest for s in c][:49] == [s.digest for s in a][:49]
    assert c[49].digest != a[49].digest and c[-1].digest != a[-1].digest


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "nowhere"}, "start: no segment named 'nowhere'"),
        ({"intro_to": "ghost"}, "segments.intro.transitions[0].to: no segment named 'ghost'"),
        ({"dup_key": True}, "segments.intro.transitions[1].key: key 1 is already used"),
    ],
)
def test_structural_errors_name_the_key_path(change, message):
    sc = scenario()
    segs = dict(sc.segments)
    intro = segs["intro"]
    if "intro_to" in change:
        trs = (Transition(KeyTrigger("1"), change["intro_to"]), *intro.transitions[1:])
        segs["intro"] = Segment(**{**intro.__dict__, "transitions": trs})
    if "dup_key" in change:
        trs = (intro.transitions[0], Transition(KeyTrigger("1"), "draw"))
        segs["intro"] = Segment(**{**intro.__dict__, "transitions": trs})
    bad = Scenario("t", change.get("start", "intro"), segs)
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        bad.validate()


def test_branch_while_paused_starts_the_new_segment_paused():
    rt = ScenarioRuntime(scenario(), HZ)
    run(rt, 30, {10: [Pause(0.08)], 20: [KeyPress(0.16, "2")]})
    assert rt.state.segment == "draw" and rt.state.paused
    assert rt.state.media_t_s == 0.0
    run(rt, 12, {31: [Resume(0.25)]})
    assert rt.state.media_t_s == pytest.approx(11 / HZ)
