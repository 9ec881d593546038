"""What a run writes and plays out besides the picture on screen: the session sound (the
sound device, --audio-out, the soundtrack of --video-out), the captured videos of the
trainee and instructor outputs, and the trainee camera (recorded beside --record, or shown
inset in a replay).

`RunOutputs` opens them for a `RunConfig`, subscribes the mixer to the session's bus, takes
one capture per rendered frame (after Panda3D drew it), and closes everything, collecting
warnings, at the end. The app only calls it.
"""

from __future__ import annotations

import logging

from content.pack import Pack
from drivers.input_queue import host_now_s
from engine import panda_setup
from engine.config import RunConfig
from engine.session import Session

log = logging.getLogger(__name__)

AUDIO_RATE = 48_000


class RunOutputs:
    def __init__(
        self,
        base,
        session: Session,
        pack: Pack,
        cfg: RunConfig,
        trainee_root,
        screen_aspect: float,
        instructor_out,
        mode: str,
        fault,
    ):
        from engine.capture import FrameCapture

        self.cfg, self.session = cfg, session
        self.warnings: list[str] = []
        self.capture = (
            FrameCapture(base.win, cfg.video_out, cfg.fps, audio_rate=AUDIO_RATE)
            if cfg.video_out
            else None
        )
        self.inst_capture = None
        if cfg.instructor_video_out is not None:
            if instructor_out is None:
                raise panda_setup.DisplayError(
                    f"--instructor-video-out needs the instructor view in a window or buffer, "
                    f"not {mode!r}"
                )
            self.inst_capture = FrameCapture(instructor_out, cfg.instructor_video_out, cfg.fps)
        self._captured = [0, 0]  # frames sampled from windows: trainee, instructor
        self.wav_sink = self.device_sink = self.mixer = None
        self._open_audio(base, pack)
        self.camera = self.camera_recorder = self.camera_inset = None
        self._open_camera(trainee_root, screen_aspect, fault)
        self.mic = None
        if cfg.trainee_mic is not None:  # the trainee's voice (engine/trainee_mic.py)
            from engine.trainee_mic import MicPath

            self.mic = MicPath(session, cfg, pack.scenario, host_now_s, fault)
            session.subscribe(self.mic)

    # -- sound ----------------------------------------------------------------------------

    def _open_audio(self, base, pack: Pack) -> None:
        """The mixer, when something listens: the sound device, --audio-out, the sound
        track of --video-out. It is a presenting sink of the bus: silent over a seek."""
        from engine.audio import AudioError, AudioMixer, TeeSink, WavSink

        cfg = self.cfg
        sinks = []
        if cfg.audio == "auto" and not cfg.offscreen and not cfg.audio_device():
            self.warnings.append(
                "no sound card or sound server found: running silent (--audio device to try anyway)"
            )
        if cfg.audio_device():
            from engine.audio_out import PandaSink

            try:
                self.device_sink = PandaSink(base)
                sinks.append(self.device_sink)
            except AudioError as exc:
                self.warnings.append(str(exc))
                log.warning("%s", exc)
        if cfg.audio_out is not None:
            self.wav_sink = WavSink(cfg.audio_out)
            sinks.append(self.wav_sink)
        if self.capture is not None:  # the trainee video carries the sound too
            sinks.append(self.capture.audio_sink())
        if not sinks:
            return  # nobody can hear it: no mixing at all
        self.mixer = AudioMixer(
            pack.scenario,
            pack.root,
            pack.clip_path,
            cfg.tick_hz,
            sinks[0] if len(sinks) == 1 else TeeSink(sinks),
            block=cfg.offscreen,
        )
        self.session.subscribe(self.mixer, presents=True)
        if cfg.voice_replay is not None:  # a replay: the trainee's recorded voice mixed in
            from drivers.microphone import MicError
            from engine.audio_format import CHANNELS, RATE
            from engine.trainee_mic import VoiceReplay

            try:
                self.mixer.tracks.append(VoiceReplay(cfg.voice_replay, RATE, CHANNELS))
            except MicError as exc:
                self.warnings.append(f"{exc}; replaying without it")

    def sound_line(self) -> str:
        """The station's device line for sound."""
        sink = self.device_sink
        if sink is None:
            return "sound: silent (no sound card)"
        return f"sound: card, {sink.lead * 1000 / AUDIO_RATE:.0f} ms lead, ran dry {sink.dry}x"

    # -- the trainee camera ---------------------------------------------------------------

    def _open_camera(self, trainee_root, screen_aspect: float, fault) -> None:
        cfg = self.cfg
        if cfg.trainee_camera is not None and cfg.record is not None:
            from drivers.trainee_camera import FileCamera, LiveCamera
            from engine.trainee_camera import CameraRecorder, camera_path

            self.camera_recorder = CameraRecorder(camera_path(cfg.record), cfg.fps)
            if cfg.offscreen:
                self.camera = FileCamera(cfg.trainee_camera, fault)
            else:
                self.camera = LiveCamera(cfg.trainee_camera, host_now_s, fault)
                self.camera.start()
        if cfg.camera_replay is not None:
            from engine.trainee_camera import CameraInset

            self.camera_inset = CameraInset(trainee_root, screen_aspect, cfg.camera_replay)

    def _pump_camera(self, frames: int) -> None:
        from drivers.trainee_camera import FileCamera

        if isinstance(self.camera, FileCamera):
            for t_s, img in self.camera.until(frames / self.cfg.fps):
                self.camera_recorder.submit(t_s, img)
        else:
            origin = self.session.loop.session_to_host(0.0)
            for host_s, img in self.camera.take():
                self.camera_recorder.submit(host_s - origin, img)

    def present(self, session_s: float) -> None:
        """Per frame, before drawing: the replay's camera inset at the presented time."""
        if self.camera_inset is not None:
            self.camera_inset.update(session_s)

    # -- per frame, after drawing ---------------------------------------------------------

    def capture_frame(self, frames: int) -> None:
        """Take frame number `frames` (just drawn) into the videos, and the camera's
        frames into its recording."""
        loop = self.session.loop
        if self.camera is not None and loop.started:
            self._pump_camera(frames)
        if self.mic is not None:
            self.mic.pump()
        for i, capture in enumerate((self.capture, self.inst_capture)):
            img = capture.grab() if capture is not None else None
            if img is None:
                continue
            if self.cfg.offscreen:
                # one frame per rendered frame: every frame is exactly 1/fps apart
                capture.submit(img, frames / self.cfg.fps)
                continue
            # a window renders at its own pace: sample it at --fps on session time,
            # repeating the frame across any interval a slow frame spanned
            while self._captured[i] / self.cfg.fps <= loop.session_s + 1e-9:
                capture.submit(img, self._captured[i] / self.cfg.fps)
                self._captured[i] += 1

    # -- the end ----------------------------------------------------------------------------

    def close(self) -> None:
        if self.mic is not None:
            self.mic.close()
        if self.mixer is not None:
            self.mixer.close()
        if self.camera is not None:
            self.camera.stop()
            self.camera_recorder.close()
        if self.camera_inset is not None:
            self.camera_inset.close()
        for capture in (self.capture, self.inst_capture):
            if capture is not None:
                capture.close()

    def final_warnings(self) -> list[str]:
        """Everything that went wrong on the way out, after close()."""
        out = list(self.warnings) + (self.mic.warnings if self.mic is not None else [])
        rec = self.camera_recorder
        if rec is not None and rec.error:
            out.append(rec.error)
        if self.camera_inset is not None:
            out += self.camera_inset.warnings
        mixer = self.mixer
        if mixer is not None:
            out += mixer.warnings + [f"sound not played: {d}" for d in mixer.dropped]
            if mixer.underruns:
                out.append(
                    f"sound: {mixer.underruns} tick(s) of clip audio were not decoded in time "
                    "and played as silence"
                )
        return out
