"""The vote server (tools/community/server.py) on a real uvicorn on a free 127.0.0.1
port, over HTTP: what it takes, what it refuses, and that refusals never reach the
session's input queue. The room is a real sim Room (sim/community.py)."""

from __future__ import annotations

import http.cookiejar
import json
import queue
import urllib.error
import urllib.request

import pytest

from sim.community import Choice, Question, Room, RoomOptions
from sim.events import Vote
from sim.scenario import Segment
from tools.community.server import COOKIE, MAX_BODY, Limits, serve

SEG = Segment("s", "s.mp4", 0.0, 5.0, 16 / 9)
Q = Question((Choice("Talk", "a"), Choice("Wait", "b")))


class Phone:
    """One phone: its own cookie jar."""

    def __init__(self, url: str):
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open_page(self) -> int:
        with self.opener.open(self.url, timeout=10) as r:
            assert "<title>Sightline: what would you do?</title>" in r.read().decode()
            return r.status

    def state(self) -> dict:
        with self.opener.open(self.url + "/state", timeout=10) as r:
            return json.loads(r.read())

    def post(self, body: bytes | dict) -> tuple[int, dict]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + "/vote", data, {"Content-Type": "application/json"}, method="POST"
        )
        try:
            with self.opener.open(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def server():
    room = Room(RoomOptions(20.0), 120)
    got: queue.SimpleQueue = queue.SimpleQueue()
    srv = serve(lambda: room.view, got.put, "127.0.0.1", None, "ABCD", Limits(phone_burst=3))
    try:
        yield srv, room, got
    finally:
        srv.stop()


def drain(q: queue.SimpleQueue) -> list[Vote]:
    out = []
    while not q.empty():
        out.append(q.get_nowait())
    return out


def test_a_phone_votes_once_per_question_and_the_vote_reaches_the_session(server):
    srv, room, got = server
    phone = Phone(srv.url)
    assert phone.open_page() == 200
    assert any(c.name == COOKIE for c in phone.jar)
    assert phone.state()["phase"] == "idle"
    assert phone.post({"question": 1, "choice": "Talk"})[0] == 409  # nothing open yet
    room.open(SEG, Q, 0, [])
    s = phone.state()
    assert (s["phase"], s["question"], s["choices"]) == ("open", 1, ["Talk", "Wait"])
    assert "counts" not in s  # no running tally while the room decides
    assert phone.post({"question": 1, "choice": "Talk"}) == (202, {"ok": True, "choice": "Talk"})
    status, answer = phone.post({"question": 1, "choice": "Wait"})
    assert status == 409 and "already voted" in answer["error"]
    assert phone.state()["voted"] == "Talk"
    (vote,) = drain(got)
    assert (vote.choice, vote.question, vote.voter) == ("Talk", 1, "p1")


def test_bad_requests_are_refused_and_never_reach_the_session(server):
    srv, room, got = server
    room.open(SEG, Q, 0, [])
    stranger = Phone(srv.url)  # never opened the page: no token
    assert stranger.post({"question": 1, "choice": "Talk"})[0] == 403
    phone = Phone(srv.url)
    phone.open_page()
    assert phone.post(b"{not json")[0] == 400
    assert phone.post({"question": 1, "choice": "Run"})[0] == 400
    assert phone.post(b"x" * (MAX_BODY + 1))[0] == 413
    bad = Phone(srv.url.replace("ABCD", "WXYZ"))
    with pytest.raises(urllib.error.HTTPError) as info:
        bad.opener.open(bad.url, timeout=10)
    assert info.value.code == 404
    assert drain(got) == []


def test_a_flood_from_one_phone_is_cut_off(server):
    srv, room, got = server
    room.open(SEG, Q, 0, [])
    phone = Phone(srv.url)
    phone.open_page()
    codes = [phone.post({"question": 1, "choice": "Talk"})[0] for _ in range(12)]
    assert codes[0] == 202
    assert 429 in codes  # its bucket (burst 3) runs dry
    assert len(drain(got)) == 1
    assert srv.desk.refused.get("too many votes at once: try again", 0) >= 1


def test_a_code_typed_in_lower_case_leads_to_the_session(server):
    srv, _, _ = server
    phone = Phone(srv.url.replace("/ABCD", "/abcd"))
    with phone.opener.open(phone.url, timeout=10) as r:
        assert r.url.endswith("/ABCD") and r.status == 200
    assert any(c.name == COOKIE for c in phone.jar)


def test_the_next_pack_of_the_evening_asks_afresh(server):
    """Each pack numbers its questions from 1: a phone that voted on the first pack's
    question 1 votes again on the second's."""
    srv, room, got = server
    phone = Phone(srv.url)
    phone.open_page()
    room.open(SEG, Q, 0, [])
    first = phone.state()["ask"]
    assert phone.post({"question": 1, "choice": "Talk"})[0] == 202
    srv.desk.round = 1  # the next pack (community run publishes its round with the view)
    room2 = Room(RoomOptions(20.0), 120)
    room2.open(SEG, Q, 0, [])
    srv.desk.view = lambda: room2.view
    s = phone.state()
    assert s["ask"] != first and s["voted"] is None
    assert phone.post({"question": 1, "choice": "Wait"})[0] == 202
    assert [v.choice for v in drain(got)] == ["Talk", "Wait"]
