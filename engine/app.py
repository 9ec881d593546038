"""Wiring only: builds Panda3D, the session, the trainee view and capture, and registers
the per-frame tasks at explicit sorts. Logic lives in the modules named for it.

Task order each frame (Panda3D runs tasks by ascending sort):
  -50 dataLoop        Panda3D: reads the window's mouse and keyboard
    0 eventManager    Panda3D: dispatches key/mouse events to our handlers, which stamp
                      them and put them on the InputQueue
   10 fixed-step      ours: drains the queue and runs the sim ticks owed (before anything
                      that presents, so this frame shows this frame's sim state)
   40 present         ours: uploads the video frame for the presented media time and
                      updates shot markers (before the scene is drawn)
   50 igLoop          Panda3D: renders the frame
   55 capture         ours: copies the drawn frame to the video writer (after igLoop)
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from content.pack import Pack
from drivers.input_queue import host_now_s
from engine import panda_setup
from engine.session import FrameOut, Session
from sim.events import InputEvent, KeyPress, Pause, Resume, Shot, TraineeAction

log = logging.getLogger(__name__)

#: Instructor keys that code what the trainee just did (action triggers wait for them).
ACTION_KEYS = {
    "v": "verbal-command",
    "c": "cover-taken",
    "d": "distance-created",
    "b": "backup-requested",
    "i": "intervened",
}

SORT_FIXED_STEP = 10
SORT_PRESENT = 40
SORT_CAPTURE = 55


@dataclass
class RunConfig:
    offscreen: bool
    width: int = 1280
    height: int = 720
    tick_hz: int = 120
    fps: float = 30.0  # frame rate of headless runs and of --video-out
    seconds: float | None = None  # stop after this much session time
    end_hold_s: float = 1.0  # keep presenting this long after the scenario ends
    video_out: Path | None = None
    markers: bool = True
    script: list[InputEvent] = field(default_factory=list)


@dataclass
class RunResult:
    session: Session
    frames: int  # frames rendered
    video_out: Path | None
    video_frames: int  # frames written to video_out
    warnings: list[str]


class _ManualClock:
    """The clock of headless runs: advanced by exactly one frame interval per frame."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


