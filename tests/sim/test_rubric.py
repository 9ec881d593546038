"""Rubrics (sim/rubric.py): each automatic rule against worked examples, the scale, the
overall level and pass or fail, and the runtime keeping or refusing score events."""

from __future__ import annotations

import pytest

from sim.events import InputError, Score, parse_event
from sim.records import ActionRecord, CueRecord, ScoreRecord, SessionLog, ShotRecord
from sim.rubric import Rubric, RubricItem, counted, score_session
from sim.rubric_rules import NoShootHits, Reaction, ShotsAfter, VerbalBeforeShot
from sim.rubric_scale import RubricError, Scale
from sim.runtime import ScenarioRuntime
from sim.scenario import Scenario, Segment

HZ = 120
SCALE = Scale()


def shot(t_s, weapon="w1", role=None, fired=True):
    zone = {"threat": "torso", "no-shoot": "bystander"}.get(role)
    return ShotRecord(
        round(t_s * HZ), t_s, weapon, "firearm", 0.5, 0.5, "a", t_s, zone, role,
        10 if role == "threat" else 0, None, None, fired=fired,
        dry_reason="" if fired else "malfunction",
    )  # fmt: skip


def cue(t_s, name="weapon visible"):
    return CueRecord(round(t_s * HZ), t_s, "a", name)


def action(t_s, what="verbal-command"):
    return ActionRecord(round(t_s * HZ), t_s, "a", what)


def log(shots=(), cues=(), actions=(), scores=(), pauses=()):
    return SessionLog(
        ("a",), (), tuple(cues), tuple(actions), tuple(shots), (), (), (), (), (), (),
        tuple(scores), tuple(pauses),
    )  # fmt: skip


# -- reaction --------------------------------------------------------------------------------

REACTION = Reaction("weapon visible", (0.5, 0.75, 1.0, 1.25, 1.5, 2.0))


@pytest.mark.parametrize(
    ("shot_at", "level"),
    [(3.3, 7), (3.8, 7), (3.9, 6), (4.05, 6), (4.3, 5), (4.5, 4), (4.8, 3), (5.3, 2), (6.0, 1)],
)
def test_reaction_time_from_the_cue_picks_the_level(shot_at, level):
    # the cue at 3.3 s; a shot 0.7 s later is within 0.75 s: the second-best level, 6
    got, comment = REACTION.evaluate(log([shot(shot_at)], [cue(3.3)]), "w1", SCALE)
    assert got == level
    assert f"{shot_at - 3.3:.2f} s after 'weapon visible'" in comment


def test_reaction_ignores_shots_before_the_cue_and_other_weapons():
    records = log([shot(1.0), shot(3.5, "w2"), shot(4.2)], [cue(3.3)])
    # 4.2 - 3.3 = 0.9 s: within 1.0 s, the third bound: level 5
    assert REACTION.evaluate(records, "w1", SCALE) == (5, "shot 0.90 s after 'weapon visible'")
    assert REACTION.evaluate(records, "w2", SCALE)[0] == 7  # 0.2 s


def test_reaction_does_not_count_time_paused():
    # cue at 3.0, paused 3.2-5.2, shot at 5.5: 2.5 s of session time, 0.5 s of reaction
    records = log([shot(5.5)], [cue(3.0)], pauses=[(3.2, 5.2)])
    assert REACTION.evaluate(records, "w1", SCALE) == (7, "shot 0.50 s after 'weapon visible'")


def test_reaction_no_response_is_the_lowest_level_and_no_cue_is_not_observed():
    assert REACTION.evaluate(log([], [cue(3.0)]), "w1", SCALE) == (
        1,
        "no response after 'weapon visible'",
    )
    assert REACTION.evaluate(log([shot(4.0)]), "w1", SCALE) == (
        None,
        "'weapon visible' never happened",
    )


def test_reaction_to_a_coded_action():
    rule = Reaction("strikes begin", (0.5, 1.0, 1.5, 2.0, 2.5, 3.0), response="intervened")
    records = log(
        [shot(2.1)],
        [cue(2.0, "strikes begin")],
        [action(2.5, "verbal-command"), action(3.0, "intervened")],
    )
    assert rule.evaluate(records, "w1", SCALE) == (6, "intervened 1.00 s after 'strikes begin'")
    anything = Reaction("strikes begin", (0.5,), response="any")
    assert anything.evaluate(records, "w1", SCALE) == (7, "shot 0.10 s after 'strikes begin'")
    # slower than the only bound: the level below it
    assert Reaction("strikes begin", (0.05,), "action").evaluate(records, "w1", SCALE)[0] == 6


