"""The vote server in a process of its own, so that a room of phones (or a flood) costs
the picture nothing: HTTP parsing, JSON and the refusals run outside the render loop's
interpreter (no shared GIL), on the other core.

The session's side (`VoteProcess`) sends the room's state (sim.community.RoomView) to the
server whenever it changes (`publish`, once a frame) and receives the votes it took,
each with the moment it arrived (time.monotonic, the same system clock in both
processes); `on_vote(vote, arrived_s)` puts them on the session's input queue. The
server's side is server.py's VoteDesk, unchanged. The child is started with "spawn" (a
fork of a process running Panda3D and decoder threads is not safe).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
from collections.abc import Callable

from sim.community import RoomView
from sim.errors import UserError
from sim.events import Vote
from tools.community.server import Limits

START_TIMEOUT_S = 60.0  # a loaded machine imports Starlette slowly


def _child(conn, host: str, port: int, code: str, limits: Limits | None) -> None:
    """The server process: a VoteDesk on uvicorn; the room's state from the pipe."""
    from tools.community.server import VoteDesk, make_app
    from tools.community.web import ServerThread

    state = {"view": RoomView("idle")}
    lock = threading.Lock()  # the pipe is written from uvicorn's thread and this one

    def send(msg) -> None:
        with lock:
            conn.send(msg)

    desk = VoteDesk(
        code, lambda: state["view"], lambda v: send(("vote", v, time.monotonic())), limits
    )
    try:
        server = ServerThread(make_app(desk), host, port).start()
    except OSError as exc:
        send(("error", str(exc)))
        return
    send(("started", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the session is gone
            break
        if msg[0] == "view":
            state["view"], desk.round = msg[1], msg[2]
        elif msg[0] == "stop":
            break
    server.stop()
    send(("stats", desk.accepted, dict(desk.refused)))


class VoteProcess:
    """The vote server's process, seen from the session."""

    def __init__(
        self,
        on_vote: Callable[[Vote, float], None],
        host: str,
        port: int,
        code: str,
        url: str,
        limits: Limits | None = None,
    ):
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.url, self.code = url, code
        self.on_vote = on_vote
        self.accepted = 0
        self.refused: dict[str, int] = {}
        self._last: tuple | None = None
        self._lock = threading.Lock()
        self._stats = threading.Event()
        self._proc = ctx.Process(
            target=_child, args=(child, host, port, code, limits), daemon=True, name="votes"
        )
        self._proc.start()
        child.close()
        if not self._conn.poll(START_TIMEOUT_S):
            self._proc.kill()
            raise UserError(f"the vote server on port {port} did not start in time")
        kind, detail = self._conn.recv()
        if kind != "started":
            self._proc.join(timeout=5)
            raise UserError(f"--port {port}: cannot serve the vote page ({detail})")
        self._reader = threading.Thread(target=self._read, name="votes-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                msg = self._conn.recv()
            except (EOFError, OSError):
                self._stats.set()
                return
            if msg[0] == "vote":
                self.on_vote(msg[1], msg[2])
            elif msg[0] == "stats":
                self.accepted, self.refused = msg[1], msg[2]
                self._stats.set()
                return

    def publish(self, view: RoomView, round_: int = 0) -> None:
        """Tell the server what the room sees now (only when it changed); `round_` is
        the pack of the evening (its questions are numbered from 1 again)."""
        if (view, round_) == self._last:
            return
        self._last = (view, round_)
        with self._lock, contextlib.suppress(OSError, ValueError):  # a dead server: go on
            self._conn.send(("view", view, round_))

    def stop(self) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            self._conn.send(("stop",))
        self._stats.wait(timeout=10)
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()


def start(
    on_vote: Callable[[Vote, float], None],
    host: str = "0.0.0.0",
    port: int | None = None,
    code: str | None = None,
    limits: Limits | None = None,
) -> VoteProcess:
    """The vote server in its own process; the URL uses the LAN address when serving on
    all interfaces."""
    from tools.community.web import free_port, lan_address, random_code

    code = code or random_code()
    port = port or free_port("127.0.0.1" if host == "127.0.0.1" else "0.0.0.0")
    shown = lan_address() if host in ("0.0.0.0", "") else host
    return VoteProcess(on_vote, host, port, code, f"http://{shown}:{port}/{code}", limits)
