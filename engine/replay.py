"""Replaying a recorded session in the engine, under the reviewer's control: pause and
resume, step a frame, scrub back and forward, jump to the next flag or shot, restart.

The session runs on a PlaybackClock (the host clock, minus paused time, plus steps);
scrubbing and jumping use Session.seek, which re-simulates exactly. No Panda3D here: the
app binds the keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from drivers.input_queue import host_now_s
from sim.events import Flag, InputEvent, Shot

STEP_S = 1 / 30
SCRUB_S = 5.0
KEYS = {
    "space": "pause / resume",
    ".": "step one frame (paused)",
    "[": "back 5 s",
    "]": "forward 5 s",
    "n": "next flag or shot",
    "home": "restart",
    "escape": "quit",
}


class PlaybackClock:
    def __init__(self, source: Callable[[], float] = host_now_s):
        self.source = source
        self._offset = 0.0
        self._paused_at: float | None = None

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def __call__(self) -> float:
        now = self._paused_at if self._paused_at is not None else self.source()
        return now - self._offset

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = self.source()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._offset += self.source() - self._paused_at
            self._paused_at = None

    def step(self, dt_s: float = STEP_S) -> None:
        """While paused: let one frame's worth of time pass."""
        if self._paused_at is not None:
            self._offset -= dt_s


class ReplayController:
    def __init__(
        self,
        session,
        clock: PlaybackClock,
        script: Sequence[InputEvent],
    ):
        """Views read the session's state each frame, so a seek needs nothing re-pointed."""
        self.session, self.clock, self.script = session, clock, list(script)
        self.marks = sorted({e.t_s for e in self.script if isinstance(e, Flag | Shot)})
        self.quit = False

    def key(self, name: str) -> None:
        now = self.session.state.t_s
        if name == "space":
            self.clock.resume() if self.clock.paused else self.clock.pause()
        elif name == ".":
            self.clock.step()
        elif name in ("[", "]"):
            self.seek(now + (SCRUB_S if name == "]" else -SCRUB_S))
        elif name == "n":
            later = [t for t in self.marks if t > now + 1e-9]
            if later:
                self.seek(later[0])
        elif name == "home":
            self.seek(0.0)
        elif name == "escape":
            self.quit = True

    def seek(self, t_s: float) -> None:
        self.session.seek(t_s, self.script)