def test_a_dry_trigger_pull_is_a_response():
    records = log([shot(3.6, fired=False)], [cue(3.3)])
    assert REACTION.evaluate(records, "w1", SCALE) == (
        7,
        "dry trigger pull 0.30 s after 'weapon visible'",
    )


# -- no-shoot hits, verbal before shot, shots after ----------------------------------------


def test_no_shoot_hits_default_and_graded_levels():
    none = log([shot(1.0, role="threat"), shot(2.0)])
    two = log([shot(1.0, role="no-shoot"), shot(2.0, role="no-shoot"), shot(3.0, "w2", "no-shoot")])
    rule = NoShootHits((7, 1))
    assert rule.evaluate(none, "w1", SCALE) == (7, "0 no-shoot hit(s)")
    level, comment = rule.evaluate(two, "w1", SCALE)
    assert level == 1 and comment.startswith("2 no-shoot hit(s), bystander at 1.00 s")
    graded = NoShootHits((7, 3, 2, 1))
    assert [graded.evaluate(two, w, SCALE)[0] for w in ("w1", "w2")] == [2, 3]
    dry = log([shot(1.0, role="no-shoot", fired=False)])  # a dry pull hits nothing
    assert rule.evaluate(dry, "w1", SCALE)[0] == 7


def test_verbal_before_shot_worked_examples():
    rule = VerbalBeforeShot()
    assert rule.evaluate(log([shot(3.0)], actions=[action(2.0)]), "w1", SCALE)[0] == 7
    assert rule.evaluate(log([shot(3.0)], actions=[action(4.0)]), "w1", SCALE) == (
        1,
        "first shot at 3.00 s with no verbal command before it",
    )
    assert rule.evaluate(log(actions=[action(2.0)]), "w1", SCALE)[0] == 7  # talked, no shot
    assert rule.evaluate(log(), "w1", SCALE) == (None, "no verbal command coded and no shot")
    # other actions are not verbal commands
    assert (
        rule.evaluate(log([shot(3.0)], actions=[action(2.0, "cover-taken")]), "w1", SCALE)[0] == 1
    )


def test_a_phrase_heard_in_the_voice_is_a_verbal_command():
    """Issue 17: a pack phrase the trainee said (a said input with a phrase) counts as the
    V key does; talk that matched no phrase does not. Through the runtime's log."""
    from content import PACKS_DIR
    from content.pack import load_pack
    from sim.events import Said, Shot

    def run(events):
        rt = ScenarioRuntime(load_pack(PACKS_DIR / "crisis").scenario, 120)
        by_tick = {round(e.t_s * 120): e for e in events}
        for _ in range(4 * 120):
            e = by_tick.get(rt.state.tick + 1)
            rt.step([e] if e else [])
        return rt.log()

    rule = VerbalBeforeShot()
    heard = run([Said(1.0, "i'm here to help", "i'm here to help"), Shot(3.5, 0.1, 0.1)])
    assert [(r.t_s, r.phrase) for r in heard.said] == [(1.0, "i'm here to help")]
    assert rule.evaluate(heard, "w1", SCALE) == (
        7,
        "verbal command at 1.00 s, first shot at 3.50 s",
    )
    talk = run([Said(1.0, "", "hey there"), Shot(3.5, 0.1, 0.1)])
    assert talk.said == () and rule.evaluate(talk, "w1", SCALE)[0] == 1


def test_verbal_before_shot_from_a_cue():
    rule = VerbalBeforeShot("knife visible")
    before_cue = log([shot(5.0)], [cue(4.0, "knife visible")], [action(2.0)])
    assert rule.evaluate(before_cue, "w1", SCALE)[0] == 1  # the command before the cue
    assert rule.evaluate(log([shot(5.0)], actions=[action(2.0)]), "w1", SCALE)[0] is None


def test_shots_after_the_threat_is_down():
    rule = ShotsAfter("threat down", (7, 3, 1))
    down = cue(4.4, "threat down")
    # the shot that put the threat down lands on the cue's own tick: not after it
    assert rule.evaluate(log([shot(4.4, role="threat")], [down]), "w1", SCALE) == (
        7,
        "0 shot(s) after 'threat down'",
    )
    one = log([shot(4.4), shot(5.0)], [down])
    three = log([shot(4.4), shot(5.0), shot(5.2), shot(5.4, "w2"), shot(5.6)], [down])
    assert rule.evaluate(one, "w1", SCALE)[0] == 3
    assert rule.evaluate(three, "w1", SCALE) == (1, "3 shot(s) after 'threat down'")
    assert rule.evaluate(log([shot(5.0)]), "w1", SCALE)[0] is None


# -- the scale, items and the rubric --------------------------------------------------------


