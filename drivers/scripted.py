"""Scripted input: a JSONL file of timed events that drives a whole run.

One JSON object per line, for example {"t": 1.5, "type": "key", "key": "2"} or
{"t": 2.0, "type": "shot", "x": 0.52, "y": 0.41, "weapon": "w1"}; t is seconds of session
time. Blank lines and lines starting with # are skipped. Sizes are bounded: the file is
untrusted input. Must not import engine, panda3d or direct.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.events import InputError, InputEvent, parse_event
from sim.files import FileProblem, read_bounded

MAX_SCRIPT_BYTES = 16 * 1024 * 1024
MAX_LINE_BYTES = 4096


def load_script(path: str | Path) -> list[InputEvent]:
    """Parse a script; raises InputError naming the file and line on the first problem.
    Events come back sorted by time (stable for equal times)."""
    path = Path(path)
    try:  # a regular file, bounded: not a folder, /dev/zero or a FIFO (never blocks)
        data = read_bounded(path, MAX_SCRIPT_BYTES)
    except FileProblem as exc:
        raise InputError(f"{path}: cannot read input script ({exc})") from None
    events: list[InputEvent] = []
    for lineno, raw in enumerate(data.splitlines(), 1):
        where = f"{path}:{lineno}"
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(f"{where}: line is over {MAX_LINE_BYTES} bytes")
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InputError(f"{where}: not UTF-8 text") from None
        if not line or line.startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise InputError(f"{where}: nested too deeply") from None
        except ValueError as exc:  # e.g. an integer of more digits than Python converts
            raise InputError(f"{where}: not a usable JSON value ({exc})") from None
        events.append(parse_event(obj, where))
    events.sort(key=lambda e: e.t_s)
    return events
