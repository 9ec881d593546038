"""Courses of fire (sim/course.py): the scoring rules of docs/courses.md, each worked
example checked, the plan's schedule, and moving, turning, appearing targets and hits to
advance as the runtime plays them."""

from __future__ import annotations

import pytest

from sim.course import plan, to_scenario
from sim.course_model import END_SEGMENT, SHAPES, Course, Stage, Target, ZoneSpec
from sim.course_scoring import score_log
from sim.events import JumpTo, Shot
from sim.runtime import ScenarioRuntime

HZ = 120


def shape_zones(shape: str) -> tuple[ZoneSpec, ...]:
    return tuple(ZoneSpec(*z) for z in SHAPES[shape][1])


def plate(name: str, x: float, shoot: bool = True, shots: int = 1, penalty: int = -5) -> Target:
    return Target(
        name,
        "plate",
        0.1,
        ((0.0, x, 0.5),),
        shape_zones("plate"),
        shoot,
        shots if shoot else 0,
        penalty,
    )


def q(shots: int = 10, height: float = 0.3) -> Target:
    return Target("q", "q", height, ((0.0, 0.5, 0.5),), shape_zones("q"), True, shots)


def run(course: Course, events: list, until_s: float | None = None) -> ScenarioRuntime:
    """Play the course's graph with `events` (session times), to its end or `until_s`."""
    rt = ScenarioRuntime(to_scenario(course, "backdrop.mp4"), HZ)
    events = sorted(events, key=lambda e: e.t_s)
    i = 0
    limit = round((until_s or 1000) * HZ)
    while not rt.state.ended and rt.state.tick < limit:
        tick = rt.state.tick + 1
        batch = []
        while i < len(events) and events[i].t_s <= tick / HZ + 1e-9:
            batch.append(events[i])
            i += 1
        rt.step(batch)
    return rt


def shot(t: float, x: float, y: float = 0.5) -> Shot:
    return Shot(t, x, y)


def stage_of(result: dict, i: int = 0) -> dict:
    return result["stages"][i]


# -- the worked examples -----------------------------------------------------------------


def qualification() -> Course:
    stages = tuple(
        Stage(f"s{i}", f"stage {i}", "fire 10", 10.0, (q(),), ready_s=2.0) for i in range(5)
    )
    return Course("qual", stages, 80.0, "qualification", "a source")


def test_full_marks_on_the_qualification_is_100_percent_and_a_pass():
    course = qualification()
    p = plan(course, HZ)
    events = [
        shot(s["window"][0] + 1 + 0.1 * k, *s["targets"][0]["aim"])
        for s in p["stages"]
        for k in range(10)
    ]
    result = score_log(course, run(course, events).log())
    assert (result["score"], result["max"], result["percent"], result["pass"]) == (
        50,
        50,
        100.0,
        True,
    )
    assert result["complete"]
    assert stage_of(result)["hits"] == {"q:bottle": 10}


def test_39_in_the_bottle_and_11_outside_it_is_78_percent_and_fails_40_passes():
    course = qualification()
    p = plan(course, HZ)
    for in_bottle, passes in ((39, False), (40, True)):
        events, n = [], 0
        for s in p["stages"]:
            ax, ay = s["targets"][0]["aim"]
            for k in range(10):
                # the body outside the bottle: near the shoulder, still on the silhouette
                y = ay if n < in_bottle else 0.5 + 0.45 * 0.3
                events.append(shot(s["window"][0] + 1 + 0.1 * k, ax, y))
                n += 1
        result = score_log(course, run(course, events).log())
        assert result["score"] == in_bottle
        assert result["pass"] is passes
        if in_bottle == 39:
            assert result["percent"] == 78.0
            assert result["stages"][3]["hits"] == {"q:body": 1, "q:bottle": 9}
            assert result["stages"][4]["hits"] == {"q:body": 10}


