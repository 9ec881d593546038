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

This module holds the app (the library's routes, `sightline run`, the route table, serving);
one pack's routes are in pack_routes.py and the preview sessions in preview.py.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import webbrowser
from collections import OrderedDict
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from content.pack import CATEGORIES, DIFFICULTIES, LIGHT, SETTINGS, SUBJECT_KEYS
from sim.errors import UserError
from sim.events import ACTIONS, BRANCH_KEYS, WEAPON_KINDS
from sim.hit_zones import ROLES
from sim.rubric_rules import RULE_KINDS
from sim.triggers import TRIGGERS
from tools.studio import manifest
from tools.studio.frames import FrameCache, encode_jpeg
from tools.studio.library import Library
from tools.studio.pack_routes import PackRoutes
from tools.studio.preview import Preview, PreviewRoutes
from tools.web import bind, guarded, new_token, serve, url_for

STATIC = Path(__file__).parent / "static"
MAX_JSON_BYTES = 4 * 1024 * 1024


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


# -- the app ---------------------------------------------------------------------------------


class Studio(PackRoutes, PreviewRoutes):
    """The app's state and its routes: the library's here, one pack's in PackRoutes
    (tools/studio/pack_routes.py), the preview's in PreviewRoutes (tools/studio/preview.py)."""

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
