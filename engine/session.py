"""One run of a scenario, without any rendering: the sim runtime behind the fixed-step
loop, the command bus, and the video player that follows the sim's media time.

The bus: every tick the runtime returns (state, commands); `Session` publishes them once, in
tick order, with the tick's input events, to each registered sink (`subscribe`): the
recorder, the audio mixer, the devices, the views' frame collector, a scene extension, and
whatever later consumers add. A sink has one method, `on_tick(state, commands, events)`;
the start of the scenario is published as tick 0 with no events. Nothing else reads the
runtime's commands, so every consumer sees the same commands in the same order.

Each frame: `frame()` advances the loop (which steps the runtime for every tick owed),
starts the clips the ticks asked for, pre-buffers what may come next, and returns what the
trainee should see now. Readers get the state (`state`) and a read-only snapshot of the
records (`log()`), never the runtime's own lists. Tests drive a Session with a hand-set
clock and no Panda3D at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from content.pack import Pack
from drivers.input_queue import InputQueue
from engine.fixed_loop import FixedStepLoop
from engine.heap import HeapTrimmer
from engine.video import HWACCEL_ENV, VideoPlayer
from sim.events import InputEvent
from sim.runtime import (
    Command,
    PlayClip,
    ScenarioEnded,
    ScenarioRuntime,
    SessionLog,
    ShotMarker,
    SimState,
    StepResult,
)


class Sink(Protocol):
    """A consumer of the sim's output, called once per tick in tick order."""

    def on_tick(
        self, state: SimState, commands: Sequence[Command], events: Sequence[InputEvent]
    ) -> None: ...


class CommandSink:
    """Adapts a per-command callback (a device's `on_command`) to a sink."""

    def __init__(self, on_command: Callable[[Command], None]):
        self.on_command = on_command

    def on_tick(self, state, commands, events) -> None:
        for cmd in commands:
            self.on_command(cmd)