def test_the_default_scale_is_one_to_seven_with_three_bands_and_dreyfus_names():
    assert list(SCALE.levels) == [1, 2, 3, 4, 5, 6, 7]
    assert [(b.name, b.low, b.high, b.acceptable) for b in SCALE.bands] == [
        ("not acceptable", 1, 2, False),
        ("acceptable", 3, 5, True),
        ("superior", 6, 7, True),
    ]
    assert SCALE.describe(5) == "5 acceptable, competent"
    assert SCALE.describe(1) == "1 not acceptable, novice" and SCALE.name(7) == "expert"
    assert SCALE.describe(None) == "not observed"
    assert SCALE.needs_comment(1) and SCALE.needs_comment(7) and not SCALE.needs_comment(4)
    assert not SCALE.needs_comment(None) and SCALE.lowest_acceptable() == 3
    assert 0 not in SCALE and 8 not in SCALE and True not in SCALE


def items(*specs):
    return tuple(RubricItem(i, i.title(), {}, None, **kw) for i, kw in specs)


def test_overall_level_is_the_weighted_mean_of_observed_items_rounded_half_up():
    r = Rubric(items(("a", {}), ("b", {}), ("c", {"weight": 2.0})))
    assert r.overall_level({"a": 1, "b": 6, "c": None}) == 4  # 3.5 rounds up
    assert r.overall_level({"a": 4, "b": 4, "c": 7}) == 6  # (4 + 4 + 14) / 4 = 5.5
    assert r.overall_level({"a": None}) is None
    assert r.overall_level({"zzz": 7}) is None  # not an item of this rubric


def test_pass_needs_the_pass_level_and_every_critical_item_at_it():
    r = Rubric(items(("a", {}), ("force", {"critical": True})), pass_level=4)
    assert r.passed({"a": 5, "force": 4}) is True
    assert r.overall_level({"a": 3, "force": 4}) == 4 and r.passed({"a": 3, "force": 4})
    assert r.passed({"a": 2, "force": 4}) is False  # overall 3
    assert r.passed({"a": 7, "force": 2}) is False  # critical below the pass level
    assert r.passed({"a": 7, "force": None}) is None  # critical not observed: not decided
    assert r.passed({}) is None
    assert Rubric(items(("a", {}))).pass_level == 3  # default: lowest acceptable level


def test_validate_names_the_key_path():
    bad = [
        (Rubric(items(("a", {}), ("a", {}))), "rubric.items[1].id: 'a' is already"),
        (Rubric((RubricItem("a", "A", {9: "x"}),)), "rubric.items[0].anchors.9: level 9 is"),
        (Rubric(items(("a", {})), pass_level=8), "rubric.pass_level: 8 is outside"),
        (
            Rubric((RubricItem("a", "A", rule=NoShootHits((7, 0))),)),
            "rubric.items[0].rule.levels[1]: 0 is outside",
        ),
        (
            Rubric((RubricItem("a", "A", rule=Reaction("c", (1.0, 0.5))),)),
            "rubric.items[0].rule.levels_s: positive seconds, increasing",
        ),
        (
            Rubric((RubricItem("a", "A", rule=Reaction("c", tuple(range(1, 8)))),)),
            "rubric.items[0].rule.levels_s: 7 bounds for a scale of 7 levels",
        ),
        (Rubric(items(("a", {})), Scale(1, 7, names={0: "x"})), "rubric.names.0: outside"),
    ]
    for rubric, message in bad:
        with pytest.raises(
            RubricError, match="^" + message.replace("[", r"\[").replace("]", r"\]")
        ):
            rubric.validate()


def test_counted_prefers_the_instructors_latest_score_over_the_rule():
    scores = [
        ScoreRecord(900, 7.5, "a", 2, "w1", "late", "instructor"),
        ScoreRecord(960, 8.0, "a", 4, "w1", "", "instructor"),  # revised: this one counts
        ScoreRecord(1200, 10.0, "a", 7, "w1", "auto", "automatic"),
        ScoreRecord(1200, 10.0, "b", 6, "w1", "auto", "automatic"),
        ScoreRecord(960, 8.0, "c", None, "w1", "", "instructor"),
    ]
    assert counted(scores) == {"a": 4, "b": 6, "c": None}


