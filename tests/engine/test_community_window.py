"""A community session in a real window on Xvfb, driven as a facilitator does: a phone
votes over HTTP, X closes the vote, N reveals a panel, P goes on down the room's choice;
Esc Esc ends and Esc Esc quits. Every step is an input event of the recording. Skipped,
saying so, where Xvfb or xdotool is not installed."""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import sys
import threading
import urllib.request

from content import DEMO_PACK
from tests.engine.test_window import (  # noqa: F401 - x_display is a fixture
    WAIT_S,
    end_and_quit,
    pytestmark,
    wait_recorded,
    window,
    x_display,
    xdo,
)
from tools.community.web import free_port

COVER = "Take cover, give clear commands"


def _open_state(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/state", timeout=5) as r:
            return json.loads(r.read())["phase"] == "open"
    except OSError:
        return False


def test_the_facilitator_closes_reveals_and_goes_on_with_keys(x_display, tmp_path):  # noqa: F811
    env = {**os.environ, "DISPLAY": x_display}
    port = free_port()
    url = f"http://127.0.0.1:{port}/KEYS"
    rec = tmp_path / "room.rec"
    app = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "community", "run", str(DEMO_PACK),
         "--size", "640x360", "--host", "127.0.0.1", "--port", str(port), "--code", "KEYS",
         "--vote-seconds", "600", "--record", str(rec), "--audio", "none"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        screen = window(env, "^Sightline - ", app)
        wait = threading.Event().wait
        for _ in range(round(WAIT_S / 0.1)):  # the question opens at the pack's cue (4 s)
            if _open_state(url) or app.poll() is not None:
                break
            wait(0.1)
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        opener.open(url, timeout=10).read()
        vote = urllib.request.Request(
            url + "/vote",
            json.dumps({"question": 1, "choice": COVER}).encode(),
            {"Content-Type": "application/json"},
            method="POST",
        )
        assert opener.open(vote, timeout=10).status == 202
        wait_recorded(rec, "Vote", 1, app)
        xdo(env, "key", "--window", screen, "x")
        wait_recorded(rec, "CloseVote", 1, app)
        xdo(env, "key", "--window", screen, "n")
        wait_recorded(rec, "Reveal", 1, app)
        xdo(env, "key", "--window", screen, "p")
        wait_recorded(rec, "Continue", 1, app)
        out, err = end_and_quit(env, screen, rec, app)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, err[-2000:]
    assert f"approach -> comply  (room: {COVER})" in out
    assert f"{COVER}: 1, " in out and f"-> {COVER} (room)" in out
    assert "1 votes taken" in out