class SightlineApp:
    def __init__(self, pack: Pack, cfg: RunConfig):
        self.cfg = cfg
        panda_setup.configure(
            cfg.offscreen, cfg.width, cfg.height, title=f"Sightline - {pack.scenario.title}"
        )
        from direct.showbase.ShowBase import ShowBase
        from panda3d.core import ClockObject

        from engine.trainee_view import TraineeView

        self.base = ShowBase(windowType="offscreen" if cfg.offscreen else "onscreen")
        if self.base.win is None:
            raise panda_setup.DisplayError("could not open a window; try --offscreen")
        self.base.disableMouse()
        self.base.setBackgroundColor(0, 0, 0, 1)
        win = self.base.win
        self.screen_aspect = win.getXSize() / win.getYSize()
        if cfg.offscreen:
            # Headless runs are deterministic: every frame advances exactly 1/fps.
            self.clock = _ManualClock()
            gc = ClockObject.getGlobalClock()
            gc.setMode(ClockObject.M_non_real_time)
            gc.setFrameRate(cfg.fps)
        else:
            self.clock = host_now_s
        # Headless frames may be far apart (a low --fps): allow every tick they owe.
        steps = max(8, math.ceil(cfg.tick_hz / cfg.fps) + 1) if cfg.offscreen else 8
        self.session = Session(
            pack,
            self.clock,
            cfg.tick_hz,
            self.screen_aspect,
            block_video=cfg.offscreen,
            max_steps_per_frame=steps,
        )
        self.session.schedule(cfg.script)
        self.view = TraineeView(self.base.render2d, self.screen_aspect, cfg.markers)
        # Open the buffer or window and draw the view's nodes once before frame 0, so that
        # frame 0 of a run is drawn (and captured) like every other.
        self.base.graphicsEngine.renderFrame()
        self.capture = None
        if cfg.video_out is not None:
            from engine.capture import FrameCapture

            self.capture = FrameCapture(win, cfg.video_out, cfg.fps)
        self.frames = 0  # frames rendered
        self._captured = 0  # frames written to --video-out from a window
        self.last: FrameOut | None = None
        self._done = False
        self._bind_inputs()
        tm = self.base.taskMgr
        tm.add(self._fixed_step_task, "sightline-fixed-step", sort=SORT_FIXED_STEP)
        tm.add(self._present_task, "sightline-present", sort=SORT_PRESENT)
        tm.add(self._capture_task, "sightline-capture", sort=SORT_CAPTURE)

    # -- input (window only; headless runs take scripts) ----------------------------------

    def _bind_inputs(self) -> None:
        for key in "123456789":
            self.base.accept(key, self._put, [KeyPress(0.0, key)])
        for key, action in ACTION_KEYS.items():
            self.base.accept(key, self._put, [TraineeAction(0.0, action)])
        self.base.accept("mouse1", self._click)
        self.base.accept("space", self._toggle_pause)
        self.base.accept("escape", self.stop)

    def _put(self, event: InputEvent) -> None:
        self.session.inputs.put(event, host_now_s())

    def _click(self) -> None:
        mw = self.base.mouseWatcherNode
        if mw is None or not mw.hasMouse():
            return
        m = mw.getMouse()  # -1..1, y up
        x, y = (m.getX() + 1) / 2, (1 - m.getY()) / 2
        self._put(Shot(0.0, min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0), "w1"))

    def _toggle_pause(self) -> None:
        paused = self.session.runtime.state.paused
        self._put(Resume(0.0) if paused else Pause(0.0))

    def stop(self) -> None:
        self._done = True

    # -- tasks --------------------------------------------------------------------------

    def _fixed_step_task(self, task):
        self.last = self.session.frame()
        return task.cont

    def _present_task(self, task):
        out = self.last
        if out is None:
            return task.cont
        if out.video is not None:
            self.view.show_frame(out.video[1], out.segment_aspect, out.video_token)
        now = out.state.t_s
        for m in out.new_markers:
            self.view.add_marker(m.x_norm, m.y_norm, m.weapon, now)
        self.view.expire_markers(now)
        return task.cont

    def _capture_task(self, task):
        if self.capture is not None and self.last is not None:
            img = self.capture.grab()
            if img is not None and self.cfg.offscreen:
                # one frame per rendered frame: every frame is exactly 1/fps apart
                self.capture.submit(img, self.frames / self.cfg.fps)
            elif img is not None:
                # a window renders at its own pace: sample it at --fps on session time,
                # repeating the frame across any interval a slow frame spanned
                while self._captured / self.cfg.fps <= self.session.loop.session_s + 1e-9:
                    self.capture.submit(img, self._captured / self.cfg.fps)
                    self._captured += 1
        self.frames += 1
        return task.cont

    # -- running ------------------------------------------------------------------------

    def _should_stop(self) -> bool:
        if self._done:
            return True
        s = self.session
        next_t = (self.frames / self.cfg.fps) if self.cfg.offscreen else s.loop.session_s
        if self.cfg.seconds is not None and next_t >= self.cfg.seconds - 1e-9:
            return True
        return (
            s.ended_at_s is not None
            and self.cfg.offscreen
            and next_t >= s.ended_at_s + self.cfg.end_hold_s - 1e-9
        )

    def run(self) -> RunResult:
        try:
            while not self._should_stop():
                if isinstance(self.clock, _ManualClock):
                    self.clock.now_s = self.frames / self.cfg.fps
                self.base.taskMgr.step()
        except SystemExit:  # ShowBase exits this way when the window is closed
            pass
        finally:
            self.session.close()
            if self.capture is not None:
                self.capture.close()
        return RunResult(
            self.session,
            self.frames,
            self.cfg.video_out,
            self.capture.frames if self.capture else 0,
            list(self.session.player.warnings),
        )

    def destroy(self) -> None:
        self.base.destroy()
