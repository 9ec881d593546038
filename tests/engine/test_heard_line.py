"""The station's "heard:" line (issue 17): the last utterance the recognizer heard, the pack
phrase when it matched one, else the transcript, with its session time."""

from __future__ import annotations

from types import SimpleNamespace

from drivers.speech import Heard
from engine.instructor import device_lines
from engine.trainee_mic import MicPath


def line(*heard: Heard) -> str:
    mic = MicPath.__new__(MicPath)  # the line needs only what was heard
    mic.heard = list(heard)
    return mic.heard_line()


def test_the_line_names_the_phrase_or_the_transcript():
    assert line() == "heard: (nothing yet)"
    assert line(Heard(1.0, 2.0, 2.2, "show me your hands", "so me")) == (
        "heard: 'show me your hands' at 2.2 s"
    )
    assert line(Heard(1.0, 2.0, 2.2, "", "where do you live")) == (
        'heard: "where do you live" at 2.2 s'
    )


def test_the_station_shows_it_among_the_devices():
    cfg = SimpleNamespace(offscreen=True, script=[])
    outputs = SimpleNamespace(mic=SimpleNamespace(heard_line=lambda: "heard: 'x' at 1.0 s"))
    assert "heard: 'x' at 1.0 s" in device_lines(cfg, None, outputs, [])
    assert not any(
        ln.startswith("heard") for ln in device_lines(cfg, None, SimpleNamespace(mic=None), [])
    )