def test_score_session_gives_each_weapon_its_result():
    rubric = Rubric(
        (
            RubricItem("verbal", "Verbal", rule=VerbalBeforeShot()),
            RubricItem("force", "Force", rule=NoShootHits((7, 1)), critical=True),
            RubricItem("cover", "Cover"),
        )
    )
    records = log(
        [shot(3.0), shot(3.5, "w2", "no-shoot")],
        actions=[action(2.0)],
        scores=[ScoreRecord(960, 8.0, "cover", 5, "w1", "", "instructor")],
    )
    sheet = score_session(rubric, records, t_s=10.0, tick=1200)
    w1, w2 = sheet.results
    assert (w1.weapon, w1.levels, w1.level, w1.passed) == (
        "w1",
        {"verbal": 7, "force": 7, "cover": 5},
        6,
        True,
    )
    assert (w2.levels, w2.level, w2.passed) == ({"verbal": 7, "force": 1, "cover": None}, 4, False)
    auto = [s for s in sheet.scores if s.source == "automatic"]
    assert len(auto) == 4 and {s.t_s for s in auto} == {10.0}
    assert sheet.scores[0].source == "instructor"
    assert score_session(None, records).scores == ()
    # no shots and no scores: one weapon, w1 (a scripted shot's default)
    assert [r.weapon for r in score_session(rubric, log()).results] == ["w1"]


# -- the Score event and the runtime ----------------------------------------------------------


def test_score_events_parse_and_are_bounded():
    assert parse_event(
        {"t": 9.0, "type": "score", "item": "verbal-commands", "level": 5, "weapon": "w1"}, "x"
    ) == Score(9.0, "verbal-commands", 5, "w1", "")
    assert parse_event(
        {"t": 9.0, "type": "score", "item": "cover", "level": "not-observed", "comment": "c"}, "x"
    ) == Score(9.0, "cover", None, "w1", "c")
    for bad, message in [
        ({"item": "a"}, "missing 'level'"),
        ({"item": "a", "level": True}, "'level' must be a whole level"),
        ({"item": "a", "level": 2.5}, "'level' must be a whole level"),
        ({"item": "a", "level": 10**6}, "'level' must be a whole level"),
        ({"item": "", "level": 3}, "'item' must be"),
        ({"item": "a" * 65, "level": 3}, "'item' must be"),
        ({"item": "a", "level": 3, "comment": "x" * 501}, "'comment' must be text"),
        ({"item": "a", "level": 3, "weapon": ""}, "'weapon' must be"),
    ]:
        with pytest.raises(InputError, match=message):
            parse_event({"t": 1.0, "type": "score", **bad}, "x")


def runtime_with(rubric):
    seg = Segment("a", "a.mp4", 0.0, 2.0, 16 / 9, ending=True)
    return ScenarioRuntime(Scenario("t", "a", {"a": seg}, rubric=rubric), HZ)


def test_the_runtime_keeps_good_scores_and_says_why_it_ignores_bad_ones():
    rt = runtime_with(Rubric(items(("verbal", {}), ("cover", {}))))
    rt.step(
        [
            Score(0.0, "verbal", 5, "w1", "clear "),
            Score(0.0, "cover", None, "w2"),
            Score(0.0, "nope", 3),
            Score(0.0, "verbal", 8),
            Score(0.0, "verbal", 0),
            Score(0.0, "verbal", 7),  # an extreme without a comment
            Score(0.0, "verbal", 1, comment="   "),
        ]
    )
    assert [(s.item, s.level, s.weapon, s.comment, s.source) for s in rt.scores] == [
        ("verbal", 5, "w1", "clear", "instructor"),
        ("cover", None, "w2", "", "instructor"),
    ]
    assert rt.log().scores == tuple(rt.scores)
    assert [m.partition("score ignored: ")[2] for m in rt.ignored] == [
        "no rubric item 'nope'",
        "verbal: level 8 is outside the scale (1-7, or not observed)",
        "verbal: level 0 is outside the scale (1-7, or not observed)",
        "verbal: a score of 7 needs a comment",
        "verbal: a score of 1 needs a comment",
    ]
    norubric = runtime_with(None)
    norubric.step([Score(0.0, "verbal", 5)])
    assert not norubric.scores and "this pack has no rubric" in norubric.ignored[0]


def test_scores_are_taken_after_the_end_and_change_the_digest():
    rubric = Rubric(items(("verbal", {})))
    a, b = runtime_with(rubric), runtime_with(rubric)
    for _ in range(3 * HZ):  # past the 2 s ending
        a.step(), b.step()
    assert a.state.ended and a.state.digest == b.state.digest
    a.step([Score(0.0, "verbal", 4)])
    b.step([Score(0.0, "verbal", 5)])
    assert a.scores[0].level == 4 and a.state.digest != b.state.digest


def test_pauses_are_recorded_as_spans():
    from sim.events import Pause, Resume

    rt = runtime_with(None)
    rt.step([Pause(0.0)])
    rt.step([Pause(0.0)])  # already paused: one span
    assert rt.log().pauses == ((1 / HZ, None),)
    rt.step([Resume(0.0)])
    assert rt.log().pauses == ((1 / HZ, 3 / HZ),)
