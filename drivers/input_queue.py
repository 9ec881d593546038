"""The thread-safe queue that carries timestamped input events from devices to the loop.

Producers (device threads, window callbacks, scripts) call `put(event, host_t_s)` with the
host monotonic time the input happened; the fixed-step loop calls `drain()` once a frame.
Must not import engine, panda3d or direct.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass

from sim.events import InputEvent


def host_now_s() -> float:
    """The host clock every device stamps with (monotonic, seconds)."""
    return time.monotonic()


@dataclass(frozen=True, slots=True)
class Stamped:
    """An event and when it happened: host monotonic seconds, or None when the event's
    own t_s is already session time (scripted input)."""

    host_t_s: float | None
    event: InputEvent


class InputQueue:
    def __init__(self) -> None:
        self._q: queue.SimpleQueue[Stamped] = queue.SimpleQueue()

    def put(self, event: InputEvent, host_t_s: float) -> None:
        self._q.put(Stamped(host_t_s, event))

    def put_session(self, event: InputEvent) -> None:
        """Queue an event whose t_s is session time (a script), applied at exactly that
        time whatever the loop has clamped or dropped."""
        self._q.put(Stamped(None, event))

    def drain(self) -> list[Stamped]:
        """Everything queued so far, in arrival order; never blocks."""
        out: list[Stamped] = []
        while True:
            try:
                out.append(self._q.get_nowait())
            except queue.Empty:
                return out
