"""Sightline Studio: the web app instructors build scenario packs with, from their own
footage, without touching TOML. `sightline studio [LIBRARY_DIR]` runs it.

A Starlette app behind tools/web.py's TokenGuard (per-run token, Host and Origin
checks), serving plain ES modules from static/ and a JSON API over one library folder:
  - the library: packs with their metadata and lint, thumbnails, new packs from footage;
  - a pack: its manifest as a model (tools/studio/manifest.py edits the TOML keeping
    comments), the clips' frame counts, its guidebook; draft lint (the unsaved model
    against the pack's media); saving with the on-disk check and a backup;
  - frames by index (tools/studio/frames.py), zone tracking with confidence
    (tools/tracking.py), a preview that steps the real ScenarioRuntime on the draft, and
    `sightline run` on the range.
Every path a request names is checked to stay inside its pack; sizes are bounded.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import threading
import webbrowser
from collections import OrderedDict
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from content.lint import Finding, lint_pack
from content.media import VIDEO_SUFFIXES
from content.pack import (
    CATEGORIES,
    DIFFICULTIES,
    LIGHT,
    MAX_GUIDEBOOK_BYTES,
    SETTINGS,
    SUBJECT_KEYS,
    PackError,
    load_pack,
)
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
from sim.hit_zones import ROLES
from sim.rubric import RULE_KINDS
from sim.runtime import ScenarioRuntime
from sim.triggers import TRIGGERS
from tools.studio import manifest
from tools.studio.frames import FrameCache, encode_jpeg
from tools.studio.library import Library
from tools.tracking import thin, track_polygon
from tools.web import bind, guarded, new_token, serve, url_for

STATIC = Path(__file__).parent / "static"
MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_TRACK_FRAMES = 20_000
MAX_PREVIEWS = 8
PREVIEW_HZ = 30


# -- the trigger registry, as forms ----------------------------------------------------------

_REQUIRED = object()


class _FieldRecorder:
    """Stands in for a pack's transition table while a trigger class parses it, noting
    which fields it reads: the form for each kind comes from the registry itself."""

    def __init__(self):
        self.fields: list[dict] = []

    def get(self, key, kind, default=_REQUIRED):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        name = "number" if float in kinds else "list" if list in kinds else "text"
        self.fields.append({"key": key, "type": name, "required": default is _REQUIRED})
        return {"number": 0.0, "list": [], "text": ""}[name]

    def choice(self, key, options, default=_REQUIRED):
        self.fields.append(
            {
                "key": key,
                "type": "choice",
                "options": list(options),
                "required": default is _REQUIRED,
            }
        )
        return options[0]


def trigger_forms() -> list[dict]:
    out = []
    for kind, cls in TRIGGERS.items():
        rec = _FieldRecorder()
        cls.parse(rec)
        doc = (cls.__doc__ or kind).strip().split("\n")[0]
        out.append({"kind": kind, "help": doc, "fields": rec.fields, "colour": cls.colour})
    return out


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


# -- the app ---------------------------------------------------------------------------------


def _finding(f: Finding) -> dict:
    return {
        "level": f.level,
        "line": f.line,
        "where": f.where,
        "message": f.message,
        "text": str(f),
    }


class Studio:
    def __init__(self, library_dir: Path):
        self.library = Library(library_dir)
        self.frames = FrameCache()
        self.previews: OrderedDict[str, Preview] = OrderedDict()
        self.runs: list[subprocess.Popen] = []

    # helpers
    async def _json(self, request: Request) -> dict:
        parts, size = [], 0
        async for chunk in request.stream():  # bounded while it arrives, not after
            size += len(chunk)
            if size > MAX_JSON_BYTES:
                raise UserError(f"request over {MAX_JSON_BYTES} bytes")
            parts.append(chunk)
        body = b"".join(parts)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise UserError("request: not JSON") from None
        if not isinstance(data, dict):
            raise UserError("request: expected a JSON object")
        return data

    def _clip(self, pack_dir: Path, clip: str) -> Path:
        path = (pack_dir / str(clip)).resolve()
        if not path.is_relative_to(pack_dir) or path.suffix.lower() not in VIDEO_SUFFIXES:
            raise UserError(f"{clip!r}: not a clip inside the pack")
        if not path.is_file():
            raise UserError(f"{clip}: no such clip in the pack")
        return path

    def _guidebook_path(self, pack_dir: Path, model: dict) -> Path | None:
        rel = (model.get("meta") or {}).get("guidebook")
        if not isinstance(rel, str) or not rel:
            return None
        path = (pack_dir / rel).resolve()
        if not path.is_relative_to(pack_dir) or path.suffix.lower() != ".md":
            raise UserError(f"meta.guidebook {rel!r}: a .md file inside the pack")
        return path

    # routes
    async def info(self, request: Request):
        return JSONResponse(
            {
                "library": str(self.library.root),
                "triggers": trigger_forms(),
                "roles": list(ROLES),
                "categories": list(CATEGORIES),
                "difficulties": list(DIFFICULTIES),
                "light": list(LIGHT),
                "settings": list(SETTINGS),
                "subject_keys": list(SUBJECT_KEYS),
                "actions": list(ACTIONS),
                "weapons": list(WEAPON_KINDS),
                "keys": list(BRANCH_KEYS),
                "rules": list(RULE_KINDS),
            }
        )

    async def library_list(self, request: Request):
        return JSONResponse([self.library.summary(p) for p in self.library.pack_ids()])

    async def thumb(self, request: Request):
        src = self.library.thumbnail_source(request.path_params["pack"])
        if src is None:
            return Response(status_code=404)
        clip, t = src
        reader = self.frames.reader(clip)
        img = reader.frame(int(t * reader.fps))
        return Response(encode_jpeg(img, 320), media_type="image/jpeg")

    async def upload(self, request: Request):
        name = request.query_params.get("name", "")
        return JSONResponse({"upload": await self.library.upload(name, request.stream())})

    async def new(self, request: Request):
        d = await self._json(request)
        paths = [str(p) for p in d.get("paths", [])][:50]
        uploads = [str(u) for u in d.get("uploads", [])][:50]
        pack_id = self.library.new(str(d.get("name", "")), str(d.get("title", "")), paths, uploads)
        return JSONResponse({"id": pack_id})

    async def pack(self, request: Request):
        pack_dir = self.library.pack_dir(request.path_params["pack"])
        text, model = manifest.read(pack_dir)
        clips = {}
        for p in sorted((pack_dir / "media").glob("*")) if (pack_dir / "media").is_dir() else []:
            if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file():
                try:
                    clips[p.relative_to(pack_dir).as_posix()] = self.frames.info(p).as_json()
                except UserError as exc:
                    clips[p.relative_to(pack_dir).as_posix()] = {"error": str(exc)}
        for seg in (model.get("segments") or {}).values():
            clip = seg.get("clip") if isinstance(seg, dict) else None
            if isinstance(clip, str) and clip not in clips:
                try:
                    clips[clip] = self.frames.info(self._clip(pack_dir, clip)).as_json()
                except UserError as exc:
                    clips[clip] = {"error": str(exc)}
        guide = self._guidebook_path(pack_dir, model)
        guide_text = ""
        if guide is not None and guide.is_file():
            guide_text = guide.read_bytes()[:MAX_GUIDEBOOK_BYTES].decode("utf-8", "replace")
        findings = self.library.lint(request.path_params["pack"])
        return JSONResponse(
            {
                "id": request.path_params["pack"],
                "model": model,
                "digest": manifest.digest(text),
                "clips": clips,
                "guidebook": guide_text,
                "guidebook_digest": manifest.digest(guide_text),
                "findings": [_finding(f) for f in findings],
            }
        )

    async def lint(self, request: Request):
        pack_dir = self.library.pack_dir(request.path_params["pack"])
        d = await self._json(request)
        try:
            text = manifest.render(pack_dir, d.get("model") or {})
        except (ValueError, TypeError) as exc:
            return JSONResponse(
                {
                    "findings": [
                        {
                            "level": "error",
                            "where": "",
                            "line": None,
                            "message": f"cannot write this: {exc}",
                            "text": str(exc),
                        }
                    ]
                }
            )
        findings = lint_pack(pack_dir, text=text)
        return JSONResponse({"findings": [_finding(f) for f in findings], "text": text})

    async def save(self, request: Request):
        pack_id = request.path_params["pack"]
        pack_dir = self.library.pack_dir(pack_id)
        d = await self._json(request)
        model = d.get("model")
        if not isinstance(model, dict):
            raise UserError("save: no model")
        guide_text = d.get("guidebook")
        guide = self._guidebook_path(pack_dir, model)
        if isinstance(guide_text, str) and guide is not None:
            if len(guide_text.encode()) > MAX_GUIDEBOOK_BYTES:
                raise UserError(f"guidebook over {MAX_GUIDEBOOK_BYTES} bytes")
            current = guide.read_text("utf-8", "replace") if guide.is_file() else ""
            if current != guide_text and manifest.digest(current) != d.get("guidebook_digest"):
                raise manifest.SaveConflict(f"{guide}: changed on disk since it was opened")
        new_digest = manifest.save(pack_dir, model, str(d.get("digest", "")))
        if isinstance(guide_text, str) and guide is not None:
            current = guide.read_text("utf-8", "replace") if guide.is_file() else ""
            if current != guide_text:
                if guide.is_file():
                    manifest.write_inside(pack_dir, guide.with_name(guide.name + ".bak"), current)
                manifest.write_inside(pack_dir, guide, guide_text)
        findings = self.library.lint(pack_id)
        return JSONResponse(
            {
                "digest": new_digest,
                "guidebook_digest": manifest.digest(
                    guide_text if isinstance(guide_text, str) else ""
                ),
                "findings": [_finding(f) for f in findings],
            }
        )

    async def frame(self, request: Request):
        pack_dir = self.library.pack_dir(request.path_params["pack"])
        q = request.query_params
        clip = self._clip(pack_dir, q.get("clip", ""))
        try:
            index = int(q.get("i", "0"))
            width = int(q.get("w", "0"))
        except ValueError:
            raise UserError("frame: i and w are whole numbers") from None
        data = self.frames.jpeg(clip, index, min(max(width, 0), 4096))
        return Response(
            data, media_type="image/jpeg", headers={"cache-control": "private, max-age=600"}
        )

    def _track(self, clip: Path, first: int, last: int, polygon, every_s: float) -> dict:
        """Track forwards from frame `first` to `last` (tracking on from a correction),
        with a reader of its own so the scrubber's stays where it is."""
        from tools.studio.frames import ClipReader

        own = ClipReader(clip)
        try:
            count = min(max(last - first + 1, 1), MAX_TRACK_FRAMES)
            frames = (
                (first + n, (first + n) / own.fps, own.frame(first + n)) for n in range(count)
            )
            track = track_polygon(frames, polygon)
            fps = own.fps
        finally:
            own.close()
        keys = thin(track.steps, every_s)
        lost = track.lost
        return {
            "fps": fps,
            "keys": [
                {
                    "frame": k.index,
                    "t": round(k.t, 3),
                    "polygon": k.polygon,
                    "confidence": k.confidence,
                }
                for k in keys
            ],
            "lost": None
            if lost is None
            else {
                "frame": lost.index,
                "t": round(lost.t, 3),
                "polygon": lost.polygon,
                "confidence": lost.confidence,
            },
        }

    async def track(self, request: Request):
        from starlette.concurrency import run_in_threadpool

        pack_dir = self.library.pack_dir(request.path_params["pack"])
        d = await self._json(request)
        clip = self._clip(pack_dir, str(d.get("clip", "")))
        poly = d.get("polygon")
        if not (isinstance(poly, list) and 3 <= len(poly) <= 64):
            raise UserError("track: a polygon of 3 to 64 points")
        try:
            poly = [[float(x), float(y)] for x, y in poly]
            first, last = int(d["from"]), int(d["to"])
            every = float(d.get("every_s", 0.2))
        except (KeyError, TypeError, ValueError):
            raise UserError("track: from, to (frames) and a polygon of [x, y]") from None
        result = await run_in_threadpool(self._track, clip, first, last, poly, max(every, 0.02))
        return JSONResponse(result)

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

    async def run(self, request: Request):
        pack_dir = self.library.pack_dir(request.path_params["pack"])
        cmd = [sys.executable, "-m", "tools.cli", "run", str(pack_dir)]
        self.runs = [r for r in self.runs if r.poll() is None]
        if self.runs:
            raise UserError("a run is still going: end it first")
        self.runs.append(
            subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[2], stdin=subprocess.DEVNULL)
        )
        return JSONResponse({"started": " ".join(["sightline", "run", str(pack_dir)])})

    async def index(self, request: Request):
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})