def test_rounds_over_the_shot_limit_score_nothing():
    course = Course(
        "c", (Stage("s", "s", "", 5.0, (plate("p", 0.5, shots=2),), ready_s=1, shots=2),)
    )
    result = score_log(course, run(course, [shot(2.0, 0.5), shot(2.2, 0.5), shot(2.4, 0.5)]).log())
    st = stage_of(result)
    assert (st["score"], st["shots"], st["over_limit"], st["max"]) == (2, 3, 1, 2)


def test_a_no_shoot_hit_costs_its_penalty_and_a_stage_never_scores_below_zero():
    targets = (plate("p1", 0.3), plate("n1", 0.5, shoot=False), plate("p2", 0.7))
    course = Course("c", (Stage("s", "s", "", 5.0, targets, ready_s=1, shots=3),))
    result = score_log(course, run(course, [shot(2.0, 0.3), shot(2.2, 0.5), shot(2.4, 0.7)]).log())
    st = stage_of(result)
    assert (st["score"], st["no_shoot_hits"], st["max"]) == (0, 1, 2)
    assert st["hits"] == {"n1:plate": 1, "p1:plate": 1, "p2:plate": 1}
    # without the no-shoot hit the same stage scores its 2
    result = score_log(course, run(course, [shot(2.0, 0.3), shot(2.4, 0.7)]).log())
    assert stage_of(result)["score"] == 2


def test_a_repeated_stage_scores_its_last_attempt():
    body = Target(
        "t",
        "custom",
        0.4,
        ((0.0, 0.5, 0.5),),
        (ZoneSpec("A", 5, "rect", (-0.2, -0.2, 0.2, 0.2)),),
        True,
        2,
    )
    course = Course(
        "c",
        (
            Stage("s1", "one", "", 4.0, (body,), ready_s=1),
            Stage("s2", "two", "", 4.0, (plate("p", 0.5),), ready_s=1),
        ),
    )
    events = [
        shot(2.0, 0.05),  # a miss in the first attempt
        JumpTo(2.5, "s1-ready"),  # the instructor repeats the stage
        shot(4.0, 0.5),
        shot(4.3, 0.5),
    ]
    result = score_log(course, run(course, events).log())
    st = stage_of(result)
    assert (st["score"], st["max"], st["attempts"], st["shots"], st["misses"]) == (10, 10, 2, 2, 0)


def test_a_skipped_stage_scores_zero_and_says_so():
    course = Course(
        "c",
        (
            Stage("s1", "one", "", 4.0, (plate("p", 0.5),), ready_s=1),
            Stage("s2", "two", "", 4.0, (plate("p", 0.5),), ready_s=1),
        ),
    )
    result = score_log(course, run(course, [JumpTo(0.5, "s2-ready"), shot(3.0, 0.5)]).log())
    assert stage_of(result, 0)["skipped"] and stage_of(result, 0)["score"] == 0
    assert stage_of(result, 1)["score"] == 1
    assert result["score"] == 1 and result["max"] == 2 and result["percent"] == 50.0


def test_shot_timer_first_shot_splits_total_and_par():
    course = Course(
        "c", (Stage("s", "s", "", 10.0, (plate("p", 0.5, shots=3),), ready_s=6, par_s=2.5),)
    )
    result = score_log(course, run(course, [shot(7.5, 0.5), shot(7.8, 0.5), shot(8.2, 0.5)]).log())
    st = stage_of(result)
    assert st["first_shot_s"] == pytest.approx(1.5, abs=1 / HZ)
    assert st["splits_s"] == pytest.approx([0.3, 0.4], abs=1 / HZ)
    assert st["total_s"] == pytest.approx(2.2, abs=1 / HZ)
    assert st["within_par"] is True


def test_shots_before_the_beep_belong_to_no_attempt():
    course = Course("c", (Stage("s", "s", "", 4.0, (plate("p", 0.5),), ready_s=2),))
    result = score_log(course, run(course, [shot(1.0, 0.5)]).log())
    assert stage_of(result)["shots"] == 0 and result["score"] == 0


# -- the plan and the graph --------------------------------------------------------------


