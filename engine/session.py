"""One run of a scenario, without any rendering: the sim runtime behind the fixed-step
loop, and the video player that follows the sim's media time.

Each frame: `frame()` advances the loop (which steps the runtime for every tick owed),
collects the commands the ticks returned, starts clips and pre-buffers what may come next,
and returns the frame the trainee should see now. The engine's views present it. Tests
drive a Session with a hand-set clock and no Panda3D at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from content.pack import Pack
from drivers.input_queue import InputQueue
from engine.fixed_loop import FixedStepLoop
from engine.video import VideoPlayer
from sim.events import InputEvent
from sim.recording import command_record, event_record
from sim.runtime import (
    Command,
    PlayClip,
    ScenarioEnded,
    ScenarioRuntime,
    ShotMarker,
    SimState,
    StepResult,
)


@dataclass
class FrameOut:
    """What presentation needs this frame."""

    state: SimState
    alpha: float
    media_t_s: float  # the media time to show, interpolated inside the current tick
    segment_aspect: float
    video: tuple[float, np.ndarray] | None
    video_token: object
    new_markers: list[ShotMarker] = field(default_factory=list)
    entered: list[str] = field(default_factory=list)  # segments that started this frame


class Session:
    def __init__(
        self,
        pack: Pack,
        clock: Callable[[], float],
        tick_hz: int = 120,
        screen_aspect: float = 16 / 9,
        block_video: bool = False,
        inputs: InputQueue | None = None,
        max_steps_per_frame: int = 8,
        prebuffer: bool = True,
        recorder=None,
        levels: dict[str, int] | None = None,
    ):
        self.pack = pack
        self.levels = levels  # starting volumes that override the pack's (command line)
        self.runtime = ScenarioRuntime(pack.scenario, tick_hz, screen_aspect, levels)
        self.loop = FixedStepLoop(
            self._step, clock, inputs, tick_hz=tick_hz, max_steps_per_frame=max_steps_per_frame
        )
        self.player = VideoPlayer(pack.clip_path, block=block_video)
        self._commands: list[Command] = []
        self.ended_at_s: float | None = None
        self.prebuffer = prebuffer  # keep decoders open on every segment that may come next
        self.devices: list = []  # drivers.devices.Device: they receive every sim command
        self.recorder = recorder  # engine.recorder.Recorder: every input, digest and command
        self.audio = None  # engine.audio.AudioMixer: renders each tick's span of sound

    @property
    def inputs(self) -> InputQueue:
        return self.loop.inputs

    def _step(self, events: Sequence[InputEvent]) -> StepResult:
        result = self.runtime.step(events)
        self._commands.extend(result.commands)
        if self.audio is not None:
            self.audio.on_tick(result.state, result.commands)
        if self.recorder is not None:
            tick = result.state.tick
            for event in events:
                self.recorder.add(event_record(tick, event))
            self.recorder.add({"k": "tick", "tick": tick, "d": result.state.digest})
            for cmd in result.commands:
                self.recorder.add(command_record(tick, cmd))
        return result

    def start(self) -> None:
        self.loop.start()
        start = self.runtime.start_commands()
        self._commands.extend(start)
        if self.audio is not None:
            self.audio.on_tick(self.runtime.state, start)

    def schedule(self, events: Sequence[InputEvent]) -> None:
        """Queue scripted events, stamped in session time."""
        for event in events:
            self.inputs.put_session(event)

    def frame(self) -> FrameOut:
        if not self.loop.started:
            self.start()
        else:
            self.loop.advance()
        markers: list[ShotMarker] = []
        entered: list[str] = []
        for cmd in self._commands:
            for device in self.devices:
                device.on_command(cmd)  # queues bytes for the device's own thread
            if isinstance(cmd, PlayClip):
                self._play(cmd)
                entered.append(cmd.segment)
            elif isinstance(cmd, ShotMarker):
                markers.append(cmd)
            elif isinstance(cmd, ScenarioEnded) and self.ended_at_s is None:
                self.ended_at_s = self.runtime.state.t_s
        self._commands.clear()
        state = self.runtime.state
        seg = self.pack.scenario.segments[state.segment]
        media_t = state.media_t_s
        alpha = self.loop.alpha
        if not (state.paused or state.holding or state.ended):
            media_t = min(media_t + alpha / self.loop.tick_hz, seg.out_s)
        video = self.player.frame_at(media_t)
        token = (self.player.current_key, video[0] if video else None)
        return FrameOut(state, alpha, media_t, seg.media_aspect, video, token, markers, entered)

    def _play(self, cmd: PlayClip) -> None:
        segments = self.pack.scenario.segments
        seg = segments[cmd.segment]
        keep = set()
        if self.prebuffer:
            keep = {(segments[s].clip, segments[s].in_s) for s in seg.successors()}
            if seg.loop:
                keep.add((seg.clip, seg.in_s))
        self.player.play(cmd.clip, cmd.media_in_s, keep)

    def seek(self, target_s: float, script: Sequence[InputEvent]) -> None:
        """Replay: jump to a session time. Forward runs the ticks owed at once; backward
        starts the scenario again and re-runs `script` (the recorded inputs) up to the
        target, so the state there is exactly the recorded one. Shot markers passed over
        on the way are not drawn."""
        target = 0 if target_s <= 0 else self.loop.tick_for_session(target_s)
        if target < self.loop.tick:
            hz, aspect = self.runtime.tick_hz, self.runtime.screen_aspect
            self.runtime = ScenarioRuntime(self.pack.scenario, hz, aspect, self.levels)
            old = self.loop
            self.loop = FixedStepLoop(
                self._step, old._clock, tick_hz=hz, max_steps_per_frame=old.max_steps_per_frame
            )
            self.loop.start()
            self._commands = list(self.runtime.start_commands())
            self.ended_at_s = None
            self.schedule(script)
        audio, self.audio = self.audio, None  # no sound for the ticks skipped over
        try:
            self.loop.fast_forward(target)
        finally:
            self.audio = audio
        if audio is not None:
            audio.seek()
        clips = [c for c in self._commands if isinstance(c, PlayClip)]
        ended = [c for c in self._commands if isinstance(c, ScenarioEnded)]
        self._commands = clips[-1:] + ended[-1:]

    def close(self) -> None:
        self.player.close()
        if self.audio is not None:
            self.audio.close()
