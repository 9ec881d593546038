"""What the trainee said, in the after-action review (issue 17, item 4): the words beside
each decision (branch, shot, ending) in the page, decisions.csv and events.json; reaction
from each cue to the first verbal command (a recognized phrase or the V key, never mere
talk); talk time. Recordings built straight from the sim, as tests/tools/test_aar.py."""

from __future__ import annotations

import csv
import json

import pytest

from sim import events as ev
from tests.tools.test_aar import CRISIS, review, section

# the crisis pack: "fists clenched" at 3.0 s in agitated, which a said "let's talk" branches
# to listening (else the clock takes it to knife at 5.5 s); a shot in listening goes down
TALK = [
    ev.Said(3.0, "", "hey there", 1.0),  # talk: no phrase of the pack
    ev.Said(4.8, "", "calm down", 0.8),
    ev.Said(5.0, "let's talk", "let's talk", 0.7),  # a command: branches to listening
    ev.Said(6.5, "", "drop it", 0.5),
    ev.Shot(7.0, 0.5, 0.6, "w1"),  # the shot branches to down, which ends at 10 s
]


@pytest.fixture(scope="module")
def talked(tmp_path_factory):
    return review(tmp_path_factory.mktemp("voice"), TALK, end_s=12.0, pack_dir=CRISIS)


def test_reaction_is_to_the_first_command_not_to_talk(talked):
    _, out = talked
    (cue,) = [r for r in json.loads((out / "events.json").read_text())["reactions"]]
    assert cue["cue"] == "fists clenched" and cue["t_s"] == 3.0
    # "hey there" (at the cue) and "calm down" were talk; 'let's talk' was the command
    assert cue["verbal"] == "said: 'let's talk'" and cue["verbal_s"] == pytest.approx(2.0)
    assert cue["response"] == "said: 'let's talk'" and cue["reaction_s"] == pytest.approx(2.0)


def test_the_v_key_is_a_verbal_command_and_a_trigger_pull_is_not(tmp_path):
    events = [
        ev.Malfunction(3.1, "w1"),
        ev.Shot(3.4, 0.5, 0.5, "w1"),  # dry: a response, not a command (and no branch)
        ev.TraineeAction(4.2, "verbal-command"),
    ]
    page, out = review(tmp_path, events, end_s=5.0)
    (cue, *_) = json.loads((out / "events.json").read_text())["reactions"]
    assert cue["response"] == "dry trigger pull (malfunction)"
    assert cue["reaction_s"] == pytest.approx(0.4)
    assert cue["verbal"] == "action: verbal command (V)"
    assert cue["verbal_s"] == pytest.approx(1.2)
    reactions = section(page, "Reaction times")
    assert "<th>first verbal command</th>" in reactions and "<td>1.20 s</td>" in reactions


def test_each_decision_has_what_was_said_since_the_one_before(talked):
    page, out = talked
    decided = json.loads((out / "events.json").read_text())["decisions"]
    said = [(d["kind"], d["t_s"], [u["words"] for u in d["said"]]) for d in decided]
    assert said == [
        ("branch", 5.0, ['"hey there"', '"calm down"', "'let's talk'"]),
        ("shot", 7.0, ['"drop it"']),  # before the branch the shot made, on its tick
        ("branch", 7.0, []),
        ("end", 10.0, []),
    ]
    rows = list(csv.DictReader((out / "decisions.csv").open()))
    assert [r["kind"] for r in rows] == ["branch", "shot", "branch", "end"]
    assert rows[0]["said"] == '3.00 s "hey there"; 4.80 s "calm down"; 5.00 s \'let\'s talk\''
    assert rows[0]["detail"].startswith("agitated -> listening (said")
    assert rows[1]["said"] == '6.50 s "drop it"' and rows[3]["detail"] == "ended in down"
    table = section(page, "Decisions and what was said")
    assert "6.50 s &quot;drop it&quot;" in table and table.count("<i>nothing</i>") == 2
    # and on the timeline: the shot's tooltip and the segment the branch entered
    timeline = section(page, "Timeline")
    assert "subject (no-shoot); said before: 6.50 s &quot;drop it&quot;</title>" in timeline
    assert "listening: 5.00-7.00 s; said before: 3.00 s &quot;hey there&quot;" in timeline


def test_talk_time_and_its_share(talked):
    page, out = talked
    tk = json.loads((out / "events.json").read_text())["talk"]
    assert tk == {
        "utterances": 4,
        "commands": 1,
        "talk_s": 3.0,
        "session_s": 12.0,
        "share": 0.25,
    }
    voice = section(page, "Trainee voice")
    assert "4 utterance(s), 3.0 s of 12.0 s (25 % of the session); 1 recognized" in voice


def test_an_ending_by_the_instructor_is_a_decision(tmp_path):
    events = [ev.Said(1.0, "", "stop", 0.3), ev.EndScenario(2.0)]
    _, out = review(tmp_path, events, end_s=3.0)
    (end,) = json.loads((out / "events.json").read_text())["decisions"]
    assert end["kind"] == "end" and end["detail"] == "ended by the instructor"
    assert [u["text"] for u in end["said"]] == ["stop"]
