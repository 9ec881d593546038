"""Spoken triggers (issue 17): `on = "said"` with `phrases` fires on a Said input event,
whatever its case and punctuation; the event is a script line and a recorded input."""

from __future__ import annotations

import io

import pytest

from content.lint import lint_pack
from content.pack import PackError, load_pack
from sim.events import InputError, KeyPress, Said, parse_event
from sim.recording import encode_record, event_from, event_record, read_recording
from sim.runtime import ScenarioRuntime
from sim.triggers import SaidTrigger
from tests.conftest import edit


def with_said(pack, phrases: str):
    return edit(
        pack,
        '[[segments.a.transitions]]\non = "end"',
        f'[[segments.a.transitions]]\non = "said"\nphrases = {phrases}\nto = "b"\n\n'
        '[[segments.a.transitions]]\non = "end"',
    )


def test_a_said_transition_is_parsed_normalized(pack):
    loaded = load_pack(with_said(pack, '["Show me your HANDS!", "let me see your hands"]'))
    (tr,) = [t for t in loaded.scenario.segments["a"].transitions if t.trigger.kind == "said"]
    assert tr.trigger == SaidTrigger(("show me your hands", "let me see your hands"))
    assert tr.trigger.describe() == "said 'show me your hands' / 'let me see your hands'"
    assert [f for f in lint_pack(pack) if f.level == "error"] == []


@pytest.mark.parametrize(
    ("phrases", "error"),
    [
        ("[]", r"transitions\[2\]\.phrases: list 1 to 32 phrases"),
        ('["ok", "!!"]', r"transitions\[2\]\.phrases\[1\]: no words once punctuation"),
        ('["ok", 3]', r"transitions\[2\]\.phrases\[1\]: must be words"),
        ('"show me"', r"transitions\[2\]\.phrases: expected a list"),
    ],
)
def test_bad_phrases_are_line_numbered_errors(pack, phrases, error):
    with pytest.raises(PackError, match=error):
        load_pack(with_said(pack, phrases))


def test_saying_a_phrase_branches_and_other_talk_does_not(pack):
    rt = ScenarioRuntime(load_pack(with_said(pack, '["show me your hands"]')).scenario, 120)
    rt.step([Said(0.01, "", "hello there")])
    rt.step([Said(0.02, "let me see", "let me see")])
    assert rt.state.segment == "a"
    rt.step([Said(0.03, "", "sir Show me your hands now")])  # in the transcript
    assert rt.state.segment == "b"
    assert (rt.branches[-1].kind, rt.branches[-1].trigger) == ("said", "said 'show me your hands'")


def test_the_recognized_phrase_branches_and_keys_still_do(pack):
    rt = ScenarioRuntime(load_pack(with_said(pack, '["show me your hands"]')).scenario, 120)
    rt.step([Said(0.01, "show me your hands", "show me your")])
    assert rt.state.segment == "b"
    rt = ScenarioRuntime(load_pack(with_said(pack, '["show me your hands"]')).scenario, 120)
    rt.step([KeyPress(0.01, "2")])
    assert rt.state.segment == "b"


def test_a_said_event_is_a_script_line():
    ev = parse_event({"t": 1.5, "type": "said", "phrase": "Show me your hands!"}, "s:1")
    assert ev == Said(1.5, "show me your hands", "Show me your hands!")
    assert parse_event({"t": 1, "type": "said", "text": "hi"}, "s:1") == Said(1.0, "", "hi")
    timed = {"t": 1, "type": "said", "text": "hi", "spoke": 0.5}
    assert parse_event(timed, "s:1") == Said(1.0, "", "hi", 0.5)
    for bad in ({"t": 1, "type": "said"}, {"t": 1, "type": "said", "phrase": 3}):
        with pytest.raises(InputError, match="s:1"):
            parse_event(bad, "s:1")


def test_a_said_event_is_recorded_and_read_back():
    event = Said(2.25, "show me your hands", "show me your hands", 1.25)
    buf = io.BytesIO(b"SIGHTLINE-REC\x01\n" + encode_record(event_record(270, event)))
    (record,) = read_recording(buf, "r").records
    assert event_from(record, "r") == event
    record["f"]["phrase"] = ["not", "text"]
    with pytest.raises(ValueError, match="field 'phrase'"):
        event_from(record, "r")
