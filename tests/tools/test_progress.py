"""Progress of long commands: seen on a terminal, rare in a log, never a flood (issue 14)."""

from __future__ import annotations

import io
import itertools

import pytest

from tests.conftest import COLOURS, write_clip
from tools import progress as progress_mod
from tools.cli import main
from tools.progress import Progress, progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves: clock.now = seconds."""

    class Clock:
        now = 0.0

    c = Clock()
    monkeypatch.setattr(progress_mod, "_clock", lambda: c.now)
    monkeypatch.delenv("SIGHTLINE_PROGRESS", raising=False)
    return c


def test_in_a_log_a_line_at_most_every_30_s_and_nothing_for_a_short_job(clock):
    log = io.StringIO()
    bar = Progress("grabs", 1000, stream=log)
    for i in range(1000):  # 100 s of work
        clock.now = i * 0.1
        bar.update(i)
    bar.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 4 and "\r" not in log.getvalue()  # at 30, 60, 90 s and the end
    assert lines[0].startswith("grabs: 300/1000 (30%)") and "done in" in lines[-1]
    short = io.StringIO()
    clock.now = 200
    with Progress("grabs", 10, stream=short) as bar:
        for i in range(10):
            clock.now = 200 + i
            bar.update(i)
    assert short.getvalue() == ""


def test_on_a_terminal_one_line_redrawn_at_most_ten_times_a_second(clock):
    tty = Tty()
    bar = Progress("tracking", 2000, "frames", stream=tty)
    for i in range(2000):  # 2 s of work
        clock.now = i * 0.001
        bar.update(i)
    bar.close()
    out = tty.getvalue()
    assert out.count("\r") <= 17 and out.endswith("\n") and out.count("\n") == 1
    assert "tracking: 500/2000 frames (25%)" in out  # first shown after 0.5 s
    quick = Tty()
    with Progress("tracking", 5, stream=quick) as bar:
        bar.update(5)
    assert quick.getvalue() == ""  # under 0.5 s: nothing


def test_progress_can_be_turned_off_and_wraps_a_loop(clock, monkeypatch):
    monkeypatch.setenv("SIGHTLINE_PROGRESS", "0")
    tty = Tty()
    bar = Progress("x", 3, stream=tty)
    clock.now = 99
    bar.update(1)
    bar.close()
    assert tty.getvalue() == ""
    monkeypatch.delenv("SIGHTLINE_PROGRESS")
    seen = []
    for item in progress(iter("abc"), "letters"):
        seen.append(item)
    assert seen == ["a", "b", "c"]


def test_detect_shots_shows_progress_on_a_long_video(tmp_path, clock, monkeypatch, capsys):
    video = tmp_path / "camera.mp4"
    write_clip(video, COLOURS["a"], [i / 30 for i in range(30)])
    ticks = itertools.count()
    monkeypatch.setattr(progress_mod, "_clock", lambda: 40.0 * next(ticks))  # a slow machine
    assert main(["detect-shots", str(video)]) == 0
    err = capsys.readouterr().err
    assert "detect-shots: " in err and "frames" in err and "\r" not in err
