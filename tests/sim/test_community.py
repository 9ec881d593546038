"""Community sessions in the sim (issue 23): where the room is asked, how votes count,
how the facilitator goes on; all from input events, deterministic."""

from __future__ import annotations

import pytest

from sim.commands import QuestionClosed, QuestionOpened, RoomDecided
from sim.community import Choice, Question, RoomOptions, question_of
from sim.events import (
    Angle,
    CloseVote,
    Continue,
    InputError,
    KeyPress,
    Resume,
    Reveal,
    Vote,
    parse_event,
)
from sim.runtime import ScenarioRuntime
from sim.scenario import Cue, Scenario, ScenarioError, Segment, Transition, View
from sim.triggers import EndTrigger, KeyTrigger

HZ = 120


def scenario(question: Question | None = None) -> Scenario:
    segs = {
        "street": Segment(
            "street",
            "street.mp4",
            0.0,
            4.0,
            16 / 9,
            transitions=(
                Transition(KeyTrigger("1", "Walks away"), "away"),
                Transition(KeyTrigger("2", "Turns on the officer"), "turns"),
                Transition(EndTrigger(), "away"),
            ),
            cues=(Cue("stops", 2.0),),
            question=question,
            views=(View("Bystander", "street-b.mp4"),),
        ),
        "away": Segment("away", "away.mp4", 0.0, 1.0, 16 / 9, ending=True),
        "turns": Segment("turns", "turns.mp4", 0.0, 1.0, 16 / 9, ending=True),
    }
    return Scenario("community test", "street", segs)


def runtime(question=None, vote_s=10.0, reveal_s=None) -> ScenarioRuntime:
    return ScenarioRuntime(scenario(question), HZ, community=RoomOptions(vote_s, reveal_s))


def play(rt: ScenarioRuntime, until_tick: int, events: dict[int, list] | None = None) -> list:
    commands = []
    events = events or {}
    while rt.state.tick < until_tick:
        commands += rt.step(events.get(rt.state.tick + 1, [])).commands
    return commands


def at(t_s: float) -> int:
    return round(t_s * HZ)


def test_a_question_opens_at_the_first_cue_with_the_branch_labels_and_pauses():
    rt = runtime()
    out = play(rt, at(2.0))
    opened = [c for c in out if isinstance(c, QuestionOpened)]
    assert opened == [
        QuestionOpened(1, "street", "What would you do?", ("Walks away", "Turns on the officer"))
    ]
    assert rt.state.paused
    media = rt.state.media_t_s
    play(rt, at(5.0))  # past the clip's end: held, the end transition never fires
    assert rt.state.media_t_s == media and rt.state.segment == "street"


def test_votes_count_and_the_room_choice_is_followed_on_continue():
    rt = runtime()
    events = {
        at(2.5): [Vote(0, "Turns on the officer"), Vote(0, "Turns on the officer")],
        at(2.6): [Vote(0, "Walks away")],
        at(3.0): [CloseVote(0)],
        at(3.5): [Reveal(0)],
        at(4.0): [Continue(0)],
    }
    out = play(rt, at(4.1), events)
    closed = [c for c in out if isinstance(c, QuestionClosed)]
    assert closed == [QuestionClosed(1, (1, 2), "facilitator")]
    assert [c for c in out if isinstance(c, RoomDecided)] == [
        RoomDecided(1, "Turns on the officer", "turns", "room")
    ]
    assert rt.state.segment == "turns" and not rt.state.paused
    q = rt.room.questions[0]
    assert q.result() == {"Walks away": 1, "Turns on the officer": 2}
    assert q.reveal == 1
    assert rt.branches[-1].trigger == "room: Turns on the officer"
    assert rt.pauses == [(2.0, 4.0)]


def test_a_vote_before_any_question_counts_for_the_next_one():
    rt = runtime()
    play(rt, at(2.5), {at(0.5): [Vote(0, "Walks away")], at(1.0): [Vote(0, "Nonsense")]})
    assert rt.room.questions[0].counts == [1, 0]
    assert any("'Nonsense' is not a choice" in line for line in rt.ignored)


def test_a_vote_for_a_closed_question_or_twice_from_one_phone_is_not_counted():
    rt = runtime()
    events = {
        at(2.2): [Vote(0, "Walks away", 1, "p1"), Vote(0, "Turns on the officer", 1, "p1")],
        at(2.3): [Vote(0, "Walks away", 2, "p2")],  # a question that is not open
        at(2.4): [CloseVote(0)],
        at(2.5): [Vote(0, "Walks away", 1, "p3")],  # arrived after the close
    }
    play(rt, at(3.0), events)
    assert rt.room.questions[0].counts == [1, 0]
    ignored = " ".join(rt.ignored)
    assert "p1 already voted" in ignored
    assert "for question 2" in ignored
    assert "question 1 is not open" in ignored


def test_the_vote_closes_by_itself_and_the_reveal_time_goes_on_down_the_room_choice():
    rt = runtime(vote_s=1.0, reveal_s=0.5)
    out = play(rt, at(4.0), {at(2.1): [Vote(0, "Walks away")]})
    assert QuestionClosed(1, (1, 0), "time") in out
    assert RoomDecided(1, "Walks away", "away", "room (automatic)") in out
    decided = next(i for i, c in enumerate(out) if isinstance(c, RoomDecided))
    assert rt.branches[0].tick == at(3.5)
    assert decided > 0


