import pytest

from sim.events import InputError, KeyPress, Shot, parse_event


def test_parses_keys_and_shots():
    assert parse_event({"t": 1.5, "type": "key", "key": "2"}, "x") == KeyPress(1.5, "2")
    assert parse_event({"t": 2, "type": "shot", "x": 0.5, "y": 0.25, "weapon": "w2"}, "x") == Shot(
        2.0, 0.5, 0.25, "w2"
    )


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        ([1, 2], "must be a JSON object"),
        ({"type": "key", "key": "1"}, "missing 't'"),
        ({"t": -1, "type": "key", "key": "1"}, "outside"),
        ({"t": float("nan"), "type": "key", "key": "1"}, "finite"),
        ({"t": 1, "type": "key", "key": "0"}, "one of 1-9"),
        ({"t": 1, "type": "shot", "x": 1.5, "y": 0}, "'x' = 1.5 is outside"),
        ({"t": 1, "type": "shot", "x": True, "y": 0}, "finite number"),
        ({"t": 1, "type": "teleport"}, "unknown event type"),
    ],
)
def test_bad_events_name_the_place_and_the_problem(obj, fragment):
    with pytest.raises(InputError, match=r"script\.jsonl:7") as err:
        parse_event(obj, "script.jsonl:7")
    assert fragment in str(err.value)
