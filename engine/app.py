"""Wiring only: builds Panda3D, the session and its bus sinks, the trainee view, the
instructor's station and the run's outputs, and registers the per-frame tasks at explicit
sorts. Logic lives in the modules named for it.

The session's bus (engine/session.py) carries every tick's state and commands, in tick
order, to: the recorder, the audio mixer (engine/outputs.py), each device, a scene
extension, and the frame collector the views present from.

Task order each frame (Panda3D runs tasks by ascending sort):
  -50 dataLoop        Panda3D: reads the windows' mouse and keyboard
    0 eventManager    Panda3D: dispatches key/mouse events to our handlers, which stamp
                      them and put them on the InputQueue (keys via the instructor console)
   10 fixed-step      ours: drains the queue and runs the sim ticks owed (before anything
                      that presents, so this frame shows this frame's sim state)
   40 present         ours: uploads the video frame for the presented media time, updates
                      markers and the instructor overlay (before the scene is drawn)
   50 igLoop          Panda3D: renders the trainee output, then the instructor output
   55 capture         ours: copies the drawn frames to the video writers (after igLoop)
"""

from __future__ import annotations

import logging
import math
import signal
import threading

from content.pack import Pack
from drivers.input_queue import host_now_s
from engine import course_view, instructor, panda_setup, stress
from engine.config import RunConfig, RunResult
from engine.fixed_loop import ManualClock
from engine.instructor_console import ACTION_KEYS, InstructorConsole, menu_sounds
from engine.lowlight import ShaderError
from engine.session import CommandSink, FrameOut, Session
from engine.video import APP_PLANES
from sim.events import DeviceStatus, InputEvent, Shot, TargetHit

log = logging.getLogger(__name__)

__all__ = ["ACTION_KEYS", "RunConfig", "RunResult", "SightlineApp"]

SORT_FIXED_STEP = 10
SORT_PRESENT = 40
SORT_CAPTURE = 55


