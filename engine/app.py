"""Wiring only: builds Panda3D, the session, the trainee view, the instructor's station and
capture, and registers the per-frame tasks at explicit sorts. Logic lives in the modules
named for it.

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

from content.pack import Pack
from drivers.input_queue import host_now_s
from engine import panda_setup
from engine.config import RunConfig, RunResult
from engine.instructor_console import ACTION_KEYS, InstructorConsole, menu_sounds
from engine.lowlight import ShaderError
from engine.session import FrameOut, Session
from sim.events import DeviceStatus, InputEvent, Shot

log = logging.getLogger(__name__)

__all__ = ["ACTION_KEYS", "RunConfig", "RunResult", "SightlineApp"]

SORT_FIXED_STEP = 10
SORT_PRESENT = 40
SORT_CAPTURE = 55


class _ManualClock:
    """The clock of headless runs: advanced by exactly one frame interval per frame."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


class SightlineApp:
    def __init__(self, pack: Pack, cfg: RunConfig):
        self.cfg = cfg
        mode = cfg.instructor_mode()
        panda_setup.configure(
            cfg.offscreen,
            cfg.width,
            cfg.height,
            title=f"Sightline - {pack.scenario.title}",
            audio_device=cfg.audio_device(),
        )
        from direct.showbase.ShowBase import ShowBase
        from panda3d.core import ClockObject

        from engine import instructor
        from engine.trainee_view import TraineeView

        self.base = ShowBase(windowType="offscreen" if cfg.offscreen else "onscreen")
        if self.base.win is None:
            raise panda_setup.DisplayError("could not open a window; try --offscreen")
        self.base.disableMouse()
        self.base.setBackgroundColor(0, 0, 0, 1)
        win = self.base.win
        x0, x1, y0, y1 = instructor.trainee_region(mode)
        self.trainee_region = (x0, x1, y0, y1)
        self.screen_aspect = (win.getXSize() * (x1 - x0)) / (win.getYSize() * (y1 - y0))
        if cfg.offscreen:
            # Headless runs are deterministic: every frame advances exactly 1/fps.
            self.clock = _ManualClock()
            gc = ClockObject.getGlobalClock()
            gc.setMode(ClockObject.M_non_real_time)
            gc.setFrameRate(cfg.fps)
        else:
            self.clock = cfg.clock or host_now_s
        # Headless frames may be far apart (a low --fps): allow every tick they owe.
        steps = max(8, math.ceil(cfg.tick_hz / cfg.fps) + 1) if cfg.offscreen else 8
        self.session = Session(
            pack,
            self.clock,
            cfg.tick_hz,
            self.screen_aspect,
            block_video=cfg.offscreen,
            max_steps_per_frame=steps,
            levels=cfg.levels,
        )
        self.session.schedule(cfg.script)
        self.wav_sink = None
        self.device_sink = None
        self.audio_warnings: list[str] = []
        if cfg.audio == "auto" and not cfg.offscreen and not cfg.audio_device():
            self.audio_warnings.append(
                "no sound card or sound server found: running silent (--audio device to try anyway)"
            )
        if cfg.record is not None:
            from engine.recorder import Recorder, pack_hash
            from engine.trainee_camera import camera_path

            self.session.recorder = Recorder(
                cfg.record,
                {
                    "format": 1,
                    "program": "sightline 0.1.0",
                    "title": pack.title,
                    "pack": str(pack.root.resolve()),
                    "pack_hash": pack_hash(pack),
                    "config": {
                        "tick_hz": cfg.tick_hz,
                        "size": [cfg.width, cfg.height],
                        "screen_aspect": self.screen_aspect,
                        "fps": cfg.fps,
                        "offscreen": cfg.offscreen,
                        "devices": list(cfg.devices),
                        "levels": dict(cfg.levels),
                        "reports": dict(cfg.reports),
                        "trainee_camera": (
                            camera_path(cfg.record).name if cfg.trainee_camera else None
                        ),
                    },
                },
            )
        from drivers.camera import Attributor
        from drivers.devices import open_device

        attributor = Attributor()  # recoil kits' trigger pulls tell cameras whose shot it is

        self.session.devices = [
            open_device(spec, self.session.inputs, self._device_fault, self.clock, attributor)
            for spec in cfg.devices
        ]
        px = (
            round(win.getXSize() * (x1 - x0)),
            round(win.getYSize() * (y1 - y0)),
            round(win.getXSize() * x0),
            round(win.getYSize() * y0),
        )
        self.view = TraineeView(
            self.base.render2d,
            self.screen_aspect,
            cfg.markers,
            px,
            output=win,
            region=self.trainee_region,
        )
        from engine.scene3d import Scene3D, load_extension

        self.scene = Scene3D(self.base.render, self.base.cam, self.screen_aspect)
        self.extension = (
            load_extension(pack.meta.extension, self.scene) if pack.meta.extension else None
        )
        self.extension_hits: list[tuple[float, str]] = []
        self._shader_checked = False
        self._last_present_s = 0.0
        self.console = InstructorConsole(
            self._put,
            lambda: self.session.runtime.state,
            list(pack.scenario.segments),
            sounds=menu_sounds(pack.scenario),
        )
        self.instructor_view, inst_out = instructor.open_station(
            self.base,
            mode,
            pack,
            self.session.runtime,
            self.console,
            cfg.instructor_size,
            self.screen_aspect,
        )
        # Open the outputs and draw the views' nodes once before frame 0, so that frame 0
        # of a run is drawn (and captured) like every other.
        self.base.graphicsEngine.renderFrame()
        from engine.capture import FrameCapture

        self.capture = (
            FrameCapture(win, cfg.video_out, cfg.fps, audio_rate=48_000) if cfg.video_out else None
        )
        self._open_audio(pack)
        self._open_camera()
        self.inst_capture = None
        if cfg.instructor_video_out is not None:
            if inst_out is None:
                raise panda_setup.DisplayError(
                    f"--instructor-video-out needs the instructor view in a window or buffer, "
                    f"not {mode!r}"
                )
            self.inst_capture = FrameCapture(inst_out, cfg.instructor_video_out, cfg.fps)
        self.frames = 0  # frames rendered
        self._captured = [0, 0]  # frames sampled from windows: trainee, instructor
        self.last: FrameOut | None = None
        self._done = False
        self._last_click_s: float | None = None
        if cfg.interactive:
            instructor.bind_console(self.base, self.console, host_now_s)
            self.base.accept("mouse1", self._click)  # the trainee window only: shots
        tm = self.base.taskMgr
        tm.add(self._fixed_step_task, "sightline-fixed-step", sort=SORT_FIXED_STEP)
        tm.add(self._present_task, "sightline-present", sort=SORT_PRESENT)
        tm.add(self._capture_task, "sightline-capture", sort=SORT_CAPTURE)

    def _open_audio(self, pack: Pack) -> None:
        """The mixer, when something listens: the sound device, --audio-out, the sound
        track of --video-out."""
        from engine.audio import AudioMixer, TeeSink, WavSink

        sinks = []
        if self.cfg.audio_device():
            from engine.audio import AudioError
            from engine.audio_out import PandaSink

            try:
                self.device_sink = PandaSink(self.base)
                sinks.append(self.device_sink)
            except AudioError as exc:
                self.audio_warnings.append(str(exc))
                log.warning("%s", exc)
        if self.cfg.audio_out is not None:
            self.wav_sink = WavSink(self.cfg.audio_out)
            sinks.append(self.wav_sink)
        if self.capture is not None:  # the trainee video carries the sound too
            sinks.append(self.capture.audio_sink())
        if not sinks:
            return  # nobody can hear it: no mixing at all (null output)
        self.session.audio = AudioMixer(
            pack.scenario,
            pack.root,
            pack.clip_path,
            self.cfg.tick_hz,
            sinks[0] if len(sinks) == 1 else TeeSink(sinks),
            block=self.cfg.offscreen,
            reports=self.cfg.reports,
        )

    def _open_camera(self) -> None:
        """The trainee camera: recorded beside the session recording; in a replay, the
        recorded one shown inset."""
        self.camera = self.camera_recorder = self.camera_inset = None
        cfg = self.cfg
        if cfg.trainee_camera is not None and cfg.record is not None:
            from drivers.trainee_camera import FileCamera, LiveCamera
            from engine.trainee_camera import CameraRecorder, camera_path

            self.camera_recorder = CameraRecorder(camera_path(cfg.record), cfg.fps)
            if cfg.offscreen:
                self.camera = FileCamera(cfg.trainee_camera, self._device_fault)
            else:
                self.camera = LiveCamera(cfg.trainee_camera, host_now_s, self._device_fault)
                self.camera.start()
        if cfg.camera_replay is not None:
            from engine.trainee_camera import CameraInset

            self.camera_inset = CameraInset(self.view.root, self.screen_aspect, cfg.camera_replay)

    def _pump_camera(self) -> None:
        from drivers.trainee_camera import FileCamera

        if isinstance(self.camera, FileCamera):
            for t_s, img in self.camera.until(self.frames / self.cfg.fps):
                self.camera_recorder.submit(t_s, img)
        else:
            origin = self.session.loop.session_to_host(0.0)
            for host_s, img in self.camera.take():
                self.camera_recorder.submit(host_s - origin, img)

    # -- input ----------------------------------------------------------------------------

    def _put(self, event: InputEvent) -> None:
        self.session.inputs.put(event, host_now_s())

    def _click(self) -> None:
        mw = self.base.mouseWatcherNode
        if mw is None or not mw.hasMouse():
            return
        m = mw.getMouse()  # -1..1 over the whole window, y up
        x0, x1, y0, y1 = self.trainee_region
        x = ((m.getX() + 1) / 2 - x0) / (x1 - x0)
        y = ((1 - m.getY()) / 2 - (1 - y1)) / (y1 - y0)
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

    def _devices(self) -> list[str]:
        lines = []
        if not self.cfg.offscreen:
            age = (
                "no shot yet"
                if self._last_click_s is None
                else f"last shot {host_now_s() - self._last_click_s:.1f} s ago"
            )
            lines.append(f"mouse: connected, {age}")
        if not self.cfg.offscreen:
            sink = self.device_sink
            lines.append(
                "sound: silent (no sound card)"
                if sink is None
                else f"sound: card, {sink.lead * 1000 / 48_000:.0f} ms lead, ran dry {sink.dry}x"
            )
        if self.cfg.script:
            lines.append(f"script: {len(self.cfg.script)} events")
        lines += [d.status_line() for d in self.session.devices]
        if not self.session.devices:
            lines.append("serial devices: none configured")
        return lines

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
        if out.video is not None:
            self.view.show_frame(out.video[1], out.segment_aspect, out.video_token)
        st = out.state
        for m in out.new_markers:
            self.view.add_marker(m.x_norm, m.y_norm, m.weapon, st.t_s)
        if self.extension is not None:
            for segment in out.entered:
                self.extension.on_enter(segment)
            for m in out.new_markers:
                hit = self.extension.on_shot(m.x_norm, m.y_norm, m.weapon, st.t_s)
                if hit:
                    self.extension_hits.append((st.t_s, hit))
                    self.console.message = f"{hit} hit"
            # between ticks: presented time, interpolated by the loop's fraction
            self.extension.on_tick(st.t_s + out.alpha / self.session.loop.tick_hz)
        if self.camera_inset is not None:
            self.camera_inset.update(st.t_s + out.alpha / self.session.loop.tick_hz)
        self.view.expire_markers(st.t_s)
        self.view.set_markers_visible(st.markers)
        beams = []
        if st.flashlight:  # the reveal: tracked beams, and the mouse in a window
            beams = [(x, y) for on, x, y in self.session.runtime.flashlights.values() if on]
            mw = self.base.mouseWatcherNode
            if not beams and mw is not None and mw.hasMouse():
                m = mw.getMouse()
                beams = [((m.getX() + 1) / 2, (1 - m.getY()) / 2)]
        self.view.update_night(st.low_light, beams, max(0.0, st.t_s - self._last_present_s), st.t_s)
        self._last_present_s = st.t_s
        if self.frames > 0 and not self._shader_checked:
            self._shader_checked = True
            try:
                self.view.check_shader()
            except ShaderError as exc:  # reported, and the picture goes on without it
                log.error("%s", exc)
                self.session.player.warnings.append(str(exc))
                self.console.message = str(exc)
        if self.instructor_view is not None:
            self.instructor_view.update(self._devices())
        if self.console.quit_requested:
            self.stop()
        return task.cont

    def _capture_task(self, task):
        if self.camera is not None and self.session.loop.started:
            self._pump_camera()
        if self.last is not None:
            for i, capture in enumerate((self.capture, self.inst_capture)):
                img = capture.grab() if capture is not None else None
                if img is None:
                    continue
                if self.cfg.offscreen:
                    # one frame per rendered frame: every frame is exactly 1/fps apart
                    capture.submit(img, self.frames / self.cfg.fps)
                    continue
                # a window renders at its own pace: sample it at --fps on session time,
                # repeating the frame across any interval a slow frame spanned
                while self._captured[i] / self.cfg.fps <= self.session.loop.session_s + 1e-9:
                    capture.submit(img, self._captured[i] / self.cfg.fps)
                    self._captured[i] += 1
        self.frames += 1
        return task.cont

    # -- running ----------------------------------------------------------------------------

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
        except SystemExit:  # ShowBase exits this way when a window is closed
            pass
        finally:
            self.session.loop.catch_up()
            for device in self.session.devices:
                device.close()  # light guns get `E` alone, as the last bytes they receive
            if self.extension is not None:
                self.extension.on_exit()
            self.session.close()
            if self.camera is not None:
                self.camera.stop()
                self.camera_recorder.close()
            if self.camera_inset is not None:
                self.camera_inset.close()
            if self.session.recorder is not None:
                self.session.recorder.close()
            for capture in (self.capture, self.inst_capture):
                if capture is not None:
                    capture.close()
        audio = self.session.audio
        warnings = list(self.session.player.warnings) + self.audio_warnings
        rec = self.camera_recorder
        if rec is not None and rec.error:
            warnings.append(rec.error)
        if self.camera_inset is not None:
            warnings += self.camera_inset.warnings
        if audio is not None:
            warnings += audio.warnings + [f"sound not played: {d}" for d in audio.dropped]
            if audio.underruns:
                warnings.append(
                    f"sound: {audio.underruns} tick(s) of clip audio were not decoded in time "
                    "and played as silence"
                )
        return RunResult(
            self.session,
            self.frames,
            self.cfg.video_out,
            self.capture.frames if self.capture else 0,
            warnings,
            self.inst_capture.frames if self.inst_capture else 0,
            self.extension_hits,
            self.cfg.record,
            self.wav_sink.samples if self.wav_sink else 0,
            self.device_sink.report() if self.device_sink else "",
            self.capture.audio_seconds if self.capture else 0.0,
            rec.path if rec is not None and rec.frames else None,
            rec.frames if rec is not None else 0,
        )

    def destroy(self) -> None:
        self.base.destroy()
