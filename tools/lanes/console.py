"""`sightline lanes console`: the instructor's tablet console, a small web app on the LAN.

The server holds the only broker connection (drivers/broker_console.py's Console, logged
in with the console account from --auth): the browser reads every lane's tile from the
server's own MQTT subscription (short polling of /api/lanes; thumbnails by version) and
sends commands through /api/lanes/NAME/send, which goes through Console.send (command id,
QoS 1, the lane's acknowledgement awaited). So the broker password never reaches the
browser, and the browser needs no MQTT of its own. tools/web.py guards every request
(per-run token, Host and Origin checks); pages are plain HTML + ES modules in static/.

Must not import engine or tools.cli.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import webbrowser
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from drivers.broker import (
    MAX_COMMAND_BYTES,
    REMOTE_KINDS,
    BrokerError,
    broker_config,
    check_lane,
)
from drivers.broker_console import Console
from sim.errors import UserError
from sim.events import parse_event
from tools.web import bind, guarded, new_token, serve, url_for

STATIC = Path(__file__).parent / "static"
SEND_WAIT_S = 5.0  # how long a press waits for the lane's answer
STALE_S = 5.0  # a status older than this is shown as stale (the lane is 4 a second)
MAX_FLAG_NOTE = 200


def tile(name: str, entry: dict, thumb_version: int, now: float) -> dict:
    """What the browser shows of one lane: the status fields a tile and the panel need
    (never the raw MQTT payloads), its state in one word and its thumbnail's version."""
    st = entry.get("status")
    st = st if isinstance(st, dict) else {}  # a status is a lane account's word: checked

    def items(key: str, last: int | None = None) -> list[dict]:
        got = st.get(key)
        kept = [x for x in got if isinstance(x, dict)] if isinstance(got, list) else []
        return kept[-last:] if last else kept[:9]

    online = bool(entry.get("online"))
    state = "offline"
    if online:
        state = "ended" if st.get("ended") else "paused" if st.get("paused") else "running"
    updated = st.get("updated")
    age = now - updated if isinstance(updated, (int, float)) else None
    return {
        "lane": name,
        "online": online,
        "state": state,
        "stale": online and age is not None and age > STALE_S,
        "pack": st.get("pack"),
        "segment": st.get("segment"),
        "t_s": st.get("t_s"),
        "shots": st.get("shots"),
        "hits": st.get("hits"),
        "flag_count": st.get("flag_count"),
        "flags": items("flags", 3),
        "recent_shots": items("recent_shots", 3),
        "offer": items("offer"),
        "paused": bool(st.get("paused")),
        "low_light": bool(st.get("low_light")),
        "ended": bool(st.get("ended")),
        "thumb": thumb_version if entry.get("thumb") else 0,
    }


def check_event(event) -> dict:
    """The browser's event, checked as `lanes send` checks its words: a kind a console may
    send, and a valid input-script line (a bad key or note fails here, not at the lane)."""
    if not isinstance(event, dict) or event.get("type") not in REMOTE_KINDS:
        raise UserError(f"event: a JSON object whose type is one of {', '.join(REMOTE_KINDS)}")
    if event["type"] == "flag" and len(str(event.get("note", ""))) > MAX_FLAG_NOTE:
        raise UserError(f"flag note: at most {MAX_FLAG_NOTE} characters")
    parse_event({**event, "t": 0.0}, "console")
    return event


class TabletConsole:
    """The routes' state: the broker connection and each lane's thumbnail version."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._lock = threading.Lock()
        self._thumb_versions: dict[str, int] = {}
        console.on_update = self._on_update

    def _on_update(self, lane: str, leaf: str) -> None:  # paho's thread
        if leaf == "thumb":
            with self._lock:
                self._thumb_versions[lane] = self._thumb_versions.get(lane, 1) + 1

    async def index(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    async def info(self, request: Request) -> Response:
        return JSONResponse({"broker": self.console.cfg.shown(), "kinds": list(REMOTE_KINDS)})

    async def lanes(self, request: Request) -> Response:
        now = time.time()
        with self._lock:
            versions = dict(self._thumb_versions)
        tiles = [
            tile(name, entry, versions.get(name, 1), now)
            for name, entry in self.console.snapshot().items()
        ]
        return JSONResponse(
            {"lanes": tiles, "connected": self.console.connected.is_set()},
            headers={"cache-control": "no-store"},
        )

    async def thumb(self, request: Request) -> Response:
        lane = check_lane(request.path_params["lane"])
        data = self.console.snapshot().get(lane, {}).get("thumb")
        if not data:
            return Response(status_code=404)
        # the bytes come from a lane account: served as a JPEG only, never sniffed as HTML
        return Response(
            data,
            media_type="image/jpeg",
            headers={"x-content-type-options": "nosniff", "cache-control": "max-age=60"},
        )

    async def send(self, request: Request) -> Response:
        lane = check_lane(request.path_params["lane"])
        body = await request.body()
        if len(body) > MAX_COMMAND_BYTES:
            raise UserError(f"command: at most {MAX_COMMAND_BYTES} bytes")
        try:
            event = check_event(json.loads(body).get("event"))
        except (ValueError, AttributeError):
            raise UserError('command: expected JSON {"event": {...}}') from None
        sent = time.monotonic()
        try:
            cid, ack = await run_in_threadpool(self.console.send, lane, event, SEND_WAIT_S)
        except BrokerError as exc:
            return JSONResponse({"error": str(exc)}, status_code=502)
        out = {"lane": lane, "id": cid, "took_ms": round((time.monotonic() - sent) * 1000)}
        if ack is None:
            why = f"lane {lane} did not answer in {SEND_WAIT_S:g} s (is it running?)"
            out.update(result="no answer", reason=why)
        else:
            out.update({k: ack.get(k) for k in ("result", "reason", "tick", "t_s")})
        return JSONResponse(out)


async def _user_error(request: Request, exc: Exception):
    return JSONResponse({"error": str(exc)}, status_code=400)


def build_app(console: Console) -> Starlette:
    s = TabletConsole(console)
    routes = [
        Route("/", s.index),
        Route("/api/info", s.info),
        Route("/api/lanes", s.lanes),
        Route("/api/lanes/{lane}/thumb", s.thumb),
        Route("/api/lanes/{lane}/send", s.send, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    app = Starlette(routes=routes, exception_handlers={UserError: _user_error})
    app.state.console = s
    return app


def console_command(args) -> int:
    """Connect to the broker (refused credentials stop here), then serve until Ctrl+C;
    the URL with its token is the first line printed."""
    console = Console(broker_config(args.broker, args.auth)).connect()
    try:
        sock = bind(args.host, args.port)
        port = sock.getsockname()[1]
        token = new_token()
        url = url_for(args.host, port, token)
        print(f"Console at {url}", flush=True)
        if args.host in ("0.0.0.0", "::"):
            print(f"on the LAN: {url_for(socket.gethostname(), port, token)}", flush=True)
        print(f"broker: {console.cfg.shown()}  (Ctrl+C to stop)", flush=True)
        if not args.no_browser:
            webbrowser.open(url)
        try:
            serve(guarded(build_app(console), token, port, args.host), sock)
        finally:
            sock.close()
    finally:
        console.close()
    return 0