class _FrameCollector:
    """The frame's share of the bus: clips to start, markers to draw, segments entered."""

    def __init__(self) -> None:
        self.clips: list[PlayClip] = []
        self.markers: list[ShotMarker] = []
        self.ended = False

    def on_tick(self, state, commands, events) -> None:
        for cmd in commands:
            if isinstance(cmd, PlayClip):
                self.clips.append(cmd)
            elif isinstance(cmd, ShotMarker):
                self.markers.append(cmd)
            elif isinstance(cmd, ScenarioEnded):
                self.ended = True

    def take(self) -> tuple[list[PlayClip], list[ShotMarker], bool]:
        out = self.clips, self.markers, self.ended
        self.clips, self.markers, self.ended = [], [], False
        return out


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
        max_frame_s: float = 0.25,
        prebuffer: bool = True,
        levels: dict[str, int] | None = None,
        reports: dict[str, str] | None = None,
        community=None,
        video_planes: bool = False,
    ):
        """`video_planes`: frames as the decoder's YUV planes (engine/yuv_planes.py YuvFrame)
        for the trainee view to convert in its shader, decoded in hardware when
        $SIGHTLINE_HWACCEL names a device; otherwise BGR arrays (tools, tests).
        `max_frame_s`: the longest time between frames counted in full (FixedStepLoop);
        a headless run at a low frame rate raises it to its frame interval."""
        self.pack = pack
        self.community = community  # sim.community.RoomOptions: the room votes (or None)
        self.levels = levels  # starting volumes that override the pack's (command line)
        self.reports = reports  # report sounds that override the pack's (command line)
        self.runtime = ScenarioRuntime(
            pack.scenario, tick_hz, screen_aspect, levels, reports, community
        )
        self.loop = FixedStepLoop(
            self._step,
            clock,
            inputs,
            tick_hz=tick_hz,
            max_frame_s=max_frame_s,
            max_steps_per_frame=max_steps_per_frame,
            early_inputs=not block_video,  # live: an input shows in the next frame
        )
        hwaccel = os.environ.get(HWACCEL_ENV) if video_planes else None
        self.player = VideoPlayer(
            pack.clip_path, block=block_video, planes=video_planes, hwaccel=hwaccel
        )
        self._frame = _FrameCollector()
        self._sinks: list[Sink] = [self._frame]
        self._muted: set[int] = set()  # ids of sinks that skip ticks passed over by a seek
        self._seeking = False
        self.ended_at_s: float | None = None
        self.prebuffer = prebuffer  # keep decoders open on every segment that may come next
        self.heap = HeapTrimmer()  # freed frames go back to the system once a minute

    @property
    def inputs(self) -> InputQueue:
        return self.loop.inputs

    @property
    def state(self) -> SimState:
        return self.runtime.state

    def log(self) -> SessionLog:
        """A read-only snapshot of everything recorded so far."""
        return self.runtime.log()

    def subscribe(self, sink: Sink, *, presents: bool = False) -> Sink:
        """Publish every tick to `sink` from now on, after the sinks subscribed before it.
        A sink that `presents` (sound, pictures) is not fed the ticks a replay seek skips
        over; it is told `seek()` instead, if it has that method."""
        self._sinks.append(sink)
        if presents:
            self._muted.add(id(sink))
        return sink

    def _publish(
        self, state: SimState, commands: Sequence[Command], events: Sequence[InputEvent]
    ) -> None:
        for sink in self._sinks:
            if not (self._seeking and id(sink) in self._muted):
                sink.on_tick(state, commands, events)

    def _step(self, events: Sequence[InputEvent]) -> StepResult:
        result = self.runtime.step(events)
        self._publish(result.state, result.commands, events)
        return result

    def start(self) -> None:
        self.loop.start()
        self._publish(self.runtime.state, self.runtime.start_commands(), ())

    def schedule(self, events: Sequence[InputEvent]) -> None:
        """Queue scripted events, stamped in session time."""
        for event in events:
            self.inputs.put_session(event)

    def frame(self) -> FrameOut:
        if not self.loop.started:
            self.start()
        else:
            self.loop.advance()
        clips, markers, ended = self._frame.take()
        for cmd in clips:
            self._play(cmd)
        if not clips:  # never on a branch's frame: that frame shows the new clip first
            self.heap.maybe_trim(self.runtime.state.t_s)
        if ended and self.ended_at_s is None:
            self.ended_at_s = self.runtime.state.t_s
        state = self.runtime.state
        seg = self.pack.scenario.segments[state.segment]
        media_t = state.media_t_s
        alpha = self.loop.alpha
        if not (state.paused or state.holding or state.ended):
            media_t = min(media_t + alpha / self.loop.tick_hz, seg.out_s)
        video = self.player.frame_at(media_t)
        token = (self.player.current_key, video[0] if video else None)
        entered = [c.segment for c in clips]
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
        target, so the state there is exactly the recorded one. The loop and its input
        queue stay the same objects. Sinks that present are not fed the ticks passed
        over (no sound, no markers for them); they are told `seek()` after."""
        target = 0 if target_s <= 0 else self.loop.tick_for_session(target_s)
        self._seeking = True
        try:
            if target < self.loop.tick:
                hz, aspect = self.runtime.tick_hz, self.runtime.screen_aspect
                self.runtime = ScenarioRuntime(
                    self.pack.scenario, hz, aspect, self.levels, self.reports, self.community
                )
                self.loop.restart()
                self.ended_at_s = None
                self._frame.take()
                self.start()
                self.schedule(script)
            self.loop.fast_forward(target)
        finally:
            self._seeking = False
        for sink in self._sinks:
            if id(sink) in self._muted and hasattr(sink, "seek"):
                sink.seek()
        # the frame shows the clip playing at the target and whether it ended
        clips, _, ended = self._frame.take()
        self._frame.clips, self._frame.ended = clips[-1:], ended

    def close(self) -> None:
        self.player.close()
