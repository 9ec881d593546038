"""The instructor's hotkeys, pressed in code: each control becomes the right event."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.instructor_console import InstructorConsole, menu_sounds
from sim.events import (
    EndScenario,
    Flag,
    FlagNote,
    JumpTo,
    KeyPress,
    Malfunction,
    Pause,
    PlaySound,
    Resume,
    SetLevel,
    SetView,
    TraineeAction,
)
from sim.runtime import SimState
from sim.scenario import Scenario
from sim.sounds import SoundDef

STATE = SimState(
    10,
    0.1,
    "approach",
    0.1,
    False,
    False,
    False,
    0,
    0,
    0,
    0,
    True,
    False,
    False,
    (100, 100, 80, 70),
    b"",
)


@pytest.fixture
def console():
    sent = []
    box = {"state": STATE}
    c = InstructorConsole(
        sent.append,
        lambda: box["state"],
        ["approach", "draw", "down"],
        sounds=menu_sounds(Scenario("t", "a", {})),
    )
    c.sent, c.box = sent, box
    return c


def press(c, *keys, t=0.0):
    for k in keys:
        c.key(k, t)
    return c.sent


def test_number_keys_branch_and_space_toggles_pause(console):
    assert press(console, "2", "space") == [KeyPress(0.0, "2"), Pause(0.0)]
    console.box["state"] = replace(STATE, paused=True)
    assert press(console, "space")[-1] == Resume(0.0)


def test_flag_marks_the_moment_then_takes_a_typed_note(console):
    press(console, "f")
    assert console.sent == [Flag(0.0, "")] and console.note == ""
    for ch in "late draw":
        console.text(ch)
    press(console, "backspace", "enter")
    assert console.sent[-1] == FlagNote(0.0, "late dra") and console.note is None
    press(console, "f", "escape")  # a flag with no note
    assert console.sent[-1] == Flag(0.0, "") and console.note is None


def test_keys_typed_into_a_note_do_not_act(console):
    press(console, "f", "2", "space")
    assert console.sent == [Flag(0.0, "")]


def test_replay_jump_menu_and_malfunction(console):
    press(console, "r")
    assert console.sent[-1] == JumpTo(0.0, "approach")
    press(console, "j")
    assert [label for _, label in console.menu.visible()] == ["approach", "draw", "down"]
    press(console, "3")
    assert console.sent[-1] == JumpTo(0.0, "down") and console.menu is None
    press(console, "m")
    assert console.sent[-1] == Malfunction(0.0, "w1")
    console.weapon_seen("w2")
    press(console, "m", "2")
    assert console.sent[-1] == Malfunction(0.0, "w2")


def test_view_toggles_and_coded_actions(console):
    assert press(console, "l", "o", "h", "v", "i") == [
        SetView(0.0, "low-light", True),
        SetView(0.0, "flashlight", True),
        SetView(0.0, "markers", False),
        TraineeAction(0.0, "verbal-command"),
        TraineeAction(0.0, "intervened"),
    ]


def test_panels_stay_on_the_instructor_screen(console):
    press(console, "f1", "g", "tab")
    assert console.help_open and console.guidebook_open and console.review_open
    assert console.sent == []  # nothing for the sim
    press(console, "escape")
    assert not console.help_open and console.sent == []


def test_escape_twice_ends_then_quits(console):
    console.key("escape", 1.0)
    assert console.sent == [] and "again" in console.message
    console.key("escape", 5.0)  # too late: arms again
    assert console.sent == []
    console.key("escape", 6.0)
    assert console.sent == [EndScenario(0.0)]
    console.box["state"] = replace(STATE, ended=True)
    console.key("escape", 7.0)
    console.key("escape", 7.5)
    assert console.quit_requested


def test_s_opens_the_sound_menu_and_a_pick_plays_it(console):
    press(console, "s")
    labels = [label for _, label in console.menu.visible()]
    assert labels == ["Siren passing", "Dog barking", "Radio traffic", "Crowd noise", "Shouting"]
    press(console, "2")
    assert console.sent == [PlaySound(0.0, "dog")] and console.menu is None


def test_pack_sounds_come_first_in_the_sound_menu():
    own = SoundDef("neighbour", "distractor", "Neighbour yelling", "sounds/n.wav")
    sc = Scenario("t", "a", {}, sounds={"neighbour": own, **Scenario("t", "a", {}).sounds})
    assert menu_sounds(sc)[0] is own
    assert "pistol" not in [s.name for s in menu_sounds(sc)]  # reports come from weapons


def test_levels_menu_stays_open_and_sends_absolute_levels(console):
    press(console, "a")
    assert console.menu.sticky
    assert console.menu.visible()[0][1].startswith("master")
    press(console, "1", "1", "8")  # master down twice (before any tick applies), distractor up
    assert console.sent == [
        SetLevel(0.0, "master", 90),
        SetLevel(0.0, "master", 80),
        SetLevel(0.0, "distractor", 80),
    ]
    assert console.menu is not None  # still open
    press(console, "escape")
    assert console.menu is None


def test_coded_actions_and_saved_flags_tell_the_instructor_and_count_messages(console):
    """Issue 14: V C D B I showed nothing; each message is counted so the view can take
    it down after a few seconds (it stayed 40 s)."""
    seq = console.message_seq
    press(console, "d")
    assert console.message == "coded: distance created" and console.message_seq == seq + 1
    press(console, "f", "enter")
    assert console.message == "flag saved" and console.message_seq == seq + 3


# -- the rubric panel (E): item, level, comment ------------------------------------------------


def rubric_console(weapons=("w1",), log=None):
    from sim.records import SessionLog
    from sim.rubric import Rubric, RubricItem
    from sim.rubric_rules import NoShootHits

    rubric = Rubric(
        (
            RubricItem("verbal", "Verbal commands", {1: "None", 4: "Late", 7: "Early, clear"}),
            RubricItem("force", "Force decision", rule=NoShootHits((7, 1))),
        )
    )
    empty = SessionLog((), (), (), (), (), (), (), (), (), (), ())
    sent = []
    c = InstructorConsole(
        sent.append,
        lambda: STATE,
        ["approach"],
        weapons=list(weapons),
        rubric=rubric,
        log=log or (lambda: empty),
    )
    c.sent = sent
    return c


def type_text(c, text):
    for ch in text:
        c.text(ch)


def test_e_scores_an_item_at_a_level_with_a_comment():
    from sim.events import Score

    c = rubric_console()
    press(c, "e")
    assert c.menu.title == "Score the rubric (w1): pick an item"
    labels = [label for _, label in c.menu.visible()]
    assert labels[0].startswith("Verbal commands") and labels[0].endswith("not scored")
    assert labels[1].endswith("auto 7 superior, expert so far")  # no no-shoot hits yet
    press(c, "1")  # verbal commands: its levels (key N is level N), with their anchors
    assert c.menu.title == "Verbal commands (w1): level"
    levels = [label for _, label in c.menu.visible()]
    assert levels[0] == "1 not acceptable, novice  None" and levels[1] == "2 not acceptable, novice"
    assert levels[3] == "4 acceptable, competent  Late"
    assert levels[6] == "7 superior, expert  Early, clear" and levels[7] == "not observed"
    press(c, "4")  # level 4: a comment is optional
    assert c.menu is None and c.score is not None and c.sent == []
    type_text(c, "late but clearx")
    press(c, "backspace", "enter")
    assert c.sent == [Score(0.0, "verbal", 4, "w1", "late but clear")]
    assert c.score is None and c.message == "scored verbal: 4"


def test_an_extreme_level_needs_a_comment_and_esc_gives_no_score():
    from sim.events import Score

    c = rubric_console()
    press(c, "e", "1", "7")  # verbal, level 7
    assert c.score.level == 7 and c.score.required
    press(c, "enter")
    assert c.sent == [] and "needs a comment" in c.message  # still typing
    type_text(c, "textbook")
    press(c, "enter")
    assert c.sent == [Score(0.0, "verbal", 7, "w1", "textbook")]
    press(c, "e", "2", "8")  # force decision, not observed
    press(c, "escape")
    assert len(c.sent) == 1 and c.message == "score not given" and c.score is None
    press(c, "e", "2", "8", "enter")  # not observed needs no comment
    assert c.sent[-1] == Score(0.0, "force", None, "w1", "")


def test_keys_typed_into_a_score_comment_are_not_hotkeys():
    c = rubric_console()
    press(c, "e", "1", "5")
    press(c, "space", "f", "2")  # Panda3D sends both the button and the keystroke
    type_text(c, " f2")
    assert c.sent == [] and c.score.comment == " f2"


def test_with_several_weapons_the_panel_asks_whose_score_first():
    from sim.events import Score

    c = rubric_console(weapons=("w1", "w2"))
    press(c, "e")
    assert c.menu.title == "Score the rubric for weapon"
    press(c, "2", "1", "5", "enter")
    assert c.sent == [Score(0.0, "verbal", 5, "w2", "")]


def test_the_item_menu_shows_scores_given_and_automatic_results():
    from sim.records import ScoreRecord, SessionLog, ShotRecord

    hit = ShotRecord(
        12, 0.1, "w1", "firearm", 0.5, 0.5, "a", 0.1, "left", "no-shoot", 0, None, None
    )
    given = ScoreRecord(12, 0.1, "verbal", 3, "w1", "", "instructor")
    log = SessionLog((), (), (), (), (hit,), (), (), (), (), (), (), (given,))
    c = rubric_console(log=lambda: log)
    press(c, "e")
    labels = [label for _, label in c.menu.visible()]
    assert labels[0].endswith("3 acceptable, advanced beginner")
    assert labels[1].endswith("auto 1 not acceptable, novice so far")


def test_e_without_a_rubric_says_so(console):
    press(console, "e")
    assert console.menu is None and console.message == "this pack has no rubric"
