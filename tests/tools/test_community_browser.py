"""A community session voted on from headless Chromium pages (issue 23's second
done-when): `community run` headless, kept to the wall clock, serves the phone page on
127.0.0.1; Selenium drives Debian's chromium through Debian's chromedriver (never a
downloaded one) as several phones (each a fresh cookie: a new phone token); a phone's
second vote is refused; the chart in the rendered video shows the counts, the QR code on
screen reads back as the page's address, and the take-home report has the same counts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from content import DEMO_PACK
from tests.chromium import needs_chromium, start_chromium
from tests.conftest import run_cli
from tests.tools.community_frames import bar_lengths, frame_at, qr_text
from tools.community.web import free_port

COVER = "Take cover, give clear commands"
DRAW = "Draw and order him to stop"
GRAB = "Close in and grab his arm"
VOTE_S, REVEAL_S, FPS = 16.0, 4.0, 10.0

pytestmark = needs_chromium


def _state(url: str) -> dict:
    with urllib.request.urlopen(url + "/state", timeout=5) as r:
        return json.loads(r.read())


def _wait(what, timeout_s: float, step_s: float = 0.2):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = what()
        if value:
            return value
        time.sleep(step_s)  # polling a server in another process: nothing to wait on
    raise AssertionError(f"timed out after {timeout_s} s")


def _vote(driver, url: str, label: str) -> str:
    """One phone: a fresh token (no cookies), the page, a choice, Vote; the status line."""
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(url)
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#choices input"), 10)
    for option in driver.find_elements(By.CSS_SELECTOR, "#choices label"):
        if option.text.strip() == label:
            option.click()
    driver.find_element(By.ID, "send").click()
    return _wait(
        lambda: (t := driver.find_element(By.ID, "status").text) and "vote is in" in t and t, 10
    )


def test_phones_vote_from_chromium_and_the_chart_shows_the_counts(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/ROOM"
    rec, video = tmp_path / "room.rec", tmp_path / "room.mp4"
    driver = start_chromium(
        390, 844, tmp_path / "chromium"
    )  # a phone; started first: chromium is slow to start on a loaded machine
    run = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "community", "run", str(DEMO_PACK), "--offscreen",
         "--pace", "--host", "127.0.0.1", "--port", str(port), "--code", "ROOM",
         "--vote-seconds", str(VOTE_S), "--reveal-seconds", str(REVEAL_S), "--fps", str(FPS),
         "--record", str(rec), "--video-out", str(video)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait(lambda: _try_state(url).get("phase") == "open" or run.poll() is not None, 120)
        assert run.poll() is None, run.communicate()
        wanted = [COVER, COVER, DRAW, COVER, DRAW]
        for label in wanted:
            assert label in _vote(driver, url, label)
        driver.save_screenshot(str(tmp_path / "phone-voted.png"))
        # the same phone again: the page knows it voted, and the server refuses a replay
        from selenium.webdriver.common.by import By

        driver.get(url)
        _wait(lambda: "vote is in" in driver.find_element(By.ID, "status").text, 10)
        assert not driver.find_element(By.ID, "send").is_enabled()
        replay = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(location.pathname + '/vote', {method: 'POST', headers: {'Content-Type':"
            f"'application/json'}}, body: JSON.stringify({{question: 1, choice: '{GRAB}'}})}})"
            ".then(r => r.json().then(j => done([r.status, j.error])));"
        )
        assert replay[0] == 409 and "already voted" in replay[1]
        # the result, on the phone once the vote closes
        _wait(lambda: "vote is closed" in driver.find_element(By.ID, "status").text, 40)
        driver.save_screenshot(str(tmp_path / "phone-result.png"))
        assert f"{COVER}: 3 votes" in driver.find_element(By.ID, "result").text
        out, err = run.communicate(timeout=120)
    finally:
        driver.quit()
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 0, err + out
    assert "5 votes taken" in out
    # the room's screen: the chart after the close (the vote opened at 4 s)
    frame = frame_at(video, 4.0 + VOTE_S + REVEAL_S / 2, FPS, tmp_path / "chart.png")
    lengths = bar_lengths(frame, 3)
    assert lengths[2] == 0
    assert lengths[1] == pytest.approx(lengths[0] * 2 / 3, abs=0.03 * lengths[0])
    open_frame = frame_at(video, 6.0, FPS, tmp_path / "question.png")
    assert qr_text(open_frame) == url
    report = run_cli("community", "report", str(rec), "-o", str(tmp_path / "r"), "--json")
    assert report.returncode == 0, report.stderr
    (q,) = json.loads((tmp_path / "r" / "community.json").read_text())["questions"]
    assert q["choices"] == {COVER: 3, DRAW: 2, GRAB: 0}


def _try_state(url: str) -> dict:
    try:
        return _state(url)
    except OSError:
        return {}
