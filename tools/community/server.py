"""The phones' side of a community session: a small page on the local network and the
vote endpoint behind it (Starlette, served by uvicorn from tools/community/web.py).

  GET  /CODE          the page (static HTML, CSS and an ES module: no internet needed)
  GET  /CODE/state    the question now: phase, number, prompt, choices, this phone's vote
  POST /CODE/vote     {"question": N, "choice": LABEL}: one vote per phone per question

CODE is the session's random code (shown on the screen with the QR code); any other
path answers 404. A phone is a random token in a cookie, issued on the first page load
(no account, no name; no address is stored and no access log is written): the server
knows it only as a per-session number ("p7") that goes with its vote into the session's
input queue, stamped on arrival, like a key press. The sim counts the votes
(sim/community.py); this module refuses, before anything reaches the session: a vote
from a phone without a token, a second vote of a phone on a question, a vote for a
question that is not open or a choice it does not offer, a body over MAX_BODY bytes or
not JSON, and floods (token buckets: all votes together, each phone, new phones). A
refusal is a 4xx answer with one line of JSON; the session never sees it.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sim.community import RoomView
from sim.events import Vote

STATIC = Path(__file__).parent / "static"
COOKIE = "sightline_phone"
MAX_BODY = 1024  # bytes of a vote request
MAX_PHONES = 20_000  # tokens one session issues (a flood of page loads ends here)
COOKIE_MAX_AGE_S = 12 * 3600


class Bucket:
    """A token bucket: `rate` per second, at most `burst` at once."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.t = burst, clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class Limits:
    votes_per_s: float = 200.0  # all phones together (200 phones in 10 s is 20/s)
    votes_burst: float = 400.0
    phone_per_s: float = 2.0  # one phone's vote requests
    phone_burst: float = 5.0
    new_phones_per_s: float = 50.0
    new_phones_burst: float = 300.0
    states_per_s: float = 600.0  # all phones' polling together (each asks once a second)
    states_burst: float = 1200.0


