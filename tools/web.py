"""What every Sightline web server shares: a per-run token, a Host check, a free port and
uvicorn run in a thread or in the foreground.

Sightline's local servers (Studio, community voting, the lane tablet console) are
Starlette apps on uvicorn. A server on 127.0.0.1 is still reachable by every local user
and, through the browser, by every web page the instructor opens, so each run makes a
random token and `TokenGuard` refuses any request that does not carry it:
  - in the URL the server prints (`?token=...`): the guard answers with a cookie for this
    port only (SameSite=Strict, HttpOnly) and redirects to the same URL without the token,
    so it leaves the address bar and the history;
  - or in the cookie afterwards, or in an `X-Sightline-Token` header (scripts, tests).
A page of another site cannot read the token, and a Strict cookie is not sent with its
requests; a request whose Origin is another site is refused too. The Host header must be
one the server expects (`localhost`, `127.0.0.1`, the --host given), which defeats DNS
rebinding (a hostile name re-pointed at 127.0.0.1) on top of the token.

Must not import engine, drivers or a server's own package; imports uvicorn and sim.errors.
"""

from __future__ import annotations

import hmac
import secrets
import socket
import threading
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

import uvicorn

from sim.errors import UserError

TOKEN_PARAM = "token"
TOKEN_HEADER = b"x-sightline-token"
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now (the OS picks it; a race with another program taking
    it before we bind is possible but harmless: uvicorn then fails to bind and says so)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def cookie_name(port: int) -> str:
    # Cookies are not separated by port: two servers on 127.0.0.1 would share one name.
    return f"sightline_token_{port}"


class TokenGuard:
    """ASGI middleware: every HTTP or websocket request needs the run's token and an
    expected Host; everything else gets 403 with a one-line reason."""

    def __init__(self, app, token: str, port: int, hosts: Iterable[str] | None = None):
        self.app = app
        self.token = token
        self.port = port
        self.cookie = cookie_name(port)
        # None: any Host (a server bound to 0.0.0.0 for a LAN is reached by any address)
        self.hosts = None if hosts is None else {h.lower() for h in (*LOCAL_NAMES, *hosts)}

    def _ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def _host_ok(self, headers: dict[bytes, bytes]) -> bool:
        if self.hosts is None:
            return True
        host = headers.get(b"host", b"").decode("latin-1").lower()
        name = host[: host.find("]") + 1] if host.startswith("[") else host.split(":")[0]
        return name in self.hosts

    def _origin_ok(self, headers: dict[bytes, bytes]) -> bool:
        origin = headers.get(b"origin")
        if origin is None:  # same-origin GETs and non-browser clients send none
            return True
        text = origin.decode("latin-1").lower()
        host = headers.get(b"host", b"").decode("latin-1").lower()
        return text in (f"http://{host}", f"https://{host}")

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if not self._host_ok(headers):
            return await self._refuse(scope, send, "unexpected Host header")
        if not self._origin_ok(headers):
            return await self._refuse(scope, send, "request from another site")
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        in_query = next((v for k, v in query if k == TOKEN_PARAM), None)
        if self._ok(in_query):
            if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
                rest = urlencode([(k, v) for k, v in query if k != TOKEN_PARAM])
                return await self._set_cookie_and_redirect(scope, send, rest)
            return await self.app(scope, receive, send)
        if self._ok(headers.get(TOKEN_HEADER, b"").decode("latin-1") or None):
            return await self.app(scope, receive, send)
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # a malformed Cookie header is just no token
            cookies = SimpleCookie()
        morsel = cookies.get(self.cookie)
        if self._ok(morsel.value if morsel else None):
            return await self.app(scope, receive, send)
        return await self._refuse(
            scope, send, "this server needs its token: open the URL it printed when it started"
        )

    async def _set_cookie_and_redirect(self, scope, send, rest: str) -> None:
        location = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
        cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", location.encode("latin-1")),
                    (b"set-cookie", cookie.encode("latin-1")),
                    (b"cache-control", b"no-store"),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, scope, send, why: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = f"forbidden: {why}\n".encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def guarded(app, token: str, port: int, host: str):
    """`app` behind a TokenGuard for a server bound to `host` on `port`: the Host header
    may name the local addresses or `host` itself; bound to every address (0.0.0.0, ::),
    any Host is taken (the token still guards it)."""
    hosts = None if host in ("0.0.0.0", "::", "") else [host]
    return TokenGuard(app, token, port, hosts)


def url_for(host: str, port: int, token: str, path: str = "/") -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "localhost") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}{path}?{TOKEN_PARAM}={token}"


class _Server(uvicorn.Server):
    """uvicorn's server that says when it is listening (an Event, not a poll)."""

    def __init__(self, config: uvicorn.Config):
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        self.ready.set()


class ServerThread:
    """A uvicorn server in a daemon thread, for tests and for tools that serve beside
    other work: `with ServerThread(app, port=...) as s:` ... it stops on exit."""

    def __init__(self, app, host: str = "127.0.0.1", port: int | None = None):
        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(app, host=self.host, port=self.port, log_level="warning")
        self.server = _Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def start(self, timeout_s: float = 20.0) -> ServerThread:
        self.thread.start()
        if not self.server.ready.wait(timeout_s):
            raise RuntimeError(f"the web server did not start on {self.host}:{self.port}")
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def bind(host: str, port: int = 0) -> socket.socket:
    """A listening socket on host:port (0: a free port the OS picks). Bound before the
    server prints its URL, so the URL is good and a client that connects at once waits
    in the backlog instead of being refused."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    return sock


def serve(app, sock: socket.socket) -> None:
    """Run on a bound socket in the foreground until Ctrl+C."""
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