async def _user_error(request: Request, exc: Exception):
    status = 409 if isinstance(exc, manifest.SaveConflict) else 400
    return JSONResponse({"error": str(exc)}, status_code=status)


def build_app(library_dir: Path) -> Starlette:
    s = Studio(library_dir)
    P = "/api/packs/{pack}"
    routes = [
        Route("/", s.index),
        Route("/api/info", s.info),
        Route("/api/library", s.library_list),
        Route("/api/uploads", s.upload, methods=["POST"]),
        Route("/api/packs", s.new, methods=["POST"]),
        Route(P, s.pack),
        Route(P, s.save, methods=["PUT"]),
        Route(P + "/thumb", s.thumb),
        Route(P + "/lint", s.lint, methods=["POST"]),
        Route(P + "/frame", s.frame),
        Route(P + "/track", s.track, methods=["POST"]),
        Route(P + "/preview", s.preview_start, methods=["POST"]),
        Route("/api/preview/{sid}/step", s.preview_step, methods=["POST"]),
        Route(P + "/run", s.run, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    app = Starlette(routes=routes, exception_handlers={UserError: _user_error})
    app.state.studio = s
    return app


def run_studio(library_dir: Path, host: str, port: int, open_browser: bool) -> int:
    """Serve until Ctrl+C; prints the URL (with the token) first."""
    app = build_app(library_dir)
    sock = bind(host, port)
    port = sock.getsockname()[1]
    token = new_token()
    url = url_for(host, port, token)
    print(f"Studio at {url}", flush=True)
    if host in ("0.0.0.0", "::"):
        print(f"on the LAN: {url_for(socket.gethostname(), port, token)}", flush=True)
    print(f"library: {Path(library_dir).resolve()}  (Ctrl+C to stop)", flush=True)
    if open_browser:
        webbrowser.open(url)  # the socket is listening: the browser's request waits for it
    try:
        serve(guarded(app, token, port, host), sock)
    finally:
        sock.close()
    return 0
