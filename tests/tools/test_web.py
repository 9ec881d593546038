"""The shared web-server guard (tools/web.py) on a real uvicorn server on a free port."""

from __future__ import annotations

import http.client

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tools.web import ServerThread, cookie_name, free_port, guarded, new_token


@pytest.fixture(scope="module")
def server():
    async def hello(request):
        return PlainTextResponse("hello")

    token = new_token()
    app = Starlette(routes=[Route("/", hello, methods=["GET", "POST"])])
    port = free_port()
    with ServerThread(guarded(app, token, port, "127.0.0.1"), port=port) as s:
        yield s, token


def ask(port, path="/", method="GET", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers=headers or {})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, dict(r.getheaders()), body


def test_a_request_without_the_token_is_refused(server):
    s, token = server
    status, _, body = ask(s.port)
    assert status == 403 and "token" in body
    status, _, _ = ask(s.port, "/?token=" + "x" * len(token))
    assert status == 403


def test_the_token_in_the_url_becomes_a_cookie_for_this_port(server):
    s, token = server
    status, headers, _ = ask(s.port, f"/?token={token}&a=1")
    assert status == 303 and headers["location"] == "/?a=1"
    cookie = headers["set-cookie"].split(";")[0]
    assert cookie == f"{cookie_name(s.port)}={token}" and "SameSite=Strict" in headers["set-cookie"]
    status, _, body = ask(s.port, headers={"Cookie": cookie})
    assert (status, body) == (200, "hello")
    assert ask(s.port, headers={"X-Sightline-Token": token})[0] == 200


def test_a_foreign_host_or_origin_is_refused_even_with_the_token(server):
    s, token = server
    auth = {"X-Sightline-Token": token}
    status, _, body = ask(s.port, headers={**auth, "Host": f"evil.example:{s.port}"})
    assert status == 403 and "Host" in body
    status, _, body = ask(s.port, method="POST", headers={**auth, "Origin": "http://evil.example"})
    assert status == 403 and "another site" in body
    origin = f"http://127.0.0.1:{s.port}"
    assert ask(s.port, method="POST", headers={**auth, "Origin": origin})[0] == 200