def test_without_a_majority_continue_waits_for_the_facilitator_who_picks_with_a_key():
    rt = runtime()
    events = {
        at(2.1): [Vote(0, "Walks away"), Vote(0, "Turns on the officer")],
        at(2.5): [CloseVote(0)],
        at(2.6): [Continue(0)],  # a tie: nothing to follow
        at(2.7): [Resume(0)],  # the instructor's resume does not skip the room
        at(3.0): [KeyPress(0, "2")],
    }
    play(rt, at(3.2), events)
    assert any("no majority" in line for line in rt.ignored)
    assert any("resume ignored" in line for line in rt.ignored)
    q = rt.room.questions[0]
    assert (q.chosen, q.decided_by) == ("Turns on the officer", "facilitator")
    assert rt.state.segment == "turns"


def test_a_key_while_the_vote_is_open_closes_it_and_goes_on():
    rt = runtime()
    out = play(rt, at(2.5), {at(2.2): [Vote(0, "Walks away")], at(2.4): [KeyPress(0, "1")]})
    assert QuestionClosed(1, (1, 0), "choice") in out
    assert rt.state.segment == "away"


def test_the_pack_question_names_its_own_choices_prompt_and_time():
    q = Question(
        (Choice("Give commands", "away"), Choice("Draw", "turns")), prompt="Now what?", at_s=1.0
    )
    rt = runtime(q)
    out = play(rt, at(1.1))
    assert QuestionOpened(1, "street", "Now what?", ("Give commands", "Draw")) in out


def test_a_question_that_asks_nothing_is_not_asked():
    q = Question((Choice("a", "away"), Choice("b", "turns")), ask=False)
    assert question_of(scenario(q).segments["street"]) is None
    rt = runtime(q)
    play(rt, at(5.0))
    assert rt.room.questions == [] and rt.state.segment == "away"


def test_without_community_the_same_inputs_change_nothing_and_digests_stay_as_before():
    plain = ScenarioRuntime(scenario(), HZ)
    play(plain, at(3.0))
    again = ScenarioRuntime(scenario(), HZ)
    play(again, at(3.0), {at(1.0): [Vote(0, "Walks away")], at(2.0): [CloseVote(0)]})
    assert plain.state.segment == again.state.segment
    assert plain.room is None


def test_votes_enter_the_state_digest():
    a, b = runtime(), runtime()
    play(a, at(3.0), {at(2.5): [Vote(0, "Walks away")]})
    play(b, at(3.0), {at(2.5): [Vote(0, "Turns on the officer")]})
    assert a.state.digest != b.state.digest


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (Question((Choice("a", "away"), Choice("a", "turns"))), r"already choices\[0\]"),
        (Question((Choice("a", "away"), Choice("b", "nowhere"))), "no segment named 'nowhere'"),
        (Question((Choice("a", "away"),), at_s=9.0), "outside the segment"),
    ],
)
def test_a_bad_question_is_refused_naming_the_key(question, message):
    with pytest.raises(ScenarioError, match=message) as info:
        scenario(question).validate()
    assert "segments.street.question" in str(info.value)


def test_script_events_parse_and_bad_ones_say_where():
    assert parse_event({"t": 1, "type": "vote", "choice": "Draw"}, "s:1") == Vote(1.0, "Draw")
    assert parse_event({"t": 2, "type": "close-vote"}, "s:2") == CloseVote(2.0)
    assert parse_event({"t": 3, "type": "continue", "choice": "x"}, "s:3") == Continue(3.0, "x")
    with pytest.raises(InputError, match="s:4: 'choice'"):
        parse_event({"t": 4, "type": "vote"}, "s:4")
    with pytest.raises(InputError, match="s:5: 'question'"):
        parse_event({"t": 5, "type": "vote", "choice": "a", "question": -1}, "s:5")


def test_an_alternate_view_is_shown_once_the_vote_is_closed_and_its_clock_runs():
    rt = runtime()
    events = {
        at(2.2): [Angle(0, 1)],  # still voting: refused
        at(2.4): [CloseVote(0)],
        at(2.5): [Angle(0, 2)],  # the segment has one view
        at(2.6): [Angle(0, 1)],
    }
    play(rt, at(3.1), events)
    assert sum("angle ignored" in line for line in rt.ignored) == 2
    view = rt.room.view
    assert view.angle == 1 and view.angle_s == pytest.approx(0.5)
    assert view.media_t_s == pytest.approx(2.0)
    play(rt, at(3.5), {at(3.2): [Continue(0, "Walks away")]})
    assert rt.room.view.angle == 0 and rt.room.questions[0].angles == 1


def test_outside_a_community_session_room_events_are_listed_as_ignored():
    rt = ScenarioRuntime(scenario(), HZ)
    play(rt, at(1.0), {at(0.5): [Vote(0, "Walks away"), CloseVote(0)]})
    assert sum("no room votes" in line for line in rt.ignored) == 2