class SightlineApp:
    VIDEO_PLANES = APP_PLANES  # YUV planes, converted in the view's shader (engine/yuv_planes.py)

    def video_planes(self) -> bool:
        """Whether the session decodes to YUV planes (asked once the window is open)."""
        return self.VIDEO_PLANES

    def __init__(self, pack: Pack, cfg: RunConfig):
        self.cfg = cfg
        mode = cfg.instructor_mode()
        panda_setup.configure_run(cfg, title=f"Sightline - {pack.scenario.title}")
        from direct.showbase.ShowBase import ShowBase

        self.base = ShowBase(windowType="offscreen" if cfg.offscreen else "onscreen")
        if self.base.win is None:
            raise panda_setup.DisplayError("could not open a window; try --offscreen")
        self.base.disableMouse()
        self.base.setBackgroundColor(0, 0, 0, 1)
        win = self.base.win
        x0, x1, y0, y1 = self.trainee_region = instructor.trainee_region(mode)
        self.screen_aspect = (win.getXSize() * (x1 - x0)) / (win.getYSize() * (y1 - y0))
        self.clock = panda_setup.run_clock(cfg, ManualClock, host_now_s)
        # Headless frames may be far apart (a low --fps): allow every tick they owe, and
        # do not clamp a frame's time as a live spike would be (below 4 fps it lost time).
        steps = max(8, math.ceil(cfg.tick_hz / cfg.fps) + 1) if cfg.offscreen else 8
        frame_s = max(0.25, 2.0 / cfg.fps) if cfg.offscreen else 0.25
        s = self.session = Session(
            pack,
            self.clock,
            cfg.tick_hz,
            self.screen_aspect,
            block_video=cfg.offscreen,
            max_steps_per_frame=steps,
            max_frame_s=frame_s,
            levels=cfg.levels,
            reports=cfg.reports,
            community=cfg.community,
            video_planes=self.video_planes(),
        )
        s.schedule(cfg.script)
        # the bus, in this order: the recording first, then sound, devices, the extension
        self.recorder = None
        if cfg.record is not None:
            from engine.recorder import Recorder, run_header

            header = run_header(pack, cfg, self.screen_aspect)
            self.recorder = s.subscribe(Recorder(cfg.record, header, pending=True))
        try:
            self._build(pack, cfg, mode)
        except BaseException:  # the run never started: an earlier recording there stays
            if self.recorder is not None:
                self.recorder.discard()
            raise

    def _build(self, pack: Pack, cfg: RunConfig, mode) -> None:
        """The rest of start-up, once the session (and its recording) exist: the views,
        the outputs, the devices, the scene and the tasks."""
        from drivers.camera import Attributor
        from drivers.devices import open_device
        from engine.outputs import RunOutputs
        from engine.scene3d import ExtensionSink, Scene3D, load_extension
        from engine.trainee_view import TraineeView

        s, win = self.session, self.base.win
        x0, x1, y0, y1 = self.trainee_region
        self.view = TraineeView(
            self.base.render2d,
            self.screen_aspect,
            cfg.markers,
            (
                round(win.getXSize() * (x1 - x0)),
                round(win.getYSize() * (y1 - y0)),
                round(win.getXSize() * x0),
                round(win.getYSize() * y0),
            ),
            output=win,
            region=self.trainee_region,
        )
        self.console = InstructorConsole(
            self._put,
            lambda: self.session.state,
            list(pack.scenario.segments),
            sounds=menu_sounds(pack.scenario),
            rubric=pack.scenario.rubric,
            log=lambda: self.session.log(),
        )
        self.instructor_view, inst_out, self.instructor_pace = instructor.open_station(
            self.base, mode, pack, self.console, cfg, self.screen_aspect
        )
        # Open the outputs and draw the views' nodes once before frame 0, so that frame 0
        # of a run is drawn (and captured) like every other.
        self.base.graphicsEngine.renderFrame()
        self.outputs = RunOutputs(
            self.base,
            s,
            pack,
            cfg,
            self.view.root,
            self.screen_aspect,
            inst_out,
            mode,
            self._device_fault,
        )
        attributor = Attributor()  # recoil kits' trigger pulls tell cameras whose shot it is
        self.devices = [
            open_device(spec, s.inputs, self._device_fault, self.clock, attributor)
            for spec in cfg.devices
        ]
        for device in self.devices:
            s.subscribe(CommandSink(device.on_command), presents=True)
        self.scene = Scene3D(self.base.render, self.base.cam, self.screen_aspect, win)
        self.extension = None
        if pack.meta.extension:
            self.extension = load_extension(pack.meta.extension, self.scene)
            report = self._target_hit if cfg.interactive else None
            s.subscribe(ExtensionSink(self.extension, report), presents=True)
        self.course_view = course_view.attach(self)  # a course of fire: targets, timer
        self.frames = 0  # frames rendered
        self.last: FrameOut | None = None
        self._done = False
        self._shader_checked = False
        self._last_click_s: float | None = None
        if cfg.interactive:
            stress.attach(self)  # T: the threat device, X: disarm every stress device
            instructor.bind_console(self.base, self.console, host_now_s)
            self.base.accept("mouse1", self._click)  # the trainee window only: shots
        tm = self.base.taskMgr
        tm.add(self._fixed_step_task, "sightline-fixed-step", sort=SORT_FIXED_STEP)
        tm.add(self._present_task, "sightline-present", sort=SORT_PRESENT)
        tm.add(self._capture_task, "sightline-capture", sort=SORT_CAPTURE)
        self.lane = cfg.lane.attach(self) if cfg.lane is not None else None  # engine/lane.py

    # -- input ----------------------------------------------------------------------------

    def _put(self, event: InputEvent) -> None:
        self.session.inputs.put(event, host_now_s())

    def _target_hit(self, hit: TargetHit) -> None:
        """A scene extension's hit, from the bus: stamped in session time, applied (and
        recorded) at the next tick."""
        self.session.inputs.put_session(hit)
        self.console.message = f"{hit.target} hit"

    def _mouse(self) -> tuple[float, float] | None:
        """The mouse over the whole window, normalized with the origin top-left."""
        mw = self.base.mouseWatcherNode
        if mw is None or not mw.hasMouse():
            return None
        m = mw.getMouse()  # -1..1, y up
        return (m.getX() + 1) / 2, (1 - m.getY()) / 2

    def _click(self) -> None:
        at = self._mouse()
        if at is None:
            return
        x0, x1, y0, y1 = self.trainee_region
        x, y = (at[0] - x0) / (x1 - x0), (at[1] - (1 - y1)) / (y1 - y0)
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            return  # a click on the instructor's half of a split window
        self._last_click_s = host_now_s()
        self._put(Shot(0.0, x, y, "w1"))

    def stop(self) -> None:
        self._done = True

    def _device_fault(self, device: str, connected: bool, text: str) -> None:
        """From a device's thread: recorded by the sim like any input, seen by the
        instructor in the device lines."""
        self.session.inputs.put(DeviceStatus(0.0, device, connected, text), self.clock())

    # -- tasks ----------------------------------------------------------------------------

    def _fixed_step_task(self, task):
        self.last = self.session.frame()
        for marker in self.last.new_markers:  # weapons in use, for the malfunction menu
            self.console.weapon_seen(marker.weapon)
        return task.cont

    def _present_task(self, task):
        out = self.last
        if out is None:
            return task.cont
        st = out.state
        presented_s = st.t_s + out.alpha / self.session.loop.tick_hz  # between ticks
        beams = list(st.beams)
        if st.flashlight and not beams and not self.cfg.offscreen:
            mouse = self._mouse()  # the reveal follows the mouse in a window
            beams = [mouse] if mouse else []
        self.view.present(out, beams)
        if self.instructor_pace is not None:
            self.instructor_pace.before_frame(host_now_s())
        if self.extension is not None:
            self.extension.on_tick(presented_s)
        self.scene.sync_depth_clear()  # after the extension's changes, before the draw
        self.outputs.present(presented_s)
        if self.frames > 0 and not self._shader_checked:
            self._shader_checked = True
            try:
                self.view.check_shader()
            except ShaderError as exc:  # reported, and the picture goes on without it
                log.error("%s", exc)
                self.session.player.warnings.append(str(exc))
                self.console.message = str(exc)
        if self.instructor_view is not None:
            lines = instructor.device_lines(
                self.cfg, self._last_click_s, self.outputs, self.devices
            )
            self.instructor_view.update(st, self.session.log(), lines)
        if self.console.quit_requested:
            self.stop()
        return task.cont

    def _capture_task(self, task):
        if self.last is not None:
            self.outputs.capture_frame(self.frames)
        self.frames += 1
        return task.cont

    # -- running ----------------------------------------------------------------------------

    def _should_stop(self) -> bool:
        if self._done:
            return True
        s = self.session
        manual = isinstance(self.clock, ManualClock)
        next_t = (self.frames / self.cfg.fps) if manual else s.loop.session_s
        if self.cfg.seconds is not None and next_t >= self.cfg.seconds - 1e-9:
            return True
        return (
            s.ended_at_s is not None
            and self.cfg.offscreen
            and next_t >= s.ended_at_s + self.cfg.end_hold_s - 1e-9
        )

    def _terminated(self, signum, frame) -> None:
        """SIGTERM (a service manager, a lane's console, `kill`) or Ctrl+C: stop as the
        end of the run does, so that the video is finished and playable and the summary
        printed. Killed outright by SIGTERM, its MP4 was left without an index; Ctrl+C
        ended some runs with a summary (exit 0) and others without (exit 130)."""
        if self._done and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl+C: stop at once
        log.warning("terminated (signal %d): stopping the run", signum)
        self.session.player.warnings.append(
            f"the run was stopped by signal {signum} at {self.session.state.t_s:.2f} s"
        )
        self.stop()

    def run(self) -> RunResult:
        if self.recorder is not None:  # started: the recording takes its place
            self.recorder.publish()
        on_main = threading.current_thread() is threading.main_thread()
        signals = (signal.SIGTERM, signal.SIGINT) if on_main else ()
        previous = [signal.signal(sig, self._terminated) for sig in signals]
        try:
            while not self._should_stop():
                if isinstance(self.clock, ManualClock):
                    self.clock.t = self.frames / self.cfg.fps
                try:
                    self.base.taskMgr.step()
                except KeyboardInterrupt:  # Ctrl+C during a step: Panda3D's handler then
                    if self._done:  # raises; the first one stops the run as SIGTERM does
                        raise
                    self._terminated(signal.SIGINT, None)
            if self.instructor_pace is not None:  # its last picture: the trainee's last
                self.instructor_pace.catch_up()
                self.base.graphicsEngine.renderFrame()
        except SystemExit:  # ShowBase exits this way when a window is closed
            pass
        finally:
            for sig, handler in zip(signals, previous, strict=True):  # None: set outside Python
                signal.signal(sig, signal.SIG_DFL if handler is None else handler)
            self.session.loop.catch_up()
            for device in self.devices:
                device.close()  # light guns get `E` alone, as the last bytes they receive
            if self.extension is not None:
                self.extension.on_exit()
            self.session.close()
            self.outputs.close()
            if self.recorder is not None:
                self.recorder.close()
        out = self.outputs
        rec = out.camera_recorder
        return RunResult(
            session=self.session,
            frames=self.frames,
            video_out=self.cfg.video_out,
            video_frames=out.capture.frames if out.capture else 0,
            warnings=list(self.session.player.warnings) + out.final_warnings(),
            instructor_frames=out.inst_capture.frames if out.inst_capture else 0,
            extension_hits=[(h.t_s, h.target) for h in self.session.log().target_hits],
            recorded_to=self.cfg.record,
            audio_samples=out.wav_sink.samples if out.wav_sink else 0,
            audio_device=out.device_sink.report() if out.device_sink else "",
            video_audio_s=out.capture.audio_seconds if out.capture else 0.0,
            camera_out=rec.path if rec is not None and rec.frames else None,
            camera_frames=rec.frames if rec is not None else 0,
        )

    def destroy(self) -> None:
        self.base.destroy()
