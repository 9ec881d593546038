"""Progress of long commands (make-demo, zones, aar frame grabs, bench, detect-shots), on
stderr, for a person waiting; never a flood in a CI log.

On a terminal: one line redrawn in place, first after 0.5 s (a quick job shows nothing),
then at most 10 times a second, left standing at the end. Anywhere else (a pipe, a CI
log): a plain line at most every 30 s, so a job shorter than that prints nothing, and a
closing line only if something was printed. SIGHTLINE_PROGRESS=0 turns it off, =1 asks
for the terminal style anywhere.

A leaf like tools/defaults.py: imports nothing of Sightline's. drivers and sim must not
import it (they are below tools): a driver takes a callback, which the command line
fills with `Progress.update`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

TTY_DELAY_S = 0.5  # nothing for a job quicker than this
TTY_INTERVAL_S = 0.1
LOG_INTERVAL_S = 30.0


def _clock() -> float:
    return time.monotonic()  # wall time: only ever shown to a person, never in a result


class Progress:
    """`update(done)` as work goes; `close()` (or a with block) at the end."""

    def __init__(
        self, what: str, total: int | None = None, unit: str = "", stream: TextIO | None = None
    ):
        self.what, self.total, self.unit = what, total, unit
        self.stream = stream if stream is not None else sys.stderr
        mode = os.environ.get("SIGHTLINE_PROGRESS", "")
        self.off = mode == "0"
        try:
            self.tty = mode == "1" or self.stream.isatty()
        except (AttributeError, ValueError):  # closed or not a real stream
            self.tty = mode == "1"
        self.start = _clock()
        self.next_s = self.start + (TTY_DELAY_S if self.tty else LOG_INTERVAL_S)
        self.shown = False
        self.done, self.note = 0, ""

    def text(self) -> str:
        count = f"{self.done}/{self.total}" if self.total else f"{self.done}"
        pct = f" ({100 * self.done // self.total}%)" if self.total else ""
        note = f", {self.note}" if self.note else ""
        return f"{self.what}: {count}{self.unit and ' ' + self.unit}{pct}{note}"

    def update(self, done: int, note: str = "") -> None:
        self.done, self.note = done, note
        if self.off:
            return
        now = _clock()
        if now < self.next_s:
            return
        self.next_s = now + (TTY_INTERVAL_S if self.tty else LOG_INTERVAL_S)
        self._write()

    def _write(self, end: str = "") -> None:
        if self.tty:  # redraw in place, clearing what a longer line left
            self.stream.write(f"\r{self.text()}\x1b[K{end}")
        else:
            self.stream.write(f"{self.text()}\n")
        self.stream.flush()
        self.shown = True

    def close(self, note: str = "") -> None:
        """Leave the last state standing (only if anything was shown)."""
        if not self.shown or self.off:
            return
        self.note = note or f"done in {_clock() - self.start:.1f} s"
        self._write("\n")
        self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(
    items: Iterable[T], what: str, total: int | None = None, unit: str = ""
) -> Iterator[T]:
    """Yield the items, reporting how many have been done: `for x in progress(xs, "grabs")`."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    bar = Progress(what, total, unit)
    done = 0
    try:
        for item in items:
            bar.update(done)
            yield item
            done += 1
        bar.update(done)
    finally:
        bar.close()
