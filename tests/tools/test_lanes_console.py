"""The tablet console end to end with real parts: a real Mosquitto (accounts and ACL), one
headless lane (`sightline lane run --offscreen`), `sightline lanes console` as its own
process, and Debian's chromium, headless, driven by Selenium through chromium-driver.

The main test presses a branch button on a phone-sized screen and checks the lane itself
branched (its status on the broker, its run summary and its recording, which verifies);
the second checks the token guard. Set SIGHTLINE_SCREENSHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from drivers.broker import broker_config
from drivers.broker_console import Console
from tests.chromium import start_chromium
from tests.conftest import run_cli
from tests.mqtt_broker import USERS
from tests.tools.test_lanes import start_lane
from tools.lanes.console import tile


@pytest.fixture
def browser(tmp_path):
    driver = start_chromium(1280, 915, tmp_path / "chromium")
    screen(driver, 412, 915, phone=True)  # the smallest screen the console is for
    yield driver
    driver.quit()


def screen(driver, width: int, height: int, phone: bool = False) -> None:
    """The page's viewport as a phone's or a tablet's (headless chromium's window cannot
    be narrower than 500 px, so the device's metrics are emulated instead)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": phone}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


@pytest.fixture
def console_server(broker):
    """`sightline lanes console` as the instructor starts it; yields the URL it printed."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.cli",
            "lanes",
            "console",
            "--broker",
            broker.url,
            "--auth",
            str(broker.auth_file("console")),
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("Console at http://127.0.0.1:"), first + proc.stderr.read()
        yield first.split(" at ", 1)[1].strip()
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def shots(tmp_path):
    out = Path(os.environ.get("SIGHTLINE_SCREENSHOTS") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def wait(driver, fn, timeout=90):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: fn())


def css(driver, selector):
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0] if found else None


def text(driver, selector) -> str:
    e = css(driver, selector)
    return e.text if e is not None else ""


def snap(driver, path: Path) -> np.ndarray:
    import cv2

    png = driver.get_screenshot_as_png()
    path.write_bytes(png)
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)


def post(url: str, token: str, event: dict) -> bytes:
    body = json.dumps({"event": event}).encode()
    req = urllib.request.Request(url, data=body, headers={"X-Sightline-Token": token})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


@pytest.mark.render
def test_a_branch_pressed_on_the_tablet_branches_the_lane(
    broker,
    console_server,
    browser,
    shots,
    tmp_path,
):
    lane = start_lane(broker, "a", tmp_path)
    watcher = Console(broker_config(broker.url, broker.auth_file("console"))).connect()
    try:
        browser.get(console_server)
        assert "token=" not in browser.current_url  # the guard took it out of the address bar
        wait(browser, lambda: "approach" in text(browser, "#lane-a .seg"))
        wait(browser, lambda: css(browser, "#lane-a img:not([hidden])") is not None)
        wait(browser, lambda: browser.execute_script(
            "const i = document.querySelector('#lane-a img'); return i.complete && i.naturalWidth"
        ), 30)  # fmt: skip
        assert css(browser, "#lane-a").get_attribute("aria-pressed") == "true"  # the only lane
        assert not css(browser, "#lane-a .nothumb").is_displayed()  # the picture instead
        assert "Lane a" in text(browser, "#panel-heading")
        branch = wait(browser, lambda: css(browser, "#branch-2"))
        assert "Draws a pistol" in branch.text
        assert branch.get_attribute("aria-label").startswith("Branch key 2: Draws a pistol")
        # touch targets: every button at least 44 px each way, on a 412 px wide screen
        sizes = browser.execute_script(
            "return [...document.querySelectorAll('button')].filter(b => b.offsetParent)"
            ".map(b => [b.id || b.textContent, b.offsetWidth, b.offsetHeight])"
        )
        assert sizes and all(w >= 44 and h >= 44 for _, w, h in sizes), sizes
        wide = browser.execute_script(
            "const w = innerWidth; return [w, document.documentElement.scrollWidth, "
            "[...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > w)"
            ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)]"
        )
        assert wide[1] <= wide[0] == 412, wide  # nothing wider than the phone's screen
        img = snap(browser, shots / "console-phone.png")
        assert img.shape[1] >= 412 and img.std() > 20  # a drawn page, not a blank one

        branch.click()
        wait(browser, lambda: "applied at tick" in text(browser, "#answer"), 30)
        assert text(browser, "#answer").startswith("lane a: key 2 applied at tick")
        assert watcher.wait_for(
            lambda ls: ls.get("a", {}).get("status", {}).get("segment") == "draw", 10
        ), "the lane did not branch"
        wait(browser, lambda: "draw" in text(browser, "#lane-a .seg"), 10)

        note = css(browser, "#flag-note")
        note.send_keys("hands not visible")
        css(browser, "#flag").click()
        wait(browser, lambda: "flag “hands not visible” applied" in text(browser, "#answer"), 30)
        wait(browser, lambda: "flags 1" in text(browser, "#lane-a .counts"), 10)  # live
        # a command the lane refuses comes back with the lane's reason (here straight to the
        # API, as the page posts it: the page has no sound button)
        base, token = console_server.split("?token=")
        refused = json.loads(
            post(base + "api/lanes/a/send", token, {"type": "sound", "sound": "nosuch"})
        )
        assert refused["result"] == "refused", refused
        assert "no sound 'nosuch' in this pack" in refused["reason"]
        screen(browser, 1280, 800)  # a tablet in landscape
        snap(browser, shots / "console-tablet.png")

        css(browser, "#end").click()
        assert "Tap again" in css(browser, "#end").text  # one tap ends nothing
        css(browser, "#end").click()
        wait(browser, lambda: "end applied" in text(browser, "#answer"), 30)
        summary = lane.communicate(timeout=60)[0]
    finally:
        watcher.close()
        if lane.poll() is None:
            lane.kill()
            lane.wait()
    assert "approach -> draw" in summary, summary
    assert "'hands not visible'" in summary and "Lane a: 3 commands applied, 1 refused" in summary
    out = run_cli("replay", str(tmp_path / "a.rec"), "--verify")
    assert out.returncode == 0 and "every tick matches" in out.stdout, out.stdout + out.stderr


def test_requests_without_the_token_are_refused_and_the_password_never_served(
    broker,
    console_server,
):
    base = console_server.split("?")[0]
    token = console_server.split("token=")[1]
    for path, data in (("", None), ("api/lanes", None), ("api/lanes/a/send", b"{}")):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(urllib.request.Request(base + path, data=data), timeout=20)
        assert err.value.code == 403, path
        assert b"needs its token" in err.value.read()
    bad = urllib.request.Request(base + "api/lanes", headers={"X-Sightline-Token": "x" + token})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(bad, timeout=20)
    assert err.value.code == 403

    def get(path: str, data: bytes | None = None) -> bytes:
        req = urllib.request.Request(base + path, data=data, headers={"X-Sightline-Token": token})
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.read()

    served = b"".join(
        get(p) for p in ("", "api/info", "api/lanes", "static/console.js", "static/index.html")
    )
    assert json.loads(get("api/lanes"))["connected"] is True
    assert USERS["console"].encode() not in served and b"password" not in served
    # a command the lanes do not take is refused by the console server, before the broker
    with pytest.raises(urllib.error.HTTPError) as err:
        get("api/lanes/a/send", json.dumps({"event": {"type": "shot"}}).encode())
    assert err.value.code == 400 and b"type is one of key" in err.value.read()

    # the broker goes and comes back: the console server says so and reconnects by itself
    broker.kill()
    assert wait_until(lambda: not json.loads(get("api/lanes"))["connected"], 20)
    broker.start()
    assert wait_until(lambda: json.loads(get("api/lanes"))["connected"], 30)


def wait_until(predicate, timeout_s: float) -> bool:
    """Poll a web server's answer (the test is its client: no event to wait on)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_console_with_a_wrong_password_is_refused_before_it_serves(broker):
    out = run_cli(
        "lanes", "console", "--broker", broker.url,
        "--auth", str(broker.auth_file("console", "wrong")), "--no-browser",
    )  # fmt: skip
    assert out.returncode == 2 and "refused the connection" in out.stderr
    assert "Console at" not in out.stdout and len(out.stderr.strip().splitlines()) == 1


def test_a_tile_keeps_only_what_a_lane_may_say():
    """A status is published by a lane account: junk in it is dropped, not served."""
    junk = {"segment": "s", "flags": "abc", "offer": [{"key": "2"}, "x", 3], "ended": True}
    t = tile("a", {"status": junk, "online": True, "thumb": b"jpeg"}, 4, time.time())
    assert t["flags"] == [] and t["offer"] == [{"key": "2"}] and t["state"] == "ended"
    assert t["thumb"] == 4
    t = tile("b", {"status": ["not", "a", "dict"]}, 1, time.time())
    assert t["state"] == "offline" and t["offer"] == [] and t["thumb"] == 0
