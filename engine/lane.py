"""A lane on the broker: wires drivers.broker.LaneLink into a running SightlineApp.

Commands from consoles reach the session's InputQueue through the link (stamped when they
arrive, like a key press), so nothing downstream knows they came over the network. This
module adds: the pack's checks a command must pass (a jump to a segment the pack has, a
sound it knows), the per-tick acknowledgement of applied commands (a bus sink), and a
Panda3D task that publishes the lane's status a few times a second and a small JPEG of
the trainee picture about once a second. A headless lane on the wall clock (`--realtime`)
is paced to its frame rate by Panda3D's clock.

engine/app.py calls `attach(app)`; tools/lanes owns the command line. Imports no tools.
"""

from __future__ import annotations

import json
import threading
import time

import numpy as np

from drivers.broker import LaneLink
from drivers.input_queue import host_now_s
from sim.events import JumpTo, PlaySound

SORT_PACE = -60  # before Panda3D reads input (-50): a headless lane waits here
SORT_LANE = 45  # after present (40): the frame's state is final; before igLoop (50)
STATUS_HZ = 4.0
THUMB_S = 1.0
THUMB_WIDTH = 160


class LaneWiring:
    def __init__(self, link: LaneLink, realtime: bool = False) -> None:
        self.link = link
        self.realtime = realtime
        self.app = None
        self._next_status = 0.0
        self._next_thumb = 0.0
        self._wake = threading.Event()  # a command arrived: run a frame for it soon
        self._arrived_s = 0.0  # host time of the latest command
        self._next_frame_s = 0.0

    @property
    def name(self) -> str:
        return self.link.lane

    # -- wiring ---------------------------------------------------------------------------

    def attach(self, app) -> LaneWiring:
        self.app = app
        session = app.session
        session.subscribe(self)  # every tick, replay seeks included (lanes do not seek)
        self.link.bind(self._put, self._check)
        app.base.taskMgr.add(self._task, "sightline-lane", sort=SORT_LANE)
        cfg = app.cfg
        if self.realtime and cfg.offscreen:
            app.base.taskMgr.add(self._pace, "sightline-lane-pace", sort=SORT_PACE)
            if cfg.video_out is None and cfg.instructor_video_out is None:
                # Nobody sees these pixels (the thumbnail is the clip's own picture): a
                # headless lane with no video out draws nothing, most of a frame's cost.
                app.base.win.setActive(False)
        return self

    def _put(self, event, host_t_s: float) -> None:
        """From paho's thread: onto the session's queue, and wake a sleeping lane."""
        self.app.session.inputs.put(event, host_t_s)
        self._arrived_s = host_t_s
        self._wake.set()

    def _pace(self, task):
        """A headless lane on the wall clock sleeps between frames (1/fps). A command that
        arrives meanwhile cuts the sleep short: the frame runs as soon as the tick that
        applies it is due (at most one tick, not one frame, later), so a command's
        latency does not depend on the lane's frame rate."""
        loop = self.app.session.loop
        period = 1.0 / self.app.cfg.fps
        due = self._next_frame_s
        now = host_now_s()
        while now < due:
            if self._wake.wait(due - now):
                self._wake.clear()
                if loop.started:
                    tick = loop.tick_for_host(self._arrived_s)
                    due = min(due, loop.session_to_host(tick / loop.tick_hz) + 0.0005)
            now = host_now_s()
        self._wake.clear()
        self._next_frame_s = max(due + period, now) if due > 0 else now + period
        return task.cont

    def _check(self, event) -> str | None:
        """Why the pack cannot take this command (None: it can). From paho's thread: reads
        only the pack, which never changes during a run."""
        scenario = self.app.session.pack.scenario if self.app else None
        if scenario is None:
            return None
        if isinstance(event, JumpTo) and event.segment not in scenario.segments:
            return f"no segment {event.segment!r} in this pack"
        if isinstance(event, PlaySound) and event.sound not in scenario.sounds:
            return f"no sound {event.sound!r} in this pack"
        return None

    def on_tick(self, state, commands, events) -> None:
        if events:
            self.link.applied(events, state.tick, state.t_s)

    # -- publishing -------------------------------------------------------------------------

    def status(self) -> dict:
        session = self.app.session
        st = session.state
        scenario = session.pack.scenario
        seg = scenario.segments[st.segment]
        log = session.log()
        offer = [
            {"key": tr.trigger.key, "label": getattr(tr.trigger, "label", ""), "to": tr.to}
            for tr in seg.transitions
            if tr.trigger.station == "key" and hasattr(tr.trigger, "key")
        ]
        devices: dict[str, dict] = {}
        for t_s, device, up, text in log.device_events:
            devices[device] = {"connected": up, "text": text, "t_s": round(t_s, 3)}
        return {
            "lane": self.link.lane,
            "pack": scenario.title,
            "pack_dir": session.pack.root.name,
            "t_s": round(st.t_s, 3),
            "tick": st.tick,
            "segment": st.segment,
            "segments_played": list(log.segments_played[-8:]),
            "offer": offer,
            "paused": st.paused,
            "holding": st.holding,
            "ended": st.ended,
            "low_light": st.low_light,
            "shots": st.shots,
            "hits": st.hits,
            "score": st.score,
            "recent_shots": [
                {
                    "t_s": round(s.t_s, 3),
                    "weapon": s.weapon,
                    "zone": s.zone,
                    "fired": s.fired,
                }
                for s in log.shots[-5:]
            ],
            "flags": [{"t_s": round(f.t_s, 3), "note": f.note} for f in log.flags[-5:]],
            "flag_count": st.flags,
            "devices": devices,
            "commands_applied": self.link.applied_count,
            "commands_refused": len(self.link.refusals),
            "updated": round(time.time(), 3),
        }

    def _status_bytes(self) -> bytes:
        return json.dumps(self.status(), separators=(",", ":")).encode()

    def _task(self, task):
        now = time.monotonic()
        if now >= self._next_status:
            self._next_status = now + 1.0 / STATUS_HZ
            body = self._status_bytes()
            self.link.publish("status", body)
        if now >= self._next_thumb:
            self._next_thumb = now + THUMB_S
            thumb = self.thumbnail()
            if thumb is not None:
                self.link.publish("thumb", thumb)
        return task.cont

    def thumbnail(self) -> bytes | None:
        """The clip's current picture, THUMB_WIDTH wide, as JPEG (markers and overlays are
        the consoles' to draw from the status)."""
        out = self.app.last
        if out is None or out.video is None:
            return None
        import cv2

        img = out.video[1]
        if not isinstance(img, np.ndarray):  # the app decodes to YUV planes (YuvFrame)
            img = img.to_bgr()
        h, w = img.shape[:2]
        small = cv2.resize(
            img, (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA
        )
        ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 70])
        return bytes(buf) if ok else None

    def close(self) -> None:
        """After the run: the final status, then offline."""
        final = self._status_bytes() if self.app is not None else None
        self.link.close(final)
