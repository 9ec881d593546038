"""Issue 14, input scripts: hostile files and values are one clear InputError naming the
file (and the line), never a traceback, a MemoryError or a hang; a far-future event time
cannot crash the fixed-step loop."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from drivers.scripted import load_script
from engine.fixed_loop import FixedStepLoop, ManualClock
from sim.events import InputError, KeyPress


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('{"t": 1e300, "type": "key", "key": "2"}', "'t' = 1e+300 is outside 0.0..86400.0"),
        ('{"t": ' + "9" * 4000 + ', "type": "key", "key": "2"}', "'t' must be a number of"),
        ('{"t": 1, "type": "shot", "x": ' + "1" * 4000 + ', "y": 0}', "'x' must be a number"),
        ("[" * 2000 + "]" * 2000, "nested too deeply"),
    ],
    ids=["t-1e300", "4000-digit-t", "4000-digit-x", "2000-deep"],
)
def test_hostile_values_are_one_line_errors_naming_the_line(tmp_path, line, fragment):
    script = tmp_path / "s.jsonl"
    script.write_text('{"t": 0.5, "type": "key", "key": "2"}\n' + line + "\n")
    with pytest.raises(InputError) as err:
        load_script(script)
    assert str(err.value).startswith(f"{script}:2: ") and fragment in str(err.value)


def test_a_folder_dev_zero_and_a_fifo_are_errors_not_hangs(tmp_path):
    """Each in a subprocess with a timeout: a FIFO once blocked open() forever and /dev/zero
    was read into memory without end."""
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    code = (
        "import sys\n"
        "from drivers.scripted import load_script\n"
        "from sim.events import InputError\n"
        "try:\n    load_script(sys.argv[1])\n"
        "except InputError as exc:\n    print(exc)\n"
    )
    for path, reason in [
        (tmp_path, "a folder, not a file"),
        (zero, "not a regular file: a device, FIFO or socket"),
        (fifo, "not a regular file: a device, FIFO or socket"),
        (tmp_path / "none.jsonl", "no such file"),
    ]:
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=30
        )
        assert out.returncode == 0 and out.stderr == "", out.stderr
        assert out.stdout == f"{path}: cannot read input script ({reason})\n"


def test_an_event_a_lifetime_away_never_comes_due_and_never_crashes_the_loop():
    """`t: 1e300` passed straight to the loop (a driver or an old script): the integer tick
    arithmetic once overflowed on the first frame."""
    clock = ManualClock()
    seen = []
    loop = FixedStepLoop(seen.extend, clock, tick_hz=120, max_steps_per_frame=20)
    for t in (1e300, float("inf"), 0.01):
        loop.inputs.put_session(KeyPress(t, "2"))
    loop.start()
    for _ in range(10):
        clock.t += 0.1
        loop.advance()
    assert loop.tick == 120 and seen == [KeyPress(0.01, "2")]
