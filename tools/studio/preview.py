"""Studio's preview sessions (tools/studio/server.py): the real ScenarioRuntime on a draft
pack, stepped by the browser in real time, and the two routes that start and step one
(PreviewRoutes, mixed into server.Studio, which gives it `library`, `previews` and
`_json`). Must not import tools.studio.server.
"""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse

from content.pack import PackError, load_pack
from sim.errors import UserError
from sim.events import (
    ACTIONS,
    BRANCH_KEYS,
    WEAPON_KINDS,
    JumpTo,
    KeyPress,
    Pause,
    Resume,
    Said,
    Shot,
    TraineeAction,
)
from sim.runtime import ScenarioRuntime
from tools.studio import manifest

MAX_PREVIEWS = 8
PREVIEW_HZ = 30


# -- preview sessions ------------------------------------------------------------------------


class Preview:
    """The real scenario runtime on a draft, stepped by the browser in real time."""

    def __init__(self, pack, segment: str):
        self.pack = pack
        start = pack.scenario.segments[pack.scenario.start]
        info = pack.media.get(start.clip)
        aspect = info.width / info.height if info else 16 / 9
        self.rt = ScenarioRuntime(pack.scenario, PREVIEW_HZ, aspect)
        self.lock = threading.Lock()
        self.log: list[str] = []
        if segment and segment != pack.scenario.start:
            self.step(1, [{"type": "jump", "segment": segment}])

    def _event(self, e: dict, t: float):
        kind = e.get("type")
        if kind == "key" and e.get("key") in BRANCH_KEYS:
            return KeyPress(t, e["key"])
        if kind == "shot":
            weapon = e.get("kind", "firearm")
            if weapon not in WEAPON_KINDS:
                raise UserError(f"weapon kind {weapon!r}: one of {', '.join(WEAPON_KINDS)}")
            return Shot(t, float(e["x"]), float(e["y"]), "w1", weapon)
        if kind == "action" and e.get("action") in ACTIONS:
            return TraineeAction(t, e["action"])
        if kind == "said" and isinstance(e.get("phrase"), str):
            return Said(t, e["phrase"][:200], e["phrase"][:200])
        if kind == "pause":
            return Pause(t)
        if kind == "resume":
            return Resume(t)
        if kind == "jump" and e.get("segment") in self.pack.scenario.segments:
            return JumpTo(t, e["segment"])
        raise UserError(f"preview: not an event it knows: {json.dumps(e)[:120]}")

    def step(self, ticks: int, events: list[dict]) -> dict:
        with self.lock:
            ticks = max(0, min(int(ticks), PREVIEW_HZ * 2))
            t = (self.rt.state.tick + 1) / PREVIEW_HZ
            evs = [self._event(e, t) for e in events[:16]]
            before = self.rt.state.segment
            for n in range(max(ticks, 1 if evs else 0)):
                self.rt.step(evs if n == 0 else ())
            if self.rt.state.segment != before and self.rt.branches:
                b = self.rt.branches[-1]
                self.log.append(f"{b.t_s:.2f} s: {b.from_segment} -> {b.to_segment} ({b.trigger})")
            return self.state()

    def state(self) -> dict:
        st = self.rt.state
        seg = self.pack.scenario.segments[st.segment]
        info = self.pack.media.get(seg.clip)
        fps = _fps(self.pack.root / seg.clip)
        zones = [
            {"name": z.name, "role": z.role, "polygon": z.polygon_at(st.media_t_s).tolist()}
            for z in seg.zones
        ]
        keys = [
            {"key": tr.trigger.key, "label": tr.trigger.label, "to": tr.to}
            for tr in seg.transitions
            if tr.trigger.kind == "key"
        ]
        others = [
            {"kind": tr.trigger.kind, "text": tr.trigger.describe(), "to": tr.to}
            for tr in seg.transitions
            if tr.trigger.kind != "key"
        ]
        last = self.rt.shots[-1] if self.rt.shots else None
        return {
            "tick": st.tick,
            "t_s": st.t_s,
            "segment": st.segment,
            "clip": seg.clip,
            "media_t_s": st.media_t_s,
            "frame": int(round(st.media_t_s * fps)),
            "width": info.width if info else 0,
            "height": info.height if info else 0,
            "ended": st.ended,
            "holding": st.holding,
            "paused": st.paused,
            "shots": st.shots,
            "hits": st.hits,
            "score": st.score,
            "zones": zones,
            "keys": keys,
            "automatic": others,
            "last_shot": None if last is None else {"zone": last.zone, "segment": last.segment},
            "log": self.log[-20:],
        }


_FPS: dict[Path, float] = {}


def _fps(path: Path) -> float:
    if path not in _FPS:
        from tools.studio.frames import ClipReader

        r = ClipReader(path)
        _FPS[path] = r.fps
        r.close()
    return _FPS[path]


class PreviewRoutes:
    """The preview routes of server.Studio: start a preview of the draft, step it."""

    async def preview_start(self, request: Request):
        pack_dir = self.library.pack_dir(request.path_params["pack"])
        d = await self._json(request)
        text = manifest.render(pack_dir, d.get("model") or {})
        try:
            pack = load_pack(pack_dir, text=text)
        except PackError as exc:
            raise UserError(f"fix this before previewing: {exc}") from None
        seg = str(d.get("segment") or pack.scenario.start)
        if seg not in pack.scenario.segments:
            raise UserError(f"preview: no segment {seg!r}")
        sid = secrets.token_hex(8)
        self.previews[sid] = Preview(pack, seg)
        while len(self.previews) > MAX_PREVIEWS:
            self.previews.popitem(last=False)
        return JSONResponse({"sid": sid, "state": self.previews[sid].state()})

    async def preview_step(self, request: Request):
        p = self.previews.get(request.path_params["sid"])
        if p is None:
            raise UserError("preview: no such preview (start it again)")
        d = await self._json(request)
        events = d.get("events") or []
        if not isinstance(events, list):
            raise UserError("preview: events is a list")
        return JSONResponse(p.step(int(d.get("ticks", 1)), events))
