"""The fixed-timestep core: turns variable frame times into a whole number of sim ticks.

Follows "Fix Your Timestep!": each frame the time since the last frame (read from an
injected clock) is clamped to `max_frame_s` and added to an accumulator; whole ticks of
1/tick_hz are stepped out of it, at most `max_steps_per_frame` a frame, and any backlog
beyond that cap is dropped rather than carried (no spiral of death). What is left,
as a fraction of a tick, is `alpha`, for presentation to interpolate with.

Frame time is accumulated as integer nanoseconds times tick_hz, a unit in which one tick
is exactly 10^9 at any rate: N frames of a given dt always give the same tick count, and a
microsecond of slack absorbs float round-off in clock readings.

Session time is the sim's own timeline: it starts at 0 at `start()` and runs behind the
host clock by whatever was clamped or dropped.

Input events arrive stamped with host time on an InputQueue. Each is applied at the first
tick at or after its timestamp (tick n covers ((n-1)/hz, n/hz]); one that arrives after
its tick has run is applied at the next tick. This module imports no Panda3D: the Panda3D
task that drives it lives in engine/app.py.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from drivers.input_queue import InputQueue
from sim.events import InputEvent

NS = 1_000_000_000
#: Scripted events stamped later than this (about 115 days) are held there: they never come
#: due, and a stamp like 1e300 s must not overflow the integer tick arithmetic.
MAX_EVENT_S = 1e7
#: Event stamps within this of a tick boundary count as on it (float round-off in stamps).
_STAMP_SLACK_NS = 1_000


class ManualClock:
    """A clock that moves only when told: headless runs (one frame interval a frame),
    tests and benchmarks. Call it for the time in seconds; set `t` to move it."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class FixedStepLoop:
    def __init__(
        self,
        step: Callable[[Sequence[InputEvent]], Any],
        clock: Callable[[], float],
        inputs: InputQueue | None = None,
        tick_hz: int = 120,
        max_frame_s: float = 0.25,
        max_steps_per_frame: int = 8,
        early_inputs: bool = False,
    ):
        """`early_inputs` (live runs): when an input has already arrived for the tick in
        progress (the one the accumulator has not filled yet), that tick runs now rather
        than next frame, so a key or a shot shows in the very next rendered frame. The
        input still applies at its own tick, with its own time (replays agree); session
        time runs ahead of the clock by less than one tick until the next frame."""
        if tick_hz <= 0 or max_steps_per_frame <= 0 or max_frame_s <= 0:
            raise ValueError("tick_hz, max_frame_s and max_steps_per_frame must be positive")
        self._step = step
        self._clock = clock
        self.inputs = inputs if inputs is not None else InputQueue()
        self.tick_hz = tick_hz
        self.max_frame_ns = round(max_frame_s * NS)
        self.max_steps_per_frame = max_steps_per_frame
        self.early_inputs = early_inputs
        self.early_ticks = 0  # ticks run ahead of the clock for an input already here
        # (apply_tick, host_ns, arrival seq, event): same-tick events run in host-time order
        self._pending: list[tuple[int, int, int, InputEvent]] = []
        self._seq = itertools.count()
        self._origin_ns: int | None = None
        self._last_ns = 0
        self._acc = 0  # accumulated frame time in ns * tick_hz; one tick is NS
        self.tick = 0  # ticks run so far; the sim state is at tick / tick_hz
        self.skipped_ns = 0  # host time clamped or dropped: session time lags host by this
        self.dropped_ticks = 0
        self.last_result: Any = None

    # -- time mapping -------------------------------------------------------------------

    def start(self) -> None:
        self._origin_ns = self._last_ns = round(self._clock() * NS)

    def restart(self) -> None:
        """Back to tick 0, not started, nothing pending (a replay seeking backwards). The
        input queue stays the same object: whoever holds it keeps writing into this loop."""
        self._pending.clear()
        self._origin_ns = None
        self._last_ns = self._acc = self.tick = 0
        self.skipped_ns = self.dropped_ticks = 0
        self.last_result = None

    @property
    def started(self) -> bool:
        return self._origin_ns is not None

    def _tick_ns(self, tick: int) -> int:
        """Session nanoseconds at the end of tick `tick`."""
        return tick * NS // self.tick_hz

    @property
    def session_s(self) -> float:
        return self.tick / self.tick_hz

    @property
    def alpha(self) -> float:
        """Fraction of a tick accumulated but not yet stepped, in [0, 1)."""
        return min(max(self._acc / NS, 0.0), 0.999999)

    def session_to_host(self, session_s: float) -> float:
        if self._origin_ns is None:
            raise RuntimeError("start() the loop first")
        return (self._origin_ns + self.skipped_ns) / NS + session_s

    def tick_for_host(self, host_t_s: float) -> int:
        """The tick an event stamped at this host time applies at (before lateness)."""
        if self._origin_ns is None:
            raise RuntimeError("start() the loop first")
        session_ns = round(host_t_s * NS) - self._origin_ns - self.skipped_ns - _STAMP_SLACK_NS
        return max(1, -((-session_ns * self.tick_hz) // NS))  # ceil

    # -- frames -------------------------------------------------------------------------

    def advance(self) -> int:
        """Run the ticks owed for the time since the last call; returns how many ran."""
        if self._origin_ns is None:
            self.start()
            return 0
        now_ns = round(self._clock() * NS)
        frame_ns = max(0, now_ns - self._last_ns)
        self._last_ns = now_ns
        if frame_ns > self.max_frame_ns:  # a spike (debugger, disk stall): let it go
            self.skipped_ns += frame_ns - self.max_frame_ns
            frame_ns = self.max_frame_ns
        self._acc += frame_ns * self.tick_hz
        slack = _STAMP_SLACK_NS * self.tick_hz
        owed = (self._acc + slack) // NS
        if owed > self.max_steps_per_frame:  # over the cap: drop the whole-tick backlog
            # before the inputs are mapped to session time: one that arrived in the dropped
            # span applies at the next tick, not as far in the future as the drop was long
            dropped = owed - self.max_steps_per_frame
            self.dropped_ticks += dropped
            self.skipped_ns += dropped * NS // self.tick_hz
            self._acc -= dropped * NS
        self._take_inputs()
        steps = 0
        while steps < self.max_steps_per_frame and self._acc + slack >= NS:
            self._acc -= NS
            self.tick += 1
            self.last_result = self._step(self._events_for(self.tick))
            steps += 1
        if (
            self.early_inputs
            and steps < self.max_steps_per_frame
            and self._acc >= 0
            and self._pending
            and self._pending[0][0] == self.tick + 1
            and self._pending[0][1] <= now_ns - self._origin_ns - self.skipped_ns
        ):  # an input for the tick in progress is here already: run that tick now
            self._acc -= NS
            self.tick += 1
            self.early_ticks += 1
            self.last_result = self._step(self._events_for(self.tick))
            steps += 1
        return steps

    def tick_for_session(self, session_s: float) -> int:
        session_ns = round(session_s * NS) - _STAMP_SLACK_NS
        return max(1, -((-session_ns * self.tick_hz) // NS))  # ceil

    def fast_forward(self, tick: int) -> None:
        """Run ticks up to `tick` at once, without the clock (replay seeking); the next
        frame measures time from now, so nothing is owed for the jump."""
        self._take_inputs()
        while self.tick < tick:
            self.tick += 1
            self.last_result = self._step(self._events_for(self.tick))
        self._last_ns = round(self._clock() * NS)
        self._acc = 0

    def catch_up(self) -> None:
        """Run the ticks owed up to the clock's present, applying every input already
        queued (a run ending must not lose the last thing the instructor did); inputs
        stamped in the future stay unapplied."""
        if self._origin_ns is not None:
            self.fast_forward(max(self.tick, self.tick_for_host(self._clock())))

    def _take_inputs(self) -> None:
        for item in self.inputs.drain():
            event = item.event
            if item.host_t_s is None:  # already in session time (scripts)
                stamp_s = min(event.t_s, MAX_EVENT_S)  # also catches inf (nan: below)
                stamp_s = stamp_s if stamp_s == stamp_s else MAX_EVENT_S
                due = self.tick_for_session(stamp_s)
                order_ns = round(stamp_s * NS)
            else:
                due = self.tick_for_host(item.host_t_s)
                session_s = item.host_t_s - self.session_to_host(0.0)
                order_ns = round(session_s * NS)
                event = dataclasses.replace(event, t_s=max(0.0, session_s))
            apply_tick = max(due, self.tick + 1)  # late arrivals go to the next tick
            if apply_tick > due:
                event = dataclasses.replace(event, t_s=self._tick_ns(apply_tick) / NS)
            heapq.heappush(self._pending, (apply_tick, order_ns, next(self._seq), event))

    def _events_for(self, tick: int) -> list[InputEvent]:
        out = []
        while self._pending and self._pending[0][0] <= tick:
            out.append(heapq.heappop(self._pending)[3])
        return out
