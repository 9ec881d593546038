"""What a run is asked to do (`RunConfig`, from the command line or a test) and what it
produced (`RunResult`, for the summary and the tests). Plain data: no Panda3D objects are
made here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine import panda_setup
from sim.events import InputEvent

if TYPE_CHECKING:
    from engine.session import Session


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
    instructor: str = "auto"  # window, split, buffer, none; auto: window, or buffer if captured
    instructor_video_out: Path | None = None
    instructor_size: tuple[int, int] = (1280, 720)
    devices: list[str] = field(default_factory=list)  # --device KIND:PATH[@wN]
    record: Path | None = None  # --record FILE
    interactive: bool = True  # False (replays): no instructor keys, clicks are not shots
    clock: Callable[[], float] | None = None  # a window's clock (default: the host clock)
    audio: str = "auto"  # device, none; auto: the sound device when a window is open
    audio_out: Path | None = None  # --audio-out FILE.wav: the mixed session audio
    levels: dict[str, int] = field(default_factory=dict)  # starting volumes over the pack's
    reports: dict[str, str] = field(default_factory=dict)  # weapon id or kind -> sound
    trainee_camera: str | None = None  # --trainee-camera N|FILE, recorded beside --record
    trainee_mic: str | None = None  # --trainee-mic N|FILE: voice beside --record, recognized
    camera_replay: Path | None = None  # replays: the recorded camera video, shown inset
    # --trainee-display N / --instructor-display M: an engine.displays.Display to fill,
    # borderless (None: a window of width x height / instructor_size)
    trainee_display: object | None = None
    instructor_display: object | None = None
    realtime: bool = False  # a headless run on the wall clock (a lane), not 1/fps a frame
    lane: object | None = None  # an engine.lane.LaneWiring: the run is a lane on a broker
    # a community session (sim.community.RoomOptions): the room votes where it branches
    community: object | None = None

    def audio_device(self) -> bool:
        if self.audio == "device":
            return True
        if self.audio == "auto" and not self.offscreen:
            return panda_setup.sound_output_present()
        return False

    def instructor_mode(self) -> str:
        if self.instructor != "auto":
            return self.instructor
        if self.offscreen:
            return "buffer" if self.instructor_video_out else "none"
        return "window"


@dataclass
class RunResult:
    session: Session
    frames: int  # frames rendered
    video_out: Path | None
    video_frames: int  # frames written to video_out
    warnings: list[str]
    instructor_frames: int = 0  # frames written to instructor_video_out
    extension_hits: list = field(default_factory=list)  # (t_s, what) from a scene extension
    recorded_to: Path | None = None
    audio_samples: int = 0  # samples written to audio_out
    audio_device: str = ""  # how the sound device kept pace, for the summary
    video_audio_s: float = 0.0  # seconds of sound muxed into video_out
    camera_out: Path | None = None  # the trainee camera video written beside the recording
    camera_frames: int = 0