def test_plan_has_the_documented_shape_and_times():
    course = Course(
        "c",
        (
            Stage("a", "a", "", 4.0, (plate("p", 0.3), plate("n", 0.6, shoot=False)), ready_s=2),
            Stage("b", "b", "", 3.0, (plate("p", 0.5, shots=2),), ready_s=1.5),
        ),
    )
    p = plan(course, HZ)
    assert list(p) == ["stages"]
    first, second = p["stages"]
    assert list(first) == ["index", "start", "window", "targets"]
    assert (first["index"], first["start"], first["window"]) == (0, 2.0, [2.0, 6.0])
    assert (second["start"], second["window"]) == (7.5, [7.5, 10.5])
    assert first["targets"] == [
        {"name": "p", "aim": [0.3, 0.5], "shoot": True, "shots": 1},
        {"name": "n", "aim": [0.6, 0.5], "shoot": False, "shots": 0},
    ]
    assert second["targets"][0]["shots"] == 2


def test_stages_run_ready_then_live_with_the_beep_then_the_end():
    course = Course("c", (Stage("s", "s", "", 3.0, (plate("p", 0.5),), ready_s=2, par_s=1.0),))
    rt = run(course, [])
    log = rt.log()
    assert log.segments_played == ("s-ready", "s", END_SEGMENT)
    assert [(b.t_s, b.to_segment) for b in log.branches] == [(2.0, "s"), (5.0, END_SEGMENT)]
    assert [(s.sound, s.t_s) for s in log.sounds] == [("beep", 2.0), ("beep", 3.0)]
    assert rt.state.ended


def test_a_moving_target_is_hit_where_it_is_not_where_it_was():
    mover = Target(
        "m", "plate", 0.1, ((0.0, 0.2, 0.5), (4.0, 0.8, 0.5)), shape_zones("plate"), True, 1
    )
    course = Course("c", (Stage("s", "s", "", 4.0, (mover,), ready_s=1, shots=2),))
    # at stage time 2 s it is at x = 0.5; its start (0.2) is empty by then
    result = score_log(course, run(course, [shot(3.0, 0.2), shot(3.0, 0.5)]).log())
    st = stage_of(result)
    assert st["misses"] == 1 and st["hits"] == {"m:plate": 1}
    assert plan(course, HZ)["stages"][0]["targets"][0]["aim"] == [0.5, 0.5]


def test_a_turning_target_cannot_be_hit_edge_on_and_an_appearing_one_before_it_shows():
    turner = Target(
        "t",
        "plate",
        0.1,
        ((0.0, 0.3, 0.5),),
        shape_zones("plate"),
        True,
        1,
        facing=False,
        turns=((1.0, True), (3.0, False)),
    )
    popper = Target(
        "a", "plate", 0.1, ((0.0, 0.7, 0.5),), shape_zones("plate"), True, 1, show_s=2.0
    )
    course = Course("c", (Stage("s", "s", "", 5.0, (turner, popper), ready_s=1, shots=6),))
    events = [
        shot(1.5, 0.3),  # stage 0.5 s: edge-on
        shot(1.5, 0.7),  # not shown yet
        shot(3.5, 0.3),  # stage 2.5 s: facing
        shot(3.5, 0.7),  # shown
        shot(4.5, 0.3),  # stage 3.5 s: edge-on again
    ]
    st = stage_of(score_log(course, run(course, events).log()))
    assert st["hits"] == {"a:plate": 1, "t:plate": 1}
    assert st["misses"] == 3
    assert plan(course, HZ)["stages"][0]["window"] == [1.0 + 2.0, 1.0 + 3.0]


def test_hits_to_advance_end_the_stage_early():
    course = Course(
        "c",
        (
            Stage("s1", "one", "", 10.0, (plate("p", 0.5, shots=2),), ready_s=1, advance_hits=2),
            Stage("s2", "two", "", 2.0, (plate("p", 0.5),), ready_s=1),
        ),
    )
    rt = run(course, [shot(2.0, 0.05), shot(2.5, 0.5), shot(3.0, 0.5)])
    jumps = [(b.to_segment, b.trigger) for b in rt.log().branches]
    assert jumps[1] == ("s2-ready", "2 hits")
    assert rt.log().branches[1].t_s == pytest.approx(3.0 + 1 / HZ)