class VoteDesk:
    """The phones of one session and their votes. Runs on the server's event loop (one
    thread), so it needs no locks; `view` is read from the sim's side (a new immutable
    RoomView each change) and `put` is the session's input queue."""

    def __init__(
        self,
        code: str,
        view: Callable[[], RoomView],
        put: Callable[[Vote], None],
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.code = code
        self.view = view
        self.put = put
        self.clock = clock
        lim = limits or Limits()
        self.limits = lim
        self._all = Bucket(lim.votes_per_s, lim.votes_burst, clock)
        self._new = Bucket(lim.new_phones_per_s, lim.new_phones_burst, clock)
        self._states = Bucket(lim.states_per_s, lim.states_burst, clock)
        self._phones: dict[str, str] = {}  # token -> voter id
        self._buckets: dict[str, Bucket] = {}
        # (round, question, voter) -> label; a round is one pack of the evening (each
        # pack's questions are numbered from 1 again)
        self._voted: dict[tuple[int, int, str], str] = {}
        self.round = 0
        self.accepted = 0
        self.refused: dict[str, int] = {}

    # -- phones ------------------------------------------------------------------------

    def phone(self, request: Request) -> str | None:
        """The voter id of the request's cookie token, or None."""
        token = request.cookies.get(COOKIE, "")
        return self._phones.get(token) if 0 < len(token) <= 64 else None

    def issue(self) -> str | None:
        if len(self._phones) >= MAX_PHONES or not self._new.take():
            return None
        token = secrets.token_urlsafe(18)
        voter = f"p{len(self._phones) + 1}"
        self._phones[token] = voter
        self._buckets[voter] = Bucket(self.limits.phone_per_s, self.limits.phone_burst, self.clock)
        return token

    def _refuse(self, status: int, why: str) -> JSONResponse:
        self.refused[why] = self.refused.get(why, 0) + 1
        return JSONResponse({"ok": False, "error": why}, status_code=status)

    # -- handlers ----------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        code = request.path_params["code"]
        if code != self.code and code.upper() == self.code:  # typed in lower case
            return RedirectResponse(f"/{self.code}", status_code=307)
        if code != self.code:
            return PlainTextResponse("No session here: check the address on the screen.", 404)
        response = FileResponse(STATIC / "vote.html", headers=_NO_STORE)
        if self.phone(request) is None:
            token = self.issue()
            if token is None:
                return PlainTextResponse("Too many phones at once: try again in a moment.", 429)
            response.set_cookie(
                COOKIE,
                token,
                max_age=COOKIE_MAX_AGE_S,
                path=f"/{self.code}",
                httponly=True,
                samesite="strict",
            )
        return response

    async def state(self, request: Request) -> Response:
        if request.path_params["code"] != self.code:
            return self._refuse(404, "no such session")
        if not self._states.take():
            return self._refuse(429, "too many requests at once: try again")
        v = self.view()
        voter = self.phone(request)
        out = {
            "phase": v.phase,
            "question": v.number,
            "prompt": v.prompt,
            "choices": list(v.labels),
            "left_s": round(v.left_s, 1),
            "ask": f"{self.round}-{v.number}",  # tells a question from the last pack's
            "voted": self._voted.get((self.round, v.number, voter)) if voter else None,
            "phone": voter is not None,
        }
        if v.phase == "closed":  # the result: shown once the vote has closed
            out["counts"] = list(v.counts)
        return JSONResponse(out, headers=_NO_STORE)

    async def vote(self, request: Request) -> Response:
        if request.path_params["code"] != self.code:
            return self._refuse(404, "no such session")
        voter = self.phone(request)
        if voter is None:
            return self._refuse(403, "open the page first (no phone token)")
        if not self._buckets[voter].take() or not self._all.take():
            return self._refuse(429, "too many votes at once: try again")
        try:
            length = int(request.headers.get("content-length", "0"))
        except ValueError:
            length = MAX_BODY + 1
        if length > MAX_BODY:
            return self._refuse(413, "request too large")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return self._refuse(413, "request too large")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self._refuse(400, "not JSON")
        if not isinstance(data, dict):
            return self._refuse(400, "expected {question, choice}")
        question, choice = data.get("question"), data.get("choice")
        if (
            isinstance(question, bool)
            or not isinstance(question, int)
            or not isinstance(choice, str)
        ):
            return self._refuse(400, "expected {question: number, choice: text}")
        v = self.view()
        if v.phase != "open" or question != v.number:
            return self._refuse(409, "this question is not open")
        if choice not in v.labels:
            return self._refuse(400, "not one of the choices")
        if (self.round, question, voter) in self._voted:
            return self._refuse(409, "this phone has already voted on this question")
        self._voted[(self.round, question, voter)] = choice
        self.accepted += 1
        self.put(Vote(0.0, choice, question, voter))  # stamped on arrival by `put`
        return JSONResponse({"ok": True, "choice": choice}, status_code=202)

    async def home(self, request: Request) -> Response:
        return PlainTextResponse(
            "Sightline community session: open the address shown on the screen "
            "(it ends with the session's code).",
            headers=_NO_STORE,
        )


_NO_STORE = {"Cache-Control": "no-store"}


def make_app(desk: VoteDesk) -> Starlette:
    return Starlette(
        routes=[
            Route("/", desk.home),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            Route("/{code}", desk.page),
            Route("/{code}/state", desk.state),
            Route("/{code}/vote", desk.vote, methods=["POST"]),
        ]
    )


@dataclass
class VoteServer:
    """A running vote server: its URL (the QR code's) and how to stop it."""

    desk: VoteDesk
    url: str
    thread: object

    def stop(self) -> None:
        self.thread.stop()


def serve(
    view: Callable[[], RoomView],
    put: Callable[[Vote], None],
    host: str = "0.0.0.0",
    port: int | None = None,
    code: str | None = None,
    limits: Limits | None = None,
) -> VoteServer:
    """The vote server in a thread of this process (its tests; `community run` and the
    bench use tools/community/process.py, its own process). The URL uses the LAN address
    when serving on all interfaces."""
    from tools.community.web import ServerThread, free_port, lan_address, random_code

    code = code or random_code()
    port = port or free_port("127.0.0.1" if host == "127.0.0.1" else "0.0.0.0")
    desk = VoteDesk(code, view, put, limits)
    thread = ServerThread(make_app(desk), host, port).start()
    shown = lan_address() if host in ("0.0.0.0", "") else host
    return VoteServer(desk, f"http://{shown}:{port}/{code}", thread)
